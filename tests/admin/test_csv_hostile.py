"""CSV imports: doubled quotes parse; oversize cells and files are refused, never cut."""

from __future__ import annotations

from app.forms import MAX_CSV
from app.services.csv_import import MAX_CELL, read_rows
from tests.admin.test_org_pages import _post
from tests.conftest import login

COLUMNS = ("code", "name", "region")


def test_doubled_quotes_inside_a_quoted_cell_parse_with_a_plain_header():
    rows, errors = read_rows(
        'code,name,region\nE7,"Shop ""A"", the big one",E\n', columns=COLUMNS, required=COLUMNS
    )
    assert errors == []
    assert rows == [(2, {"code": "E7", "name": 'Shop "A", the big one', "region": "E"})]


def test_semicolon_files_keep_excel_quoting():
    rows, errors = read_rows(
        'code;name;region\nE7;"Quote ""me""; twice";E\n', columns=COLUMNS, required=COLUMNS
    )
    assert errors == [] and rows[0][1]["name"] == 'Quote "me"; twice'


def test_an_oversize_cell_is_an_error_on_its_line():
    huge = "x" * (MAX_CELL + 1)
    _rows, errors = read_rows(
        f"code,name,region\nE7,ok,E\nE8,{huge},E\n", columns=COLUMNS, required=COLUMNS
    )
    assert [(e.line, e.field) for e in errors] == [(3, "row")]
    assert f"longer than {MAX_CELL}" in errors[0].message
    over_the_parser_limit = "y" * 200_000  # past the csv module's own field limit
    _rows, errors = read_rows(
        f'code,name,region\nE9,"{over_the_parser_limit}",E\n', columns=COLUMNS, required=COLUMNS
    )
    assert errors and f"longer than {MAX_CELL}" in errors[0].message


def test_a_file_over_the_limit_is_refused_not_cut(client, world):
    login(client, "admin", "admin-pass")
    big = b"code,name,region\n" + b"E1,East One,E\n" * (MAX_CSV // 14 + 10)
    assert len(big) > MAX_CSV
    response = _post(
        client, "/admin/branches/import", {}, files={"file": ("b.csv", big, "text/csv")}
    )
    assert response.status_code == 422
    assert "larger than 5 MB" in response.text


def test_the_encoding_is_decided_on_the_whole_file():
    chinese = "code,name,region\nE1,东一店,E\n".encode("gb18030")
    rows, errors = read_rows(
        b"code,name,region\n" + b"E2,plain,E\n" * 2000 + chinese[17:],
        columns=COLUMNS,
        required=COLUMNS,
    )
    assert errors == [] and rows[-1][1]["name"] == "东一店"
