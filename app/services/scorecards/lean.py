"""An overview of many branches without rankings, and its figures kept while their inputs
are unchanged.

HQ's overview of 10,000 branches reads 10,000 stored aggregates and runs the aggregation
core over them (about 0.6 s on a 2-core machine), although what it shows is each region's
summary, the company's total and the first early warnings. Those figures depend only on:
the visible branches' regions, competitor flags and codes (ties sort by code), their
stored aggregates in the wave and in the previous wave, the regions' codes and the wave's
checklist version; the rows it lists (the first warnings) are read fresh each time. `stamp`
reads a digest of exactly these (every branch row, and the count, newest change and id sum
of each wave's aggregates: every write of an aggregate sets its `updated_at`) in a few
queries that need no JSON; `figures` are rebuilt only when the digest differs.

The memo is per process and small (a few overviews); it holds plain values (no ORM
objects) and nothing that must be shared: another instance keeps its own, read from the
same database, so behind a load balancer both show the same figures.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from app.models import BranchWaveScore, Wave
from app.models.base import row_id
from app.scoring import (
    BranchAggregate,
    EarlyWarning,
    RegionAggregate,
    aggregate_region,
    code_key,
)
from app.services.scorecards import data
from app.services.scorecards.data import BranchView

MEMO_SIZE = 8  # overviews kept: a few waves, HQ's and a few managers' scopes


def warning_order(critical_failures: int, score: float | None) -> tuple[int, float]:
    """Where an early warning is listed: critical failures first, then the lowest score."""
    return (0 if critical_failures else 1, score or 0.0)


@dataclass(frozen=True)
class RegionFigures:
    region_id: int
    summary: RegionAggregate  # ranking and benchmark unordered: only counted here
    bands: dict[str, int]
    warned: int


@dataclass(frozen=True)
class Candidate:
    """A branch with an early warning, in the order the full overview lists them."""

    order: tuple[Any, ...]
    branch_id: int  # its row (name, address) is read fresh when it is listed
    region_id: int
    aggregate: BranchAggregate


@dataclass(frozen=True)
class LeanFigures:
    regions: dict[int, RegionFigures]
    total: RegionAggregate
    warned: list[Candidate]  # all of them, ordered


Alerts = Callable[[BranchView, BranchAggregate], list[EarlyWarning]]


def figures(
    rows: Sequence[tuple[BranchView, BranchAggregate]],
    *,
    order: Sequence[str],
    region_codes: Mapping[int, str],
    alerts: Alerts,
) -> LeanFigures:
    """Each region's summary and the warned branches, by the aggregation core."""
    by_region: dict[int, list[tuple[BranchView, BranchAggregate]]] = {}
    for branch, aggregate in rows:
        by_region.setdefault(branch.region_id, []).append((branch, aggregate))
    regions: dict[int, RegionFigures] = {}
    warned: list[Candidate] = []
    competitor: dict[int, bool] = {}
    for rid, members in by_region.items():
        flags = {b.id: b.competitor for b, _a in members}
        competitor.update(flags)
        branches = {b.id: b for b, _a in members}
        summary = aggregate_region([a for _b, a in members], flags, order, ordered=False)
        flagged = 0
        for agg in summary.ranking:
            shop = branches[agg.branch]
            if alerts(shop, agg):
                key = (*warning_order(agg.critical_failures, agg.score), region_codes[rid])
                warned.append(Candidate((*key, code_key(shop.code)), shop.id, rid, agg))
                flagged += 1
        bands: dict[str, int] = {}
        for agg in summary.ranking:
            for band, count in agg.bands.items():
                bands[band] = bands.get(band, 0) + count
        regions[rid] = RegionFigures(rid, summary, bands, flagged)
    warned.sort(key=lambda candidate: candidate.order)
    total = aggregate_region([a for _b, a in rows], competitor, order, ordered=False)
    return LeanFigures(regions, total, warned)


def stamp(db: Session, *, wave: Wave, previous: Wave | None, scope: Any) -> tuple[int, str]:
    """The number of visible branches with an aggregate in the wave, and a digest of every
    input of the lean figures (see the module's docstring)."""
    digest = hashlib.sha256(repr((row_id(wave), wave.checklist_version_id)).encode())
    regions = select(data.Region.id, data.Region.code).order_by(col(data.Region.id))
    digest.update(repr(db.connection().execute(regions).all()).encode())
    Branch = data.Branch
    branches = select(Branch.id, Branch.region_id, Branch.competitor, Branch.code)
    rows = db.connection().execute(data.scoped(branches, scope).order_by(col(Branch.id))).all()
    digest.update(repr(rows).encode())  # who is where, who competes, the codes ties sort by
    count = 0
    for which, one in (("wave", wave), ("previous", previous)):
        if one is None:
            continue
        query = select(
            func.count(),
            func.max(BranchWaveScore.updated_at),
            func.sum(BranchWaveScore.branch_id),
        ).where(BranchWaveScore.wave_id == row_id(one))
        if scope is not None:
            query = query.join(Branch, col(Branch.id) == BranchWaveScore.branch_id).where(scope)
        stats: tuple[Any, ...] = tuple(db.connection().execute(query).one())
        digest.update(repr((which, row_id(one), stats)).encode())
        if which == "wave":
            count = int(stats[0] or 0)
    return count, digest.hexdigest()


_memo: OrderedDict[tuple[Any, ...], tuple[str, LeanFigures]] = OrderedDict()
_lock = threading.Lock()


def remembered(key: tuple[Any, ...], digest: str, build: Callable[[], LeanFigures]) -> LeanFigures:
    """The figures kept for `key` if their digest is still `digest`, else built anew."""
    with _lock:
        kept = _memo.get(key)
        if kept is not None and kept[0] == digest:
            _memo.move_to_end(key)
            return kept[1]
    made = build()
    with _lock:
        _memo[key] = (digest, made)
        _memo.move_to_end(key)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return made


def forget() -> None:
    """Drop every kept overview (tests that rebuild a database under the same ids)."""
    with _lock:
        _memo.clear()
