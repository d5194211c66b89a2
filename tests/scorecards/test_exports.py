"""Exports carry the same figures as the pages: re-read with openpyxl and csv and compared."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from tests.conftest import login
from tests.scorecards.conftest import approx

ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
LINK = re.compile(r'<a href="/scorecards/branches/\d+\?wave=\d+">([^<]+)</a>')
SCORE = re.compile(r'<span class="score[^"]*">([\d.]+)</span>')


def page_scores(html: str) -> dict[str, str]:
    """Branch name -> score as the overview page prints it."""
    out = {}
    for row in ROW.findall(html):
        name, score = LINK.search(row), SCORE.search(row)
        if name and score:
            out[name.group(1)] = score.group(1)
    return out


def sheet_rows(book, name):
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_workbook_matches_the_overview_page(client, scdata):
    login(client, "manager", "manager-pass")
    w2 = scdata["waves"]["W2"]
    response = client.get(f"/exports/waves/{w2.id}.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "All visits",
        "Branches",
        "Regions",
        "Region × moment",
        "Branch × moment",
    ]
    shown = page_scores(client.get(f"/scorecards?wave={w2.id}").text)
    branches = sheet_rows(book, "Branches")
    assert [(b["Branch code"], b["Rank"]) for b in branches] == [("E2", 1), ("E1", 2), ("EC", None)]
    for row in branches:
        assert f"{row['Score']:.1f}" == shown[row["Branch"]]
    e1 = branches[1]
    assert e1["Score"] == approx(50.0) and e1["Trend"] == approx(-38.888889)
    assert e1["Weakest moment"] == "Checkout" and e1["Critical failures"] == 1
    assert "Dropped by 38.9 points" in e1["Early warnings"]
    regions = sheet_rows(book, "Regions")
    assert [(r["Region code"], r["Score"], r["Competitor benchmark"]) for r in regions] == [
        ("E", approx(75.0), approx(83.333333))
    ]
    moments = {m["Moment of truth"]: m["Compliance"] for m in sheet_rows(book, "Region × moment")}
    assert moments == {
        "Arrival": approx(83.333333),
        "Checkout": approx(75.0),
        "Restroom": approx(100.0),
    }
    visits = sheet_rows(book, "All visits")
    assert sorted(v["Branch code"] for v in visits) == ["E1", "E1", "E2", "EC"]  # approved only
    knocked = next(v for v in visits if v["Critical failure"] == "Yes")
    assert knocked["Score"] == 0 and knocked["Score before cap"] == approx(22.222222)
    # answers as people read them; a measure stays a number, its unit in the header
    assert knocked["receipt: Receipt"] == "No" and knocked["receipt: score"] == 0
    assert knocked["wait: Wait (s)"] == 90 and knocked["wait: score"] == 0
    assert knocked["clean: Clean"] == "N/A" and knocked["clean: score"] is None
    assert knocked["name: score"] == 100  # the delighter is reported, it just costs nothing
    assert knocked["Restroom"] is None and knocked["Arrival"] == approx(33.333333)
    assert all("Shopper" not in str(value) for v in visits for value in v.values())


def test_csv_levels_and_region_filter(client, scdata):
    login(client, "admin", "admin-pass")
    w2 = scdata["waves"]["W2"]
    east = scdata["regions"]["E"].id
    text = client.get(f"/exports/waves/{w2.id}.csv?level=branches&region={east}").text
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["Branch code"] for r in rows] == ["E2", "E1", "EC"]
    assert float(rows[1]["Score"]) == approx(50.0)
    # figures rounded to two decimals: 50, -38.888889, 83.333333
    assert (rows[1]["Score"], rows[1]["Trend"]) == ("50.00", "-38.89")
    everything = client.get(f"/exports/waves/{w2.id}.csv?level=regions").text
    assert [r["Region code"] for r in csv.DictReader(io.StringIO(everything.lstrip("\ufeff")))] == [
        "E",
        "S",
    ]
    assert client.get(f"/exports/waves/{w2.id}.csv?level=secret").status_code == 404
    assert client.get("/exports/waves/999999.xlsx").status_code == 404


def test_headers_follow_the_language(client, scdata):
    login(client, "admin", "admin-pass")
    client.cookies.set("sm_lang", "zh_CN")
    w2 = scdata["waves"]["W2"]
    book = load_workbook(io.BytesIO(client.get(f"/exports/waves/{w2.id}.xlsx").content))
    assert book.sheetnames == ["全部暗访", "门店", "区域", "区域 × 关键时刻", "门店 × 关键时刻"]
    headers = next(book["区域 × 关键时刻"].iter_rows(values_only=True))
    assert "关键时刻" in headers[2]
    moments = [row[2] for row in list(book["区域 × 关键时刻"].iter_rows(values_only=True))[1:]]
    assert moments[:3] == ["进店", "结账", "洗手间"]
