"""Assignment generation: dates spread, fair shares, no repeat across waves, home regions."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.models import Branch, Visit
from app.services.assignments import generate_assignments, windows
from app.services.auth import create_user
from tests.admin.factories import make_wave, mini_version


def _shoppers(db, count, *, region=None, prefix="s"):
    return [
        create_user(
            db,
            username=f"{prefix}{n}",
            name=f"S{n}",
            role="shopper",
            password="secret-pass",
            home_region_id=region.id if region else None,
        )
        for n in range(count)
    ]


def _branches(db, region, count, prefix="T"):
    branches = [
        Branch(code=f"{prefix}{n}", name=f"Branch {n}", region_id=region.id) for n in range(count)
    ]
    db.add_all(branches)
    db.flush()
    return branches


def _visits(db, wave) -> list[Visit]:
    return list(db.exec(select(Visit).where(Visit.wave_id == wave.id)))


def test_windows_split_the_wave_into_consecutive_stretches():
    slots = windows(date(2026, 1, 1), date(2026, 1, 30), 3)
    assert slots == [
        (date(2026, 1, 1), date(2026, 1, 10)),
        (date(2026, 1, 11), date(2026, 1, 20)),
        (date(2026, 1, 21), date(2026, 1, 30)),
    ]
    # more visits than days: every visit still gets a day inside the wave
    assert windows(date(2026, 1, 1), date(2026, 1, 2), 3) == [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 1, 2), date(2026, 1, 2)),
    ]


def test_visits_are_spread_over_the_dates_and_shared_fairly(db, world):
    # the world's own shoppers get a home region elsewhere so only ours are in play
    for name in ("shopper", "shopper2"):
        world["users"][name].active = False
    version = mini_version(db)
    branches = _branches(db, world["regions"]["E"], 6)
    shoppers = _shoppers(db, 4)
    wave = make_wave(db, version, branches, per_branch=2, days=30)

    report = generate_assignments(db, wave=wave)

    visits = _visits(db, wave)
    assert report.created == 12 and report.assigned == 12 and not report.unassigned
    assert sorted(Counter(v.shopper_id for v in visits).values()) == [3, 3, 3, 3]
    assert {v.shopper_id for v in visits} == {s.id for s in shoppers}
    for branch in branches:
        mine = sorted((v for v in visits if v.branch_id == branch.id), key=lambda v: v.due_from)
        assert len({v.shopper_id for v in mine}) == 2, "same shopper twice at one branch"
        local = [
            (
                v.due_from.astimezone(ZoneInfo(branch.timezone)).date(),
                v.due_until.astimezone(ZoneInfo(branch.timezone)).date(),
            )
            for v in mine
        ]
        assert local == [
            (date(2026, 1, 1), date(2026, 1, 15)),
            (date(2026, 1, 16), date(2026, 1, 30)),
        ]
    # each shopper's visits are spread over both halves of the wave, not bunched
    for shopper in shoppers:
        halves = Counter(v.due_from for v in visits if v.shopper_id == shopper.id)
        assert max(halves.values()) - min(halves.values()) <= 1 and len(halves) == 2


def test_no_shopper_returns_to_a_branch_in_the_next_wave_over_three_waves(db, world):
    for name in ("shopper", "shopper2"):
        world["users"][name].active = False
    version = mini_version(db)
    branches = _branches(db, world["regions"]["E"], 3)
    _shoppers(db, 3)
    history: dict[int, list[int]] = {b.id: [] for b in branches}
    for n in range(3):
        wave = make_wave(
            db, version, branches, name=f"W{n}", starts=date(2026, 1, 1) + timedelta(days=40 * n)
        )
        report = generate_assignments(db, wave=wave)
        assert report.assigned == 3 and not report.unassigned
        for visit in _visits(db, wave):
            history[visit.branch_id].append(visit.shopper_id)
    for shoppers in history.values():
        assert shoppers[0] != shoppers[1] and shoppers[1] != shoppers[2], history
    per_wave_loads = Counter(s for shoppers in history.values() for s in shoppers)
    assert sorted(per_wave_loads.values()) == [3, 3, 3]


def test_the_rule_holds_for_a_wave_planned_between_two_others(db, world):
    for name in ("shopper", "shopper2"):
        world["users"][name].active = False
    version = mini_version(db)
    branch = _branches(db, world["regions"]["E"], 1)[0]
    _shoppers(db, 3)
    first = make_wave(db, version, [branch], name="Jan", starts=date(2026, 1, 1))
    last = make_wave(db, version, [branch], name="Mar", starts=date(2026, 3, 1))
    generate_assignments(db, wave=first)
    generate_assignments(db, wave=last)
    middle = make_wave(db, version, [branch], name="Feb", starts=date(2026, 2, 1))
    generate_assignments(db, wave=middle)
    used = {_visits(db, first)[0].shopper_id, _visits(db, last)[0].shopper_id}
    assert _visits(db, middle)[0].shopper_id not in used


def test_when_no_shopper_may_go_the_visit_stays_open_and_is_reported(db, world):
    for name in ("shopper", "shopper2"):
        world["users"][name].active = False
    version = mini_version(db)
    branch = _branches(db, world["regions"]["E"], 1)[0]
    _shoppers(db, 1)
    generate_assignments(db, wave=make_wave(db, version, [branch], name="W1"))
    second = make_wave(db, version, [branch], name="W2", starts=date(2026, 3, 1))
    report = generate_assignments(db, wave=second)
    assert report.created == 1 and report.assigned == 0
    assert [v.id for v in report.unassigned] == [v.id for v in _visits(db, second)]
    assert _visits(db, second)[0].shopper_id is None


def test_home_regions_are_respected(db, world):
    for name in ("shopper", "shopper2"):
        world["users"][name].active = False
    east, south = world["regions"]["E"], world["regions"]["S"]
    version = mini_version(db)
    branches = _branches(db, east, 2, "TE") + _branches(db, south, 2, "TS")
    east_shopper = _shoppers(db, 1, region=east, prefix="east")[0]
    south_shopper = _shoppers(db, 1, region=south, prefix="south")[0]
    free = _shoppers(db, 1, prefix="free")[0]
    wave = make_wave(db, version, branches, per_branch=2)
    generate_assignments(db, wave=wave)
    region_of = {b.id: b.region_id for b in branches}
    for visit in _visits(db, wave):
        if visit.shopper_id == east_shopper.id:
            assert region_of[visit.branch_id] == east.id
        if visit.shopper_id == south_shopper.id:
            assert region_of[visit.branch_id] == south.id
    loads = Counter(v.shopper_id for v in _visits(db, wave))
    assert loads[free.id] > 0 and sum(loads.values()) == 8


def test_generating_again_changes_nothing_assigned_and_skips_inactive(db, world):
    version = mini_version(db)
    branches = list(world["branches"].values())
    wave = make_wave(db, version, branches, per_branch=1)
    world["users"]["shopper2"].active = False
    db.flush()
    first = generate_assignments(db, wave=wave)
    before = {v.id: v.shopper_id for v in _visits(db, wave)}
    assert set(before.values()) == {world["users"]["shopper"].id}
    again = generate_assignments(db, wave=wave)
    assert (first.created, again.created, again.assigned) == (3, 0, 0)
    assert {v.id: v.shopper_id for v in _visits(db, wave)} == before
