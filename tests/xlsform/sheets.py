"""Build XLSForm rows as a reader gives them, from tables written in the tests."""

from __future__ import annotations

from typing import Any

from app.scoring.xlsform import Sheets
from app.scoring.xlsform_export import Workbook

YES_NO = [["list_name", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]


def _rows(table: list[list[Any]]) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    headers = [str(h) for h in table[0]]
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        row = {h: str(c) for h, c in zip(headers, cells, strict=False) if str(c).strip()}
        rows.append((number, row))
    return rows, headers


def sheets(
    survey: list[list[Any]],
    choices: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
) -> Sheets:
    s_rows, s_headers = _rows(survey)
    c_rows, c_headers = _rows(choices or YES_NO)
    t_rows, t_headers = _rows(settings or [["form_id", "form_title"], ["t", "T"]])
    return Sheets(s_rows, s_headers, c_rows, c_headers, t_rows, t_headers)


def from_workbook(book: Workbook) -> Sheets:
    """The rows of an exported workbook as a reader gives them back (every cell a string)."""

    def table(name: str, rows: list[dict[str, Any]]) -> list[list[Any]]:
        headers = book.headers[name]
        return [headers, *[[row.get(h, "") for h in headers] for row in rows]]

    return sheets(
        table("survey", book.survey),
        table("choices", book.choices),
        table("settings", book.settings),
    )
