"""Assembling one branch's scorecard for a wave (see `scorecards.branch_scorecard`)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.models import Branch, BranchWaveScore, Region, Visit, VisitScore, Wave
from app.models.base import row_id
from app.scoring import (
    DIMENSIONS,
    BranchAggregate,
    aggregate_region,
    early_warnings,
    region_score,
    trend,
    zone_of,
)
from app.scoring import Checklist as ChecklistDoc
from app.services import actions as action_service
from app.services import disputes as dispute_service
from app.services.checklists import checklist_of
from app.services.scorecards import data
from app.services.scorecards.items import ItemStat, branch_item_stats
from app.services.scorecards.sample import low_sample, wave_sample
from app.services.scorecards.types import (
    ActionRow,
    BranchScorecard,
    DimensionFigure,
    ItemFigure,
    SectionFigure,
    SectionRef,
    TrendPoint,
    VisitSummary,
    Warning,
)

EPSILON = 1e-9


def _stored(db: Session, branch_id: int, wave: Wave | None) -> BranchAggregate | None:
    if wave is None:
        return None
    wave_id = row_id(wave)
    row = db.get(BranchWaveScore, (wave_id, branch_id))
    return data.aggregate_of(row) if row else data.empty_aggregate(branch_id, wave_id)


def build_branch_scorecard(db: Session, *, branch: Branch, wave: Wave) -> BranchScorecard:
    branch_id, wave_id = row_id(branch), row_id(wave)
    document = checklist_of(db, wave)
    order = document.section_ids
    region = data.referenced(db, Region, branch.region_id)
    members = data.wave_rows(
        db, wave_id=wave_id, scope=None, region_ids=[row_id(region)], full=True
    )
    flags = {b.id: b.competitor for b, _a in members}
    own = next((a for b, a in members if b.id == branch_id), None)
    own = own or data.empty_aggregate(branch_id, wave_id)
    codes = {b.id: b.code for b, _a in members}
    area = aggregate_region([a for _b, a in members], flags, order, codes=codes)
    rivals = [a for b, a in members if b.competitor]
    benchmark = aggregate_region(rivals, {}, order, ordered=False) if rivals else None
    previous = data.previous_wave(db, wave)
    before = _stored(db, branch_id, previous)
    warnings = (
        []
        if branch.competitor
        else [
            Warning(w.reason, w.value)
            for w in early_warnings(own, before, document.adequate, document.alert_drop)
        ]
    )
    ranking = [a.branch for a in area.ranking]
    visits, stats = branch_item_stats(db, document=document, branch_id=branch_id, wave_id=wave_id)
    previous_stats = (
        branch_item_stats(
            db, document=checklist_of(db, previous), branch_id=branch_id, wave_id=row_id(previous)
        )[1]
        if previous
        else {}
    )
    sections = [
        SectionFigure(
            id=s.id,
            titles=s.title,
            weight=float(s.weight),
            score=own.sections.get(s.id),
            region=area.sections.get(s.id),
            competitor=benchmark.sections.get(s.id) if benchmark else None,
            previous=before.sections.get(s.id) if before else None,
        )
        for s in document.sections
    ]
    compared = [own.dimensions, area.dimensions, *([benchmark.dimensions] if benchmark else [])]
    dimensions = [
        DimensionFigure(
            id=d,
            score=own.dimensions.get(d),
            region=area.dimensions.get(d),
            competitor=benchmark.dimensions.get(d) if benchmark else None,
        )
        for d in DIMENSIONS
        if any(d in m for m in compared)
    ]
    items = _item_figures(document, stats, previous_stats)
    return BranchScorecard(
        branch=branch,
        region=region,
        wave=wave,
        previous_wave=previous,
        waves=data.branch_waves(db, branch=branch),
        checklist_name=document.name,
        adequate=document.adequate,
        desired=document.desired,
        alert_drop=document.alert_drop,
        score=own.score,
        band=zone_of(own.score, own.delight, document.adequate, document.desired),
        visits=own.visits,
        bands=own.bands,
        delight=own.delight,
        critical_failures=own.critical_failures,
        region_score=area.score,
        competitor_score=benchmark.score if benchmark else None,
        previous_score=before.score if before else None,
        trend=trend(own.score, before.score if before else None),
        rank=ranking.index(branch_id) + 1 if branch_id in ranking else None,
        ranked=len(ranking),
        warnings=warnings,
        sections=sections,
        dimensions=dimensions,
        must_items=[f for f in items if f.kano == "must" and f.stat.applicable],
        delight_items=[f for f in items if f.kano == "delight" and f.stat.applicable],
        failed=_failed_first([f for f in items if f.stat.failed and f.kano != "delight"]),
        series=_series(db, branch, region, wave, order),
        weakest=next((s for s in sections if s.id == own.weakest_section), None),
        actions=action_rows(
            db,
            branch=branch,
            wave=wave,
            known={wave_id: stats} | ({row_id(previous): previous_stats} if previous else {}),
        ),
        disputes=dispute_service.rows(db, user=None, visit_ids=[row_id(v) for v in visits]),
        visit_list=_visit_list(db, visits),
        planned_visits=wave.visits_per_branch,
        low_sample=low_sample(own.visits, wave.visits_per_branch),
        interim=wave_sample(db, wave=wave, scope=col(Branch.id) == branch_id).interim,
    )


def _visit_list(db: Session, visits: list[Visit]) -> list[VisitSummary]:
    ids = [row_id(v) for v in visits]
    stored = {
        s.visit_id: s for s in db.exec(select(VisitScore).where(col(VisitScore.visit_id).in_(ids)))
    }
    return [
        VisitSummary(v, stored[i].score, stored[i].band, stored[i].critical_failure)
        for v, i in zip(visits, ids, strict=True)
    ]


def _item_figures(
    document: ChecklistDoc, stats: dict[str, ItemStat], previous: dict[str, ItemStat]
) -> list[ItemFigure]:
    out = []
    for section in document.sections:
        ref = SectionRef(section.id, section.title)
        for item in section.items:
            if item.id not in stats:
                continue
            out.append(
                ItemFigure(
                    id=item.id,
                    texts=item.text,
                    section=ref,
                    kano=item.kano or "performance",
                    critical=bool(item.critical),
                    dimension=item.dimension or "interaction",
                    stat=stats[item.id],
                    previous=previous.get(item.id),
                )
            )
    return out


def _failed_first(items: list[ItemFigure]) -> list[ItemFigure]:
    """Knock-outs first, then must-be standards, then by how often they failed."""
    position = {f.id: i for i, f in enumerate(items)}
    return sorted(
        items,
        key=lambda f: (
            not f.critical,
            f.kano != "must",
            -(f.stat.failure_rate or 0.0),
            position[f.id],
        ),
    )


def _series(
    db: Session, branch: Branch, region: Region, wave: Wave, order: list[str]
) -> list[TrendPoint]:
    """The branch's score and its region's score in every wave of the checklist so far."""
    waves = data.series_waves(db, wave)
    # five columns: more than sqlmodel's typed select() overloads take, hence the list
    columns: list[Any] = [
        BranchWaveScore.wave_id,
        BranchWaveScore.branch_id,
        BranchWaveScore.score,
        BranchWaveScore.visits,
        Branch.competitor,
    ]
    rows = db.connection().execute(  # core rows: six thousand at 500 branches and 12 waves
        select(*columns)
        .join(Branch, col(Branch.id) == BranchWaveScore.branch_id)
        .where(
            Branch.region_id == region.id,
            col(BranchWaveScore.wave_id).in_([row_id(w) for w in waves]),
        )
    )
    per_wave: dict[int, list[tuple[int, float | None]]] = {}
    flags: dict[int, bool] = {}
    for wave_id, branch_id, score, _visits, competitor in rows:
        per_wave.setdefault(wave_id, []).append((branch_id, score))
        flags[branch_id] = competitor
    points = []
    for w in waves:
        scores = per_wave.get(row_id(w), [])
        mine = next((score for b, score in scores if b == branch.id), None)
        points.append(TrendPoint(wave=w, score=mine, region_score=region_score(scores, flags)))
    return points


def action_rows(
    db: Session,
    *,
    branch: Branch,
    wave: Wave,
    known: dict[int, dict[str, ItemStat]] | None = None,
) -> list[ActionRow]:
    """The branch's corrective actions with their status and the standard's before/after.

    `known` holds item stats already computed per wave id (filled in as needed).
    """
    known = {} if known is None else known

    branch_id = row_id(branch)

    def stats_of(of: Wave) -> dict[str, ItemStat]:
        of_id = row_id(of)
        if of_id not in known:
            document = checklist_of(db, of)
            known[of_id] = branch_item_stats(
                db, document=document, branch_id=branch_id, wave_id=of_id
            )[1]
        return known[of_id]

    today = action_service.branch_today(branch)
    rows = []
    for action in action_service.branch_actions(db, branch_id=branch_id):
        origin = data.referenced(db, Wave, action.wave_id)
        before_stat = stats_of(origin).get(action.item_id)
        before = before_stat.compliance if before_stat else None
        later = (wave.starts_on, wave.id) > (origin.starts_on, origin.id)
        after_stat = stats_of(wave).get(action.item_id) if later else None
        after = after_stat.compliance if after_stat else None
        outcome = None
        if later:
            outcome = (
                "not_measured"
                if after is None or before is None
                else (
                    "improved"
                    if after > before + EPSILON
                    else "worse"
                    if after < before - EPSILON
                    else "unchanged"
                )
            )
        item = next(
            (i for i in checklist_of(db, origin).all_items() if i.id == action.item_id), None
        )
        status = action_service.status_of(action, today)
        rows.append(
            ActionRow(
                action=action,
                status=status,
                item_texts=item.text if item else action.item_id,
                origin=origin,
                before=before,
                after=after,
                outcome=outcome,
            )
        )
    rows.sort(key=lambda r: action_service.sort_key(r.status, r.action))
    return rows
