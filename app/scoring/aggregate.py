"""Scorecard aggregation (scoring.md §7) on plain records, no database.

The caller passes approved visits only; visits without a score are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

BANDS = ("below", "within", "delighted")
T = TypeVar("T")
_DIGITS = re.compile(r"(\d+)")


@dataclass
class VisitRecord:
    """The scoring output of one approved visit, as stored by the application."""

    branch: Any
    wave: Any
    score: float | None
    band: str | None
    critical_failure: bool
    delight: float | None
    sections: dict[str, float | None]
    dimensions: dict[str, float | None]
    must_failures: list[str] = field(default_factory=list)


@dataclass
class BranchAggregate:
    """One branch in one wave: mean score, means per section/dimension, counts."""

    branch: Any
    wave: Any
    visits: int
    score: float | None
    sections: dict[str, float | None]
    dimensions: dict[str, float | None]
    delight: float | None
    bands: dict[str, int]
    critical_failures: int
    must_failure_counts: dict[str, int]
    weakest_section: str | None


@dataclass
class RegionAggregate:
    """Own branches averaged with equal weight; competitors shown apart as a benchmark."""

    wave: Any
    branches: int
    visits: int
    score: float | None
    sections: dict[str, float | None]
    dimensions: dict[str, float | None]
    delight: float | None
    weakest_section: str | None
    critical_failures: int
    ranking: list[BranchAggregate]
    benchmark: list[BranchAggregate]
    benchmark_score: float | None


class EarlyWarning(NamedTuple):
    """Why a branch is flagged: ``below_adequate`` (score), ``dropped`` (trend, negative)
    or ``critical_failure`` (number of visits)."""

    reason: str
    value: float


def _mean(values: Iterable[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def _keys(order: Sequence[str], maps: Iterable[Mapping[str, Any]]) -> list[str]:
    keys = list(order)
    for m in maps:
        keys.extend(k for k in m if k not in keys)
    return keys


def _means(order: Sequence[str], maps: list[Mapping[str, float | None]]) -> dict[str, float | None]:
    return {k: _mean(m.get(k) for m in maps) for k in _keys(order, maps)}


def weakest_section(
    section_means: Mapping[str, float | None], section_order: Sequence[str]
) -> str | None:
    """The moment of truth to fix first (短板): lowest mean; ties go to the earlier section."""
    best: tuple[float, int] | None = None
    weakest = None
    order = _keys(section_order, [section_means])
    for sid in order:
        value = section_means.get(sid)
        if value is None:
            continue
        key = (value, order.index(sid))
        if best is None or key < best:
            best, weakest = key, sid
    return weakest


def aggregate_branch(
    records: Iterable[VisitRecord],
    section_order: Sequence[str],
    *,
    branch: Any = None,
    wave: Any = None,
) -> BranchAggregate:
    """Roll a branch's approved visits of one wave into its scorecard figures.

    ``branch``/``wave`` name an empty aggregate; otherwise they come from the records,
    which must all belong to one branch and wave.
    """
    scored = [r for r in records if r.score is not None]
    if scored:
        branch = scored[0].branch if branch is None else branch
        wave = scored[0].wave if wave is None else wave
    if any(r.branch != branch or r.wave != wave for r in scored):
        raise ValueError("records of several branches or waves")
    sections = _means(section_order, [r.sections for r in scored])
    bands = dict.fromkeys(BANDS, 0)
    must_counts: dict[str, int] = {}
    for r in scored:
        if r.band in bands:
            bands[r.band] += 1
        for item_id in r.must_failures:
            must_counts[item_id] = must_counts.get(item_id, 0) + 1
    return BranchAggregate(
        branch=branch,
        wave=wave,
        visits=len(scored),
        score=_mean(r.score for r in scored),
        sections=sections,
        dimensions=_means([], [r.dimensions for r in scored]),
        delight=_mean(r.delight for r in scored),
        bands=bands,
        critical_failures=sum(1 for r in scored if r.critical_failure),
        must_failure_counts=must_counts,
        weakest_section=weakest_section(sections, section_order),
    )


def code_key(code: str) -> tuple[tuple[str | int, ...], str]:
    """Branch codes in natural order: runs of digits compare as numbers.

    "SH-9" < "SH-10" < "sh-11": letters compare without case. Codes that differ only in case
    or leading zeros ("SH-009", "SH-9") sit together, in plain text order, so the order is total.
    """
    parts = _DIGITS.split(code)  # text, digits, text, ...: one kind at each position
    return (tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)), code)


def rank_key(score: float | None, code: str) -> tuple[bool, float, tuple[Any, ...]]:
    """Where a branch stands in every ranking: best score first, ties by branch code in
    natural order (`code_key`); branches without a score last."""
    return (score is None, -(score or 0.0), code_key(code))


def ranked(
    items: Iterable[T], *, score: Callable[[T], float | None], code: Callable[[T], str]
) -> list[T]:
    """The items that have a score, in ranking order (`rank_key`)."""
    return sorted(
        (i for i in items if score(i) is not None), key=lambda i: rank_key(score(i), code(i))
    )


def _by_score(
    branches: Iterable[BranchAggregate], codes: Mapping[Any, str] | None
) -> list[BranchAggregate]:
    def code(b: BranchAggregate) -> str:
        return codes[b.branch] if codes is not None else str(b.branch)

    return ranked(branches, score=lambda b: b.score, code=code)


def region_score(
    scores: Iterable[tuple[Any, float | None]], competitor: Mapping[Any, bool]
) -> float | None:
    """A region's score from (branch, score) pairs: the mean of its own branches' scores,
    each branch weighing the same; competitors and unscored branches are left out. The
    figure `aggregate_region` gives, for a caller that needs only it (a trend of twelve
    waves of five hundred branches)."""
    return _mean(score for branch, score in scores if not competitor.get(branch, False))


def aggregate_region(
    branches: Sequence[BranchAggregate],
    competitor: Mapping[Any, bool],
    section_order: Sequence[str],
    *,
    codes: Mapping[Any, str] | None = None,
    ordered: bool = True,
) -> RegionAggregate:
    """A region's scorecard from its branches' aggregates for one wave.

    Each own branch weighs the same; branches flagged in ``competitor`` are left out of
    the score, means and ranking and returned as ``benchmark``. Branches without a score
    are left out of the ranking. Ranking and benchmark follow `rank_key`, ties broken by
    the branch code in ``codes`` (by branch), else by the branch identifier as text.
    With ``ordered=False`` they keep the order given (a caller that only counts them or
    picks some out saves sorting thousands); every figure is the same.
    """
    own = [b for b in branches if not competitor.get(b.branch, False)]
    rivals = [b for b in branches if competitor.get(b.branch, False)]
    counted = [b for b in own if b.score is not None]
    sections = _means(section_order, [b.sections for b in counted])
    return RegionAggregate(
        wave=branches[0].wave if branches else None,
        branches=len(counted),
        visits=sum(b.visits for b in counted),
        score=region_score(((b.branch, b.score) for b in counted), competitor),
        sections=sections,
        dimensions=_means([], [b.dimensions for b in counted]),
        delight=_mean(b.delight for b in counted),
        weakest_section=weakest_section(sections, section_order),
        critical_failures=sum(b.critical_failures for b in counted),
        ranking=_by_score(own, codes) if ordered else [b for b in own if b.score is not None],
        benchmark=_by_score(rivals, codes)
        if ordered
        else [b for b in rivals if b.score is not None],
        benchmark_score=_mean(b.score for b in rivals),
    )


def trend(current: float | None, previous: float | None) -> float | None:
    """Change of a branch's score since the previous wave (None if either is missing)."""
    if current is None or previous is None:
        return None
    return current - previous


def early_warnings(
    branch: BranchAggregate,
    previous: BranchAggregate | None,
    adequate: float,
    alert_drop: float,
) -> list[EarlyWarning]:
    """Reasons to alert the regional manager about this branch in this wave (may be empty)."""
    out: list[EarlyWarning] = []
    if branch.score is not None and branch.score < adequate:
        out.append(EarlyWarning("below_adequate", branch.score))
    change = trend(branch.score, previous.score if previous else None)
    if change is not None and change <= -alert_drop:
        out.append(EarlyWarning("dropped", change))
    if branch.critical_failures:
        out.append(EarlyWarning("critical_failure", branch.critical_failures))
    return out


def zone_of(
    score: float | None, delight: float | None, adequate: float, desired: float
) -> str | None:
    """Where a mean score sits against the zone of tolerance (scoring.md §5 thresholds).

    Used for branch and region means, which have no must-failure of their own:
    below adequate, within, or at/above desired with some delight.
    """
    if score is None:
        return None
    if score < adequate:
        return "below"
    if score >= desired and delight is not None and delight > 0:
        return "delighted"
    return "within"
