"""Scoring stored visits: the bridge from database rows to the pure engine."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.i18n import _
from app.models import (
    Answer,
    BranchWaveScore,
    Visit,
    VisitScore,
    VisitStatus,
    Wave,
    utcnow,
)
from app.models.answer_codec import engine_values
from app.models.base import row_id
from app.scoring import ScoreResult, VisitRecord, aggregate_branch, score_visit
from app.services.checklists import checklist_of


def answers_of(db: Session, visit_id: int) -> dict[str, Any]:
    """A visit's stored answers as the engine takes them (item id -> value)."""
    return engine_values(db.exec(select(Answer).where(Answer.visit_id == visit_id)))


def comments_of(db: Session, visit_id: int) -> dict[str, str]:
    """A visit's comments per item id (what ``require_comment`` reads); blank ones left out."""
    rows = db.exec(select(Answer.item_id, Answer.comment).where(Answer.visit_id == visit_id))
    return {item_id: comment for item_id, comment in rows.all() if comment}


def compute(db: Session, *, visit: Visit) -> ScoreResult:
    """Score the visit's current answers without storing anything."""
    return score_visit(
        checklist_of(db, visit), answers_of(db, row_id(visit)), variant=visit.variant
    )


def rescore(db: Session, *, visit: Visit) -> ScoreResult:
    """Score and store the result (on submission, correction, approval)."""
    result = compute(db, visit=visit)
    stored = db.get(VisitScore, visit.id) or VisitScore(visit_id=row_id(visit), result={})
    stored.result = result.to_dict()
    stored.score = result.score
    stored.raw_score = result.raw_score
    stored.band = result.band
    stored.critical_failure = result.critical_failure
    stored.delight = result.delight
    stored.scored_at = utcnow()
    db.add(stored)
    return result


def visit_record(visit: Visit, stored: VisitScore) -> VisitRecord:
    """A stored score as the aggregation core's plain record."""
    result = stored.result
    return VisitRecord(
        branch=visit.branch_id,
        wave=visit.wave_id,
        score=stored.score,
        band=stored.band,
        critical_failure=stored.critical_failure,
        delight=stored.delight,
        sections=result.get("sections", {}),
        dimensions=result.get("dimensions", {}),
        must_failures=result.get("must_failures", []),
    )


def refresh_branch_wave(db: Session, *, branch_id: int, wave_id: int) -> BranchWaveScore:
    """Recompute one branch's stored aggregate for a wave from its approved, scored visits."""
    wave = db.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Not found."))
    order = [section.id for section in checklist_of(db, wave).sections]
    rows = db.exec(
        select(Visit, VisitScore)
        .join(VisitScore, col(VisitScore.visit_id) == col(Visit.id))
        .where(
            Visit.branch_id == branch_id,
            Visit.wave_id == wave_id,
            Visit.status == VisitStatus.approved,
        )
    ).all()
    aggregate = aggregate_branch([visit_record(v, s) for v, s in rows], order)
    stored = db.get(BranchWaveScore, (wave_id, branch_id)) or BranchWaveScore(
        wave_id=wave_id,
        branch_id=branch_id,
        sections={},
        dimensions={},
        bands={},
        must_failure_counts={},
    )
    stored.visits = aggregate.visits
    stored.score = aggregate.score
    stored.delight = aggregate.delight
    stored.sections = aggregate.sections
    stored.dimensions = aggregate.dimensions
    stored.bands = aggregate.bands
    stored.critical_failures = aggregate.critical_failures
    stored.must_failure_counts = aggregate.must_failure_counts
    stored.weakest_section = aggregate.weakest_section
    stored.updated_at = utcnow()
    db.add(stored)
    return stored


def stored_result(db: Session, *, visit: Visit) -> dict[str, Any] | None:
    """The visit's last recorded score (its JSON result), None before it was first scored."""
    stored = db.get(VisitScore, visit.id)
    return stored.result if stored else None


def record_score(db: Session, *, visit: Visit) -> ScoreResult:
    """Rescore a visit and, when it counts (approved, in a wave), refresh its branch aggregate.

    Call this after any change that can move a score: submission, approval, a correction.
    """
    result = rescore(db, visit=visit)
    if visit.wave_id is not None:
        db.flush()
        refresh_branch_wave(db, branch_id=visit.branch_id, wave_id=visit.wave_id)
    return result


def scored_branches(db: Session, *, wave_id: int) -> list[int]:
    """The branches with a scored visit in the wave, in id order."""
    query = (
        select(Visit.branch_id)
        .join(VisitScore, col(VisitScore.visit_id) == col(Visit.id))
        .where(Visit.wave_id == wave_id)
        .distinct()
        .order_by(col(Visit.branch_id))
    )
    return list(db.exec(query))


def rescore_branch_wave(db: Session, *, branch_id: int, wave_id: int) -> int:
    """Rescore one branch's scored visits of a wave; returns how many scores changed.

    Only a score the engine now computes differently is written, and the branch's
    aggregate refreshed only then: running it again changes nothing (not even the
    timestamps the report cache's keys read), so a repeated job is harmless and cheap.
    """
    visits = db.exec(
        select(Visit)
        .join(VisitScore, col(VisitScore.visit_id) == col(Visit.id))
        .where(Visit.branch_id == branch_id, Visit.wave_id == wave_id)
        .order_by(col(Visit.id))
    ).all()
    changed = 0
    for visit in visits:
        fresh = json.loads(json.dumps(compute(db, visit=visit).to_dict()))
        if fresh != stored_result(db, visit=visit):
            rescore(db, visit=visit)
            changed += 1
    if changed:
        db.flush()
        refresh_branch_wave(db, branch_id=branch_id, wave_id=wave_id)
    return changed
