"""Scorecards: the overview of a wave's regions and one branch's scorecard.

The stable API for pages, exports and PDF reports:
`overview(db, *, user, wave, region=None) -> Overview` and
`branch_scorecard(db, *, user, branch, wave) -> BranchScorecard`. `user=None` means
HQ or the command line (no restriction). Every figure comes from the aggregation core
(scoring.md §7) applied to the stored branch-wave aggregates.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.errors import NotFound
from app.i18n import _
from app.models import Branch, Region, User, Wave
from app.models.base import row_id
from app.scoring import (
    BranchAggregate,
    EarlyWarning,
    aggregate_region,
    code_key,
    early_warnings,
    trend,
    zone_of,
)
from app.services.access import get_branch
from app.services.checklists import checklist_of
from app.services.scorecards import data
from app.services.scorecards.branch import build_branch_scorecard
from app.services.scorecards.data import BranchView
from app.services.scorecards.sample import low_sample, wave_sample
from app.services.scorecards.types import (
    BranchRow,
    BranchScorecard,
    Overview,
    RegionRow,
    SectionRef,
    Warning,
)

__all__ = [
    "BranchScorecard",
    "Overview",
    "branch_scorecard",
    "branch_waves",
    "default_wave",
    "overview",
    "visible_region",
]

RANKINGS_UP_TO = 150  # branches: beyond this an overview of all regions lists no rankings
WARNINGS_SHOWN = 20  # early warnings such an overview lists (it counts them all)
default_wave = data.default_wave
branch_waves = data.branch_waves


def visible_region(db: Session, *, user: User | None, region_id: int) -> Region:
    """A region the user may look at (one of a manager's regions), else NotFound."""
    region = db.get(Region, region_id)
    if region is None or region.id not in {
        r.id for r in data.visible_regions(db, scope=data.scope_of(db, user))
    }:
        raise NotFound(_("Not found."))
    return region


def overview(
    db: Session,
    *,
    user: User | None,
    wave: Wave,
    region: Region | None = None,
    rankings_above: int | None = None,
    warnings_shown: int = WARNINGS_SHOWN,
) -> Overview:
    """Each visible region's score, bands, ranking with trends and warnings, for one wave.

    With `rankings_above`, an overview of all regions holding more branches than that is
    built without the rankings (`Overview.rankings` False): each region's summary, the
    number of branches with an early warning, and the first `warnings_shown` of them in
    the order the full overview lists them; every figure is the same. HQ's overview of ten
    thousand branches then builds twenty rows instead of ten thousand; a region's ranking
    is the overview of that region.
    """
    document = checklist_of(db, wave)
    order = document.section_ids
    scope = data.scope_of(db, user)
    wave_id = row_id(wave)
    region_ids = [row_id(region)] if region is not None else None
    rows = data.wave_rows(db, wave_id=wave_id, scope=scope, region_ids=region_ids)
    rankings = rankings_above is None or region is not None or len(rows) <= rankings_above
    previous = data.previous_wave(db, wave)
    before = (
        data.wave_scores(db, wave_id=row_id(previous), scope=scope, region_ids=region_ids)
        if previous and rows
        else {}
    )
    unscored = data.unscored_branches(db, wave_id=wave_id, scope=scope, region_ids=region_ids)
    regions = {r.id: r for r in data.visible_regions(db, scope=scope)}
    by_region: dict[int, list[tuple[BranchView, BranchAggregate]]] = {}
    for branch, aggregate in rows:
        by_region.setdefault(branch.region_id, []).append((branch, aggregate))
    waiting: dict[int, list[Branch]] = {}
    for place in unscored:
        waiting.setdefault(place.region_id, []).append(place)
    shown = sorted(set(by_region) | set(waiting), key=lambda r: regions[r].code)

    refs = {s.id: SectionRef(s.id, s.title) for s in document.sections}
    previous_record = data.score_only(0, row_id(previous) if previous else 0, None)

    def ref(section_id: str | None) -> SectionRef | None:
        return refs.get(section_id or "")

    def prior_of(branch_id: int) -> BranchAggregate | None:
        """The previous wave's score as the core's record: one reused record, which
        early_warnings reads and keeps nothing of."""
        was = before.get(branch_id)
        if was is None:
            return None
        previous_record.branch, previous_record.score = branch_id, was
        return previous_record

    def alerts(branch: BranchView, agg: BranchAggregate) -> list[EarlyWarning]:
        if branch.competitor:
            return []
        return early_warnings(agg, prior_of(branch.id), document.adequate, document.alert_drop)

    def branch_row(branch: BranchView, region: Region, agg: BranchAggregate) -> BranchRow:
        was = before.get(branch.id)
        warnings = [Warning(w.reason, w.value) for w in alerts(branch, agg)]
        return BranchRow(
            branch=branch,
            region=region,
            score=agg.score,
            band=zone_of(agg.score, agg.delight, document.adequate, document.desired),
            visits=agg.visits,
            bands=agg.bands,
            critical_failures=agg.critical_failures,
            previous_score=was,
            trend=trend(agg.score, was),
            warnings=warnings,
            weakest=ref(agg.weakest_section),
            low_sample=low_sample(agg.visits, wave.visits_per_branch),
            sections=agg.sections,
        )

    region_rows: list[RegionRow] = []
    warned: list[BranchRow] = []
    candidates: list[tuple[tuple[Any, ...], BranchView, Region, BranchAggregate]] = []
    everyone: list[BranchAggregate] = []
    competitor: dict[int, bool] = {}
    for rid in shown:
        members = by_region.get(rid, [])
        flags = {b.id: b.competitor for b, _a in members}
        competitor.update(flags)
        everyone.extend(a for _b, a in members)
        codes = {b.id: b.code for b, _a in members}
        summary = aggregate_region(
            [a for _b, a in members], flags, order, codes=codes, ordered=rankings
        )
        branches = {b.id: b for b, _a in members}
        ranking: list[BranchRow] = []
        flagged = 0
        for rank, agg in enumerate(summary.ranking, start=1):
            shop = branches[agg.branch]
            if not rankings:  # only what a warning needs: no row for the others
                if alerts(shop, agg):
                    key = (*_warning_order(agg.critical_failures, agg.score), regions[rid].code)
                    candidates.append(((*key, code_key(shop.code)), shop, regions[rid], agg))
                    flagged += 1
                continue
            row = branch_row(shop, regions[rid], agg)
            row.rank = rank
            ranking.append(row)
            if row.warnings:
                warned.append(row)
                flagged += 1
        bands: dict[str, int] = {}
        for agg in summary.ranking:
            for band, count in agg.bands.items():
                bands[band] = bands.get(band, 0) + count
        region_rows.append(
            RegionRow(
                region=regions[rid],
                score=summary.score,
                band=zone_of(summary.score, summary.delight, document.adequate, document.desired),
                visits=summary.visits,
                branches_scored=summary.branches,
                bands=bands,
                critical_failures=summary.critical_failures,
                sections=summary.sections,
                weakest=ref(summary.weakest_section),
                weakest_score=summary.sections.get(summary.weakest_section or ""),
                ranking=ranking,
                benchmark=[
                    branch_row(branches[a.branch], regions[rid], a) for a in summary.benchmark
                ]
                if rankings
                else [],
                benchmark_score=summary.benchmark_score,
                unscored=waiting.get(rid, []),
                ranked=len(summary.ranking),
                warned=flagged,
            )
        )
    total = aggregate_region(everyone, competitor, order, ordered=False)
    sample = wave_sample(db, wave=wave, scope=scope, region_ids=region_ids)
    # Critical failures first, then the lowest score; ties stay in region, then rank, order
    # (the sort is stable), which the candidates' key spells out.
    warned.sort(key=lambda row: _warning_order(row.critical_failures, row.score))
    candidates.sort(key=lambda candidate: candidate[0])
    warned += [branch_row(b, r, a) for _k, b, r, a in candidates[:warnings_shown]]
    totals: dict[str, int] = {}
    for r in region_rows:
        for band, count in r.bands.items():
            totals[band] = totals.get(band, 0) + count
    return Overview(
        wave=wave,
        previous_wave=previous,
        waves=data.waves_newest_first(db),
        checklist_name=document.name,
        adequate=document.adequate,
        desired=document.desired,
        alert_drop=document.alert_drop,
        sections=list(refs.values()),
        regions=region_rows,
        warnings=warned,
        warnings_total=len(warned) if rankings else len(candidates),
        score=total.score,
        band=zone_of(total.score, total.delight, document.adequate, document.desired),
        visits=total.visits,
        bands=totals,
        benchmark_score=total.benchmark_score,
        approved_visits=sample.approved,
        planned_visits=sample.planned,
        interim=sample.interim,
        rankings=rankings,
    )


def _warning_order(critical_failures: int, score: float | None) -> tuple[int, float]:
    return (0 if critical_failures else 1, score or 0.0)


def branch_scorecard(
    db: Session, *, user: User | None, branch: Branch, wave: Wave
) -> BranchScorecard:
    """One branch in one wave: every figure its scorecard page or PDF report shows."""
    if user is not None:
        branch = get_branch(db, user, row_id(branch))
    return build_branch_scorecard(db, branch=branch, wave=wave)
