"""The pages: full loads work without JavaScript; HTMX gets only the `results` block."""

from __future__ import annotations

import re

from tests.conftest import login


def test_overview_full_page_and_htmx_fragment(client, scdata):
    login(client, "manager", "manager-pass")
    w1, w2 = scdata["waves"]["W1"], scdata["waves"]["W2"]
    full = client.get("/scorecards")
    assert full.status_code == 200
    assert "<html" in full.text and 'id="results"' in full.text
    assert f'<option value="{w2.id}" selected>' in full.text  # the newest wave with results
    assert 'hx-push-url="true"' in full.text and 'hx-get="/scorecards"' in full.text
    assert "<svg" in full.text and "<table" in full.text  # a chart and its data table
    fragment = client.get(f"/scorecards?wave={w1.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="results"')
    assert "<html" not in fragment.text and "<form" not in fragment.text.split("Download")[0]
    assert "trends against" not in fragment.text  # wave 1 has no previous wave
    assert "HX-Request" in fragment.headers["vary"]
    assert client.get(f"/scorecards?wave={w1.id}&region=").status_code == 200  # "all regions"
    assert client.get(f"/scorecards?wave={w1.id}&region=east").status_code == 404
    restore = client.get(
        f"/scorecards?wave={w1.id}",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.text  # history restore needs the whole page


def test_branch_scorecard_page(client, scdata):
    login(client, "manager", "manager-pass")
    e1, w1, w2 = scdata["branches"]["E1"], scdata["waves"]["W1"], scdata["waves"]["W2"]
    page = client.get(f"/scorecards/branches/{e1.id}?wave={w2.id}").text
    assert page.count("<svg") == 3  # moments, trend, dimensions
    assert page.count('role="img" aria-labelledby=') == 3
    assert "Weakest moment" in page and "Checkout" in page
    assert "Dropped by 38.9 points" in page
    assert f"/scorecards/branches/{e1.id}/standards/receipt?wave={w2.id}" in page
    assert re.search(r"Receipt</a>.*?Knock-out", page, re.S)
    fragment = client.get(
        f"/scorecards/branches/{e1.id}?wave={w1.id}", headers={"HX-Request": "true"}
    ).text
    assert fragment.lstrip().startswith('<div id="results"') and "88.9" in fragment


def test_standard_drill_down_shows_answers_comments_and_photos(client, db, scdata):
    from app.models import Photo

    visit = scdata["visits"][5]  # E1, receipt 'no'
    db.add(
        Photo(
            visit_id=visit.id,
            item_id="receipt",
            path="p.jpg",
            thumb_path="t.jpg",
            size=1,
            width=1,
            height=1,
            sha256="1" * 64,
        )
    )
    db.flush()
    login(client, "manager", "manager-pass")
    e1, w2 = scdata["branches"]["E1"], scdata["waves"]["W2"]
    page = client.get(f"/scorecards/branches/{e1.id}/standards/receipt?wave={w2.id}").text
    assert "failed in 1 of" in page and "2 visits" in page
    assert "note on receipt" in page
    assert f"/visits/{visit.id}/photos/" in page and "/thumb" in page
    assert f"/scorecards/visits/{visit.id}" in page
    detail = client.get(f"/scorecards/visits/{visit.id}").text
    assert "note on receipt" in detail and "Knock-out" in detail
    assert (
        client.get(f"/scorecards/branches/{e1.id}/standards/nope?wave={w2.id}").status_code == 404
    )


def test_chinese_pages(client, scdata):
    login(client, "manager", "manager-pass")
    client.cookies.set("sm_lang", "zh_CN")
    e1, w2 = scdata["branches"]["E1"], scdata["waves"]["W2"]
    page = client.get(f"/scorecards/branches/{e1.id}?wave={w2.id}").text
    assert "短板" in page and "结账" in page and "各关键时刻达标率" in page


def test_manager_home_shows_scores_and_warnings(client, scdata):
    login(client, "manager", "manager-pass")
    home = client.get("/").text
    assert "<h1>My regions</h1>" in home
    assert "Early warnings" in home and "East One" in home
    assert "/scorecards?region=" in home


def test_scorecards_without_any_wave(client, world):
    login(client, "manager", "manager-pass")
    page = client.get("/scorecards")
    assert page.status_code == 200 and "There are no waves yet" in page.text
    assert client.get("/scorecards?wave=424242").status_code == 404


def test_many_branches_collapse_the_overview_to_one_line_per_region(client, scdata, monkeypatch):
    from app.routers import scorecards as pages

    monkeypatch.setattr(pages, "COMPACT_ABOVE", 2)
    monkeypatch.setattr(pages, "WARNING_LIMIT", 0)
    login(client, "admin", "admin-pass")
    w2, east = scdata["waves"]["W2"], scdata["regions"]["E"]
    page = client.get(f"/scorecards?wave={w2.id}").text
    assert "regions-table" in page and "ranking" not in page
    assert f"/scorecards?wave={w2.id}&amp;region={east.id}" in page
    assert "1 more branches are flagged" in page
    full = client.get(f"/scorecards?wave={w2.id}&region={east.id}").text
    assert "regions-table" not in full and 'class="data ranking"' in full


def test_dispute_tabs_swap_the_list_in_place(client, scdata):
    login(client, "reviewer", "reviewer-pass")
    full = client.get("/disputes?status=accepted").text
    assert 'href="/disputes?status=accepted" aria-current="page"' in full
    fragment = client.get("/disputes?status=all", headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<div id="results"')
    assert 'href="/disputes?status=all" aria-current="page"' in fragment
    assert "<html" not in fragment


def test_an_overview_without_rankings_keeps_every_figure_and_warning(db, scdata):
    """HQ's overview of many branches skips the rankings' rows, never a figure: the regions'
    summaries and counts are those of the full one, and its first warnings are the full
    one's first, in the same order."""
    from app.services import scorecards

    wave = scdata["waves"]["W2"]
    full = scorecards.overview(db, user=None, wave=wave)
    lean = scorecards.overview(db, user=None, wave=wave, rankings_above=1, warnings_shown=0)
    assert full.rankings and not lean.rankings
    assert all(not r.ranking and not r.benchmark for r in lean.regions)

    def summary(view):
        return [
            (r.region.code, r.score, r.band, r.visits, r.bands, r.sections, r.ranked, r.warned)
            for r in view.regions
        ]

    def warned(rows):
        return [(w.branch.code, w.score, w.trend, w.warnings, w.critical_failures) for w in rows]

    assert summary(lean) == summary(full)
    assert [r.ranked for r in full.regions] == [len(r.ranking) for r in full.regions]
    assert len(full.warnings) == full.warnings_total == lean.warnings_total >= 1
    assert lean.warnings == []  # counted, not listed
    everyone = scorecards.overview(db, user=None, wave=wave, rankings_above=1, warnings_shown=99)
    assert warned(everyone.warnings) == warned(full.warnings)
    assert (lean.score, lean.bands, lean.benchmark_score) == (
        full.score,
        full.bands,
        full.benchmark_score,
    )
    region = scdata["regions"]["E"]
    one = scorecards.overview(db, user=None, wave=wave, region=region, rankings_above=1)
    assert one.rankings and one.regions[0].ranking  # one region: its ranking, however long


def test_warnings_of_an_overview_without_rankings_keep_the_full_ones_order(db, scdata):
    """Tied low scores in both regions: the first warnings are the full overview's first,
    ties in region order, then by branch code in natural order."""
    from app.models import Branch, WaveBranch
    from app.services import scorecards
    from tests.scorecards.conftest import add_visit

    wave = scdata["waves"]["W2"]
    poor = {"greet": "no", "wait": 400, "receipt": "no", "name": "no", "clean": "yes"}
    for region, code in (("S", "T10"), ("E", "T10E"), ("S", "T9"), ("E", "T2E")):
        branch = Branch(code=code, name=f"Tied {code}", region_id=scdata["regions"][region].id)
        db.add(branch)
        db.flush()
        db.add(WaveBranch(wave_id=wave.id, branch_id=branch.id))
        add_visit(db, wave=wave, branch=branch, answers=poor)
    db.flush()
    full = scorecards.overview(db, user=None, wave=wave)
    codes = [w.branch.code for w in full.warnings]
    assert codes.index("T2E") < codes.index("T10E") < codes.index("T9") < codes.index("T10")
    for shown in range(len(full.warnings) + 1):
        lean = scorecards.overview(db, user=None, wave=wave, rankings_above=1, warnings_shown=shown)
        assert [(w.branch.code, w.score, w.warnings) for w in lean.warnings] == [
            (w.branch.code, w.score, w.warnings) for w in full.warnings[:shown]
        ]
        assert lean.warnings_total == len(full.warnings)
