"""Figures tied to what they rest on: interim waves, low samples, counts of the wave shown."""

from __future__ import annotations

from datetime import date

import pytest

from app.services import scorecards
from app.services.scorecards.sample import low_sample, wave_sample
from app.settings import get_settings
from tests.conftest import login


@pytest.fixture
def minimum(monkeypatch):
    def set_minimum(value: int) -> None:
        monkeypatch.setenv("LOW_SAMPLE_VISITS", str(value))
        get_settings.cache_clear()

    yield set_minimum
    get_settings.cache_clear()


def test_a_wave_with_visits_missing_is_interim(db, scdata):
    w1 = scdata["waves"]["W1"]
    sample = wave_sample(db, wave=w1, scope=None, today=date(2026, 9, 1))
    assert (sample.approved, sample.planned, sample.interim) == (5, 8, True)
    east = scdata["regions"]["E"].id
    sample = wave_sample(db, wave=w1, scope=None, region_ids=[east], today=date(2026, 9, 1))
    assert (sample.approved, sample.planned) == (4, 6)


def test_a_complete_wave_is_interim_only_while_in_the_field(db, scdata):
    w1 = scdata["waves"]["W1"]
    w1.visits_per_branch = 1
    e2 = scdata["branches"]["E2"]
    one_each = wave_sample(
        db, wave=w1, scope=None, region_ids=[e2.region_id], today=date(2026, 9, 1)
    )
    assert one_each.approved >= one_each.planned and not one_each.interim
    in_field = wave_sample(
        db, wave=w1, scope=None, region_ids=[e2.region_id], today=date(2026, 3, 27)
    )
    assert in_field.interim


def test_low_sample_against_plan_and_minimum(minimum):
    minimum(3)
    assert low_sample(2, 2) and not low_sample(3, 2) and low_sample(3, 4)
    minimum(1)
    assert not low_sample(2, 2) and low_sample(1, 2)


def test_overview_and_branch_mark_low_samples(db, scdata, minimum):
    minimum(2)
    w1 = scdata["waves"]["W1"]
    view = scorecards.overview(db, user=None, wave=w1)
    rows = {r.branch.code: r for region in view.regions for r in region.ranking}
    assert not rows["E1"].low_sample and rows["E2"].low_sample  # 2 and 1 of 2 planned
    assert (view.approved_visits, view.planned_visits, view.interim) == (5, 8, True)
    card = scorecards.branch_scorecard(db, user=None, branch=scdata["branches"]["E2"], wave=w1)
    assert card.low_sample and card.planned_visits == 2 and card.interim


def test_pages_say_interim_and_low_sample(client, scdata):
    login(client, "manager", "manager-pass")
    w1 = scdata["waves"]["W1"]
    page = client.get(f"/scorecards?wave={w1.id}").text
    assert "4 of 6 visits approved" in page and "Interim" in page
    assert page.count('class="tag tag-sample"') >= 3  # E1, E2 and the rival: under 3 visits
    branch = scdata["branches"]["E1"]
    card = client.get(f"/scorecards/branches/{branch.id}?wave={w1.id}").text
    assert "Low sample" in card and "2 of 2 visits approved" in card


def test_manager_home_counts_the_wave_it_names(client, scdata):
    login(client, "manager", "manager-pass")
    page = client.get("/").text
    assert "visits approved in Wave 2" in page
    assert "of 6 visits approved in Wave 2" in page
    assert "approved visits" not in page  # the all-time count is gone
