"""Scorecard aggregation (scoring.md §7) on a small hand-computed data set."""

from __future__ import annotations

import pytest

from app.scoring import (
    BranchAggregate,
    EarlyWarning,
    VisitRecord,
    aggregate_branch,
    aggregate_region,
    early_warnings,
    trend,
    weakest_section,
    zone_of,
)

approx = pytest.approx
ORDER = ["arrival", "checkout", "farewell"]


def record(branch: str, score: float | None, band: str | None, **kw: object) -> VisitRecord:
    return VisitRecord(
        branch=branch,
        wave="2026-Q4",
        score=score,
        band=band,
        critical_failure=bool(kw.get("critical", False)),
        delight=kw.get("delight"),  # type: ignore[arg-type]
        sections=kw.get("sections", {}),  # type: ignore[arg-type]
        dimensions=kw.get("dimensions", {}),  # type: ignore[arg-type]
        must_failures=kw.get("must", []),  # type: ignore[arg-type]
    )


BRANCH_A = [
    record(
        "A",
        80,
        "within",
        delight=50,
        sections={"arrival": 70, "checkout": 90, "farewell": None},
        dimensions={"core": 80, "interaction": 60},
    ),
    record(
        "A",
        60,
        "below",
        sections={"arrival": 50, "checkout": 70, "farewell": 100},
        dimensions={"core": 40, "interaction": None},
        must=["clean"],
    ),
    record(
        "A",
        0,
        "below",
        critical=True,
        delight=0,
        sections={"arrival": 100, "checkout": 30, "farewell": 100},
        dimensions={"core": 100, "interaction": 20},
        must=["clean", "greet"],
    ),
    record("A", None, None, sections={"arrival": None}),  # not scorable: left out
]


@pytest.fixture
def branch_a() -> BranchAggregate:
    return aggregate_branch(BRANCH_A, ORDER)


def test_branch_aggregate(branch_a: BranchAggregate) -> None:
    assert branch_a.branch == "A"
    assert branch_a.wave == "2026-Q4"
    assert branch_a.visits == 3
    assert branch_a.score == approx(140 / 3)
    assert branch_a.sections == {
        "arrival": approx(220 / 3),
        "checkout": approx(190 / 3),
        "farewell": approx(100.0),
    }
    assert branch_a.dimensions == {"core": approx(220 / 3), "interaction": approx(40.0)}
    assert branch_a.delight == approx(25.0)
    assert branch_a.bands == {"below": 2, "within": 1, "delighted": 0}
    assert branch_a.critical_failures == 1
    assert branch_a.must_failure_counts == {"clean": 2, "greet": 1}
    assert branch_a.weakest_section == "checkout"


def test_empty_branch() -> None:
    agg = aggregate_branch([], ORDER, branch="Z", wave="W")
    assert (agg.branch, agg.visits, agg.score, agg.weakest_section) == ("Z", 0, None, None)
    assert agg.sections == dict.fromkeys(ORDER)
    assert agg.bands == {"below": 0, "within": 0, "delighted": 0}


def test_records_of_two_branches_are_refused() -> None:
    with pytest.raises(ValueError, match="several branches"):
        aggregate_branch([record("A", 50, "below"), record("B", 50, "below")], ORDER)


@pytest.mark.parametrize(
    ("means", "order", "weakest"),
    [
        ({"a": 50, "b": 40, "c": 60}, ["a", "b", "c"], "b"),
        ({"a": 50, "b": 50, "c": 60}, ["a", "b", "c"], "a"),
        ({"a": 50, "b": 50, "c": 60}, ["b", "a", "c"], "b"),
        ({"a": None, "b": 80, "c": None}, ["a", "b", "c"], "b"),
        ({"a": None, "b": None}, ["a", "b"], None),
        ({}, ["a"], None),
    ],
)
def test_weakest_section(means: dict[str, float | None], order: list[str], weakest: str) -> None:
    assert weakest_section(means, order) == weakest


def test_region_aggregate(branch_a: BranchAggregate) -> None:
    branch_b = aggregate_branch(
        [record("B", 90, "delighted", sections={"arrival": 100, "checkout": 80}, delight=100)],
        ORDER,
    )
    rival = aggregate_branch([record("C", 70, "within", sections={"arrival": 0})], ORDER)
    idle = aggregate_branch([], ORDER, branch="D", wave="2026-Q4")
    region = aggregate_region([branch_a, rival, branch_b, idle], {"C": True, "A": False}, ORDER)
    assert region.score == approx((140 / 3 + 90) / 2)
    assert region.branches == 2
    assert region.visits == 4
    assert region.sections == {
        "arrival": approx((220 / 3 + 100) / 2),
        "checkout": approx((190 / 3 + 80) / 2),
        "farewell": approx(100.0),
    }
    assert region.weakest_section == "checkout"
    assert region.delight == approx((25 + 100) / 2)
    assert region.critical_failures == 1
    assert [b.branch for b in region.ranking] == ["B", "A"]
    assert [b.branch for b in region.benchmark] == ["C"]
    assert region.benchmark_score == approx(70.0)


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(80.0, 70.0, 10.0), (60.0, 75.5, -15.5), (None, 5.0, None), (5.0, None, None)],
)
def test_trend(current: float | None, previous: float | None, expected: float | None) -> None:
    assert trend(current, previous) == expected


def test_early_warnings_all_reasons(branch_a: BranchAggregate) -> None:
    previous = aggregate_branch([record("A", 60, "below")], ORDER)
    warnings = early_warnings(branch_a, previous, adequate=70, alert_drop=10)
    assert warnings == [
        ("below_adequate", approx(140 / 3)),
        ("dropped", approx(140 / 3 - 60)),
        ("critical_failure", 1),
    ]
    assert isinstance(warnings[0], EarlyWarning)
    assert warnings[1].reason == "dropped"


@pytest.mark.parametrize(
    ("now", "before", "reasons"),
    [
        (80.0, 90.0, ["dropped"]),  # a drop of exactly alert_drop
        (80.0, 89.9, []),
        (80.0, None, []),
        (69.9, 70.0, ["below_adequate"]),
        (70.0, 70.0, []),
    ],
)
def test_early_warning_thresholds(now: float, before: float | None, reasons: list[str]) -> None:
    current = aggregate_branch([record("A", now, "within")], ORDER)
    previous = aggregate_branch([record("A", before, "within")], ORDER) if before else None
    assert [w.reason for w in early_warnings(current, previous, 70, 10)] == reasons


@pytest.mark.parametrize(
    ("score", "delight", "zone"),
    [
        (None, 50.0, None),
        (69.9, 100.0, "below"),
        (70.0, None, "within"),
        (95.0, None, "within"),  # above desired but nothing delighted
        (95.0, 0.0, "within"),
        (90.0, 25.0, "delighted"),
    ],
)
def test_zone_of_a_mean_score(score, delight, zone):
    assert zone_of(score, delight, 70, 90) == zone
