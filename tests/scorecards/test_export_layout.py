"""A workbook people can read at once: frozen header row, autofilter, widths fitted to the
content (a Chinese character counts twice), figures as numbers with one decimal, answers as
their labels, times in the company's zone; and the branch x moment of truth sheet."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from app.services.exports import MAX_WIDTH, text_width
from app.settings import get_settings
from tests.conftest import login
from tests.scorecards.conftest import approx


@pytest.fixture
def company_zone(monkeypatch):
    """The company in New York while its branches keep their own zone (Asia/Shanghai)."""
    monkeypatch.setenv("COMPANY_TIMEZONE", "America/New_York")
    get_settings.cache_clear()
    yield "America/New_York"
    get_settings.cache_clear()


def _workbook(client, scdata, language="en"):
    login(client, "manager", "manager-pass")
    if language != "en":
        client.cookies.set("sm_lang", language)
    response = client.get(f"/exports/waves/{scdata['waves']['W2'].id}.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _column(ws, header):
    """The cells (header included) of the column with this header."""
    for column in ws.iter_cols():
        if column[0].value == header:
            return column
    raise AssertionError(f"no column {header!r} in {ws.title}")


def test_every_sheet_has_a_frozen_header_row_and_an_autofilter(client, scdata):
    book = _workbook(client, scdata)
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert all(cell.font.b for cell in ws[1]), ws.title
    assert book["Branches"].auto_filter.ref == "A1:P4"  # 16 columns, E2 E1 and the rival EC


def test_figures_are_numbers_with_one_decimal_and_counts_whole(client, scdata):
    book = _workbook(client, scdata)
    branches = book["Branches"]
    scores = _column(branches, "Score")[1:]
    assert [c.value for c in scores] == [approx(100.0), approx(50.0), approx(83.333333)]
    assert {c.number_format for c in scores} == {"0.0"}
    assert {c.data_type for c in scores} == {"n"}  # numbers, not "83.3" as text
    trend = _column(branches, "Trend")[2]
    assert trend.value == approx(-38.888889) and trend.number_format == "0.0"
    assert {c.number_format for c in _column(branches, "Visits")[1:]} == {"0"}
    assert {c.number_format for c in _column(branches, "Rank")[1:3]} == {"0"}
    visits = book["All visits"]
    assert {c.number_format for c in _column(visits, "Arrival")[1:] if c.value is not None} == {
        "0.0"
    }
    assert {c.number_format for c in _column(visits, "wait: score")[1:]} == {"0.0"}
    moments = book["Region × moment"]
    assert {c.number_format for c in _column(moments, "Compliance")[1:]} == {"0.0"}


def test_columns_fit_their_content(client, scdata):
    book = _workbook(client, scdata)
    branches = book["Branches"]
    warnings = _column(branches, "Early warnings")
    longest = max(text_width(c.value or "") for c in warnings[1:])
    assert longest > len("Early warnings")  # "Dropped by 38.9 points; 1 critical failure"
    width = branches.column_dimensions[warnings[0].column_letter].width
    assert min(longest, MAX_WIDTH) <= width <= min(longest + 4, MAX_WIDTH)  # very long: capped
    code = _column(branches, "Branch code")[0].column_letter
    assert branches.column_dimensions[code].width < 20  # short codes, a short header


def test_chinese_sheet_names_headers_answers_and_double_width(client, scdata):
    book = _workbook(client, scdata, "zh_CN")
    assert book.sheetnames == ["全部暗访", "门店", "区域", "区域 × 关键时刻", "门店 × 关键时刻"]
    visits = book["全部暗访"]
    knocked = next(c.row for c in _column(visits, "关键项不合格")[1:] if c.value == "是")
    assert visits.cell(knocked, _column(visits, "receipt: 小票")[0].column).value == "否"
    assert visits.cell(knocked, _column(visits, "clean: 干净")[0].column).value == "不适用"
    assert visits.cell(knocked, _column(visits, "wait: 等待（秒）")[0].column).value == 90
    moments = book["区域 × 关键时刻"]
    header = _column(moments, "关键时刻")[0]
    assert text_width("关键时刻") == 8
    # four characters, each two cells wide, plus the autofilter's button
    assert moments.column_dimensions[header.column_letter].width >= 8 + 2
    code = _column(book["门店"], "门店编号")[0]
    assert book["门店"].column_dimensions[code.column_letter].width >= text_width("门店编号") + 2


def test_the_branch_by_moment_sheet(client, scdata):
    book = _workbook(client, scdata)
    ws = book["Branch × moment"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "Region code",
        "Region",
        "Rank",
        "Branch code",
        "Branch",
        "Competitor",
        "Visits",
        "Score",
        "Arrival",
        "Checkout",
        "Restroom",
        "Weakest moment",
    )
    by_code = {row[3]: row for row in rows[1:]}
    assert [row[3] for row in rows[1:]] == ["E2", "E1", "EC"]  # ranking order, rival last
    # E1 in W2: arrival (1/3 + 3/3) / 2, checkout (0 + 1) / 2, restroom N/A once then met
    assert by_code["E1"][2] == 2 and by_code["E1"][6] == 2
    assert by_code["E1"][8:] == (approx(66.666667), approx(50.0), approx(100.0), "Checkout")
    assert by_code["E2"][8:11] == (approx(100.0), approx(100.0), None)
    assert by_code["EC"][2] is None and by_code["EC"][5] == "Yes"
    assert {c.number_format for c in ws["I"][1:]} == {"0.0"}
    # the region's moments are the mean of its own branches' (the rival apart)
    region = {r[2]: r[3] for r in book["Region × moment"].iter_rows(min_row=2, values_only=True)}
    assert region["Arrival"] == approx((66.666667 + 100.0) / 2)
    w2 = scdata["waves"]["W2"].id
    assert (
        f"/exports/waves/{w2}.csv?level=branch_moments" in client.get(f"/scorecards?wave={w2}").text
    )
    text = client.get(f"/exports/waves/{w2}.csv?level=branch_moments").text
    lines = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["Branch code"], r["Arrival"]) for r in lines][:2] == [
        ("E2", "100.00"),
        ("E1", "66.67"),
    ]


def test_times_are_the_company_zone_and_say_so(client, scdata, company_zone):
    book = _workbook(client, scdata)
    visits = book["All visits"]
    column = _column(visits, "Visited at (America/New_York)")
    # stored 2026-04-09 00:00 UTC (wave 2 starts on the 6th; visits three days in): 20:00 EDT
    assert {c.value for c in column[1:]} == {datetime(2026, 4, 8, 20, 0)}
    assert {c.number_format for c in column[1:]} == {"yyyy-mm-dd hh:mm"}
    text = client.get(f"/exports/waves/{scdata['waves']['W2'].id}.csv?level=visits").text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["Visited at (America/New_York)"] for r in rows} == {"2026-04-08 20:00"}


def test_report_zip_entries_carry_the_company_time(monkeypatch):
    """The bulk report ZIP's entries are dated in the company's zone too (ZIP has no zones)."""
    from zoneinfo import ZoneInfo

    from app.models import utcnow
    from app.reports.export import _entry

    monkeypatch.setenv("COMPANY_TIMEZONE", "Pacific/Kiritimati")  # UTC+14: no server's own
    get_settings.cache_clear()
    try:
        zone = ZoneInfo("Pacific/Kiritimati")
        before = utcnow().astimezone(zone).replace(tzinfo=None, microsecond=0)
        stamped = datetime(*_entry("00-summary.pdf").date_time)
        after = utcnow().astimezone(zone).replace(tzinfo=None)
    finally:
        get_settings.cache_clear()
    assert before - timedelta(seconds=2) <= stamped <= after  # ZIP times have 2-second steps
