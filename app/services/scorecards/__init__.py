"""Scorecards: the overview of a wave's regions and one branch's scorecard.

The stable API for pages, exports and PDF reports:
`overview(db, *, user, wave, region=None) -> Overview` and
`branch_scorecard(db, *, user, branch, wave) -> BranchScorecard`. `user=None` means
HQ or the command line (no restriction). Every figure comes from the aggregation core
(scoring.md §7) applied to the stored branch-wave aggregates.
"""

from __future__ import annotations

from sqlmodel import Session

from app.errors import NotFound
from app.i18n import _
from app.models import Branch, Region, User, Wave
from app.models.base import row_id
from app.scoring import (
    BranchAggregate,
    EarlyWarning,
    RegionAggregate,
    aggregate_region,
    early_warnings,
    trend,
    zone_of,
)
from app.services.access import get_branch
from app.services.checklists import checklist_of
from app.services.scorecards import data, lean
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
    the order the full overview lists them; every figure is the same. Those figures are
    kept while their inputs are unchanged (`lean`): HQ's overview of ten thousand branches
    then reads a digest instead of ten thousand aggregates. A region's ranking is the
    overview of that region.
    """
    document = checklist_of(db, wave)
    order = document.section_ids
    scope = data.scope_of(db, user)
    wave_id = row_id(wave)
    region_ids = [row_id(region)] if region is not None else None
    previous = data.previous_wave(db, wave)
    regions = {r.id: r for r in data.visible_regions(db, scope=scope)}
    refs = {s.id: SectionRef(s.id, s.title) for s in document.sections}
    previous_record = data.score_only(0, row_id(previous) if previous else 0, None)
    before: dict[int, float | None] = {}

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

    def region_row(rid: int, summary: RegionAggregate, bands: dict[str, int]) -> RegionRow:
        return RegionRow(
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
            ranking=[],
            benchmark=[],
            benchmark_score=summary.benchmark_score,
            unscored=waiting.get(rid, []),
            ranked=len(summary.ranking),
        )

    def read_rows() -> list[tuple[BranchView, BranchAggregate]]:
        rows = data.wave_rows(db, wave_id=wave_id, scope=scope, region_ids=region_ids)
        if previous and rows:
            before.update(
                data.wave_scores(db, wave_id=row_id(previous), scope=scope, region_ids=region_ids)
            )
        return rows

    unscored = data.unscored_branches(db, wave_id=wave_id, scope=scope, region_ids=region_ids)
    waiting: dict[int, list[Branch]] = {}
    for place in unscored:
        waiting.setdefault(place.region_id, []).append(place)
    region_rows: list[RegionRow] = []
    warned: list[BranchRow] = []
    lean_view: lean.LeanFigures | None = None
    if rankings_above is not None and region is None:
        count, digest = lean.stamp(db, wave=wave, previous=previous, scope=scope)
        if count > rankings_above:
            key = (str(db.get_bind().engine.url), wave_id, user.id if user else None)
            codes = {row_id(r): r.code for r in regions.values()}
            lean_view = lean.remembered(
                key,
                digest,
                lambda: lean.figures(read_rows(), order=order, region_codes=codes, alerts=alerts),
            )
    if lean_view is not None:
        for rid in sorted(set(lean_view.regions) | set(waiting), key=lambda r: regions[r].code):
            figures = lean_view.regions.get(rid)
            if figures is None:  # planned, none scored yet
                region_rows.append(region_row(rid, aggregate_region([], {}, order), {}))
                continue
            region_rows.append(region_row(rid, figures.summary, figures.bands))
            region_rows[-1].warned = figures.warned
        listed = lean_view.warned[:warnings_shown]
        ids = [c.branch_id for c in listed]
        if previous and ids:  # the previous scores of the rows to build
            before.update(data.wave_scores(db, wave_id=row_id(previous), branch_ids=ids))
        views = data.branch_views(db, ids)
        warned = [branch_row(views[c.branch_id], regions[c.region_id], c.aggregate) for c in listed]
        total = lean_view.total
    else:
        rows = read_rows()
        by_region: dict[int, list[tuple[BranchView, BranchAggregate]]] = {}
        for branch, aggregate in rows:
            by_region.setdefault(branch.region_id, []).append((branch, aggregate))
        everyone: list[BranchAggregate] = []
        competitor: dict[int, bool] = {}
        for rid in sorted(set(by_region) | set(waiting), key=lambda r: regions[r].code):
            members = by_region.get(rid, [])
            flags = {b.id: b.competitor for b, _a in members}
            competitor.update(flags)
            everyone.extend(a for _b, a in members)
            codes = {b.id: b.code for b, _a in members}
            summary = aggregate_region([a for _b, a in members], flags, order, codes=codes)
            branches = {b.id: b for b, _a in members}
            bands: dict[str, int] = {}
            for agg in summary.ranking:
                for band, count in agg.bands.items():
                    bands[band] = bands.get(band, 0) + count
            row = region_row(rid, summary, bands)
            for rank, agg in enumerate(summary.ranking, start=1):
                line = branch_row(branches[agg.branch], regions[rid], agg)
                line.rank = rank
                row.ranking.append(line)
            row.benchmark = [
                branch_row(branches[a.branch], regions[rid], a) for a in summary.benchmark
            ]
            row.warned = sum(1 for line in row.ranking if line.warnings)
            region_rows.append(row)
        total = aggregate_region(everyone, competitor, order, ordered=False)
        # Critical failures first, then the lowest score; ties stay in region, then rank,
        # order (the sort is stable), as the lean figures' order spells out.
        warned = [line for r in region_rows for line in r.ranking if line.warnings]
        warned.sort(key=lambda line: lean.warning_order(line.critical_failures, line.score))
    sample = wave_sample(db, wave=wave, scope=scope, region_ids=region_ids)
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
        warnings_total=len(lean_view.warned) if lean_view else len(warned),
        score=total.score,
        band=zone_of(total.score, total.delight, document.adequate, document.desired),
        visits=total.visits,
        bands=totals,
        benchmark_score=total.benchmark_score,
        approved_visits=sample.approved,
        planned_visits=sample.planned,
        interim=sample.interim,
        rankings=lean_view is None,
    )


def branch_scorecard(
    db: Session, *, user: User | None, branch: Branch, wave: Wave
) -> BranchScorecard:
    """One branch in one wave: every figure its scorecard page or PDF report shows."""
    if user is not None:
        branch = get_branch(db, user, row_id(branch))
    return build_branch_scorecard(db, branch=branch, wave=wave)
