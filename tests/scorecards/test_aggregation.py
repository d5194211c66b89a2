"""Scorecard figures through the database against hand-computed values (scoring.md §7).

The data set is described in conftest.py; each expected number is worked out there
by the rules, not by running the code.
"""

from __future__ import annotations

from app.services import scorecards
from tests.scorecards.conftest import approx


def _region(view, code):
    return next(r for r in view.regions if r.region.code == code)


def test_overview_of_the_second_wave_for_the_east_manager(db, scdata):
    view = scorecards.overview(db, user=scdata["users"]["manager"], wave=scdata["waves"]["W2"])
    assert [r.region.code for r in view.regions] == ["E"]  # South is not the manager's
    assert view.previous_wave.id == scdata["waves"]["W1"].id
    east = _region(view, "E")
    assert east.score == approx(75.0)  # mean of E1 50 and E2 100; the rival is left out
    assert east.band == "within"
    assert east.visits == 3 and east.branches_scored == 2
    assert east.bands == {"below": 1, "within": 2, "delighted": 0}  # the pending visit never counts
    assert east.critical_failures == 1
    assert east.sections["arrival"] == approx(83.333333)
    assert east.sections["checkout"] == approx(75.0)
    assert east.sections["restroom"] == approx(100.0)
    assert east.weakest.id == "checkout" and east.weakest_score == approx(75.0)
    assert [(row.rank, row.branch.code) for row in east.ranking] == [(1, "E2"), (2, "E1")]
    e2, e1 = east.ranking
    assert e2.score == approx(100.0) and e2.trend == approx(50.0) and e2.warnings == []
    assert e1.score == approx(50.0)
    assert e1.previous_score == approx(88.888889)
    assert e1.trend == approx(-38.888889)
    assert [(w.reason, round(w.value, 4)) for w in e1.warnings] == [
        ("below_adequate", 50.0),
        ("dropped", -38.8889),
        ("critical_failure", 1.0),
    ]
    assert e1.weakest.id == "checkout"
    assert e2.weakest.id == "arrival"  # arrival and checkout tie at 100: the earlier wins
    assert [row.branch.code for row in east.benchmark] == ["EC"]
    assert east.benchmark[0].rank is None
    assert east.benchmark_score == approx(83.333333)
    assert [row.branch.code for row in view.warnings] == ["E1"]
    assert view.score == approx(75.0) and view.visits == 3


def test_admin_sees_every_region_and_the_unscored_branches(db, scdata):
    view = scorecards.overview(db, user=scdata["users"]["admin"], wave=scdata["waves"]["W2"])
    assert [r.region.code for r in view.regions] == ["E", "S"]
    south = _region(view, "S")
    assert south.score is None and south.ranking == []
    assert [b.code for b in south.unscored] == ["S1"]
    assert view.score == approx(75.0)
    same = scorecards.overview(db, user=None, wave=scdata["waves"]["W2"])
    assert same.score == view.score and len(same.regions) == 2


def test_first_wave_has_no_trend(db, scdata):
    view = scorecards.overview(db, user=None, wave=scdata["waves"]["W1"])
    assert view.previous_wave is None
    east = _region(view, "E")
    assert east.score == approx(69.444444)  # (88.89 + 50) / 2
    assert all(row.trend is None for row in east.ranking)
    assert [w.reason for w in east.ranking[1].warnings] == ["below_adequate"]  # E2 at 50
    assert _region(view, "S").score == approx(100.0)
    assert _region(view, "S").bands == {"below": 0, "within": 0, "delighted": 1}


def test_branch_scorecard_of_the_branch_that_slid(db, scdata):
    card = scorecards.branch_scorecard(
        db,
        user=scdata["users"]["manager"],
        branch=scdata["branches"]["E1"],
        wave=scdata["waves"]["W2"],
    )
    assert card.score == approx(50.0) and card.band == "below"
    assert card.visits == 2 and card.bands == {"below": 1, "within": 1, "delighted": 0}
    assert card.delight == approx(50.0)
    assert card.critical_failures == 1
    assert card.region_score == approx(75.0)
    assert card.competitor_score == approx(83.333333)
    assert card.previous_score == approx(88.888889) and card.trend == approx(-38.888889)
    assert (card.rank, card.ranked) == (2, 2)
    assert {w.reason for w in card.warnings} == {"below_adequate", "dropped", "critical_failure"}
    sections = {s.id: (s.score, s.region, s.competitor, s.previous) for s in card.sections}
    assert sections["arrival"] == (
        approx(66.666667),
        approx(83.333333),
        approx(66.666667),
        approx(83.333333),
    )
    assert sections["checkout"] == (approx(50.0), approx(75.0), approx(100.0), approx(100.0))
    assert sections["restroom"] == (approx(100.0), approx(100.0), approx(100.0), approx(100.0))
    assert card.weakest.id == "checkout"
    dims = {d.id: (d.score, d.region, d.competitor) for d in card.dimensions}
    assert dims == {
        "interaction": (approx(75.0), approx(87.5), approx(100.0)),
        "support": (approx(50.0), approx(75.0), approx(50.0)),
    }
    assert [(f.id, f.stat.failed, f.stat.applicable) for f in card.failed] == [
        ("receipt", 1, 2),
        ("wait", 1, 2),
    ]  # the knock-out first; the delighter is no failure
    wait = card.failed[1]
    assert wait.stat.compliance == approx(50.0)
    assert (wait.previous.failed, wait.previous.applicable) == (1, 2)
    assert wait.previous.compliance == approx(75.0)
    assert [(f.id, f.stat.failure_rate) for f in card.must_items] == [
        ("greet", 0.0),
        ("clean", 0.0),
    ]
    assert card.must_items[1].stat.applicable == 1  # N/A once
    assert [(f.id, f.stat.compliance) for f in card.delight_items] == [("name", 50.0)]
    assert [(p.wave.name, p.score, p.region_score) for p in card.series] == [
        ("Wave 1", approx(88.888889), approx(69.444444)),
        ("Wave 2", approx(50.0), approx(75.0)),
    ]
    assert len(card.visit_list) == 2
    assert sorted(v.score for v in card.visit_list) == [0.0, 100.0]


def test_na_only_moment_has_no_compliance(db, scdata):
    card = scorecards.branch_scorecard(
        db, user=None, branch=scdata["branches"]["E2"], wave=scdata["waves"]["W2"]
    )
    restroom = next(s for s in card.sections if s.id == "restroom")
    assert restroom.score is None  # clean was N/A: the moment counts nowhere
    assert restroom.region == approx(100.0)
    assert card.score == approx(100.0) and card.trend == approx(50.0)
    assert card.visits == 1  # the submitted visit does not count


def test_competitor_scorecard_has_no_rank_and_no_warnings(db, scdata):
    card = scorecards.branch_scorecard(
        db, user=None, branch=scdata["branches"]["EC"], wave=scdata["waves"]["W2"]
    )
    assert card.score == approx(83.333333)
    assert card.rank is None and card.ranked == 2
    assert card.warnings == []
    assert card.trend == approx(-16.666667)


def test_titles_follow_the_language(db, scdata):
    from app.i18n import current_language

    card = scorecards.branch_scorecard(
        db, user=None, branch=scdata["branches"]["E1"], wave=scdata["waves"]["W2"]
    )
    token = current_language.set("zh_CN")
    try:
        assert card.weakest.title == "结账"
        assert card.failed[0].text == "小票"
    finally:
        current_language.reset(token)
    assert card.weakest.title == "Checkout"


def test_default_wave_is_the_newest_with_results(db, scdata):
    from datetime import date

    from app.models import Wave

    later = Wave(
        name="Wave 3",
        starts_on=date(2026, 7, 6),
        ends_on=date(2026, 9, 25),
        checklist_version_id=scdata["version"].id,
    )
    db.add(later)
    db.flush()
    assert scorecards.default_wave(db).id == scdata["waves"]["W2"].id
    view = scorecards.overview(db, user=None, wave=later)
    assert view.previous_wave.id == scdata["waves"]["W2"].id
    assert view.score is None and view.regions == []
