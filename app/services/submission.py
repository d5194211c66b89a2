"""Submitting a visit: the completeness check, the time out, the score and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, func, select

from app.errors import Invalid
from app.i18n import _
from app.models import AuditEvent, Photo, User, Visit, VisitStatus, utcnow
from app.scoring import photo_requirements, short_texts
from app.services import visit_policy
from app.services.scoring import answers_of, compute, record_score
from app.services.visit_policy import Action
from app.services.visits import checklist_of, lock


class Incomplete(Invalid):
    """Submission refused: `problems` lists each missing answer, short text or photo."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_("Some answers are still missing."))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    item_id: str
    kind: str  # missing | short | photos
    needed: int = 0  # characters or photos


def photo_counts(db: Session, visit_id: int) -> dict[str, int]:
    rows = db.exec(
        select(Photo.item_id, func.count())
        .where(Photo.visit_id == visit_id)
        .group_by(Photo.item_id)
    )
    return dict(rows.all())


def submission_problems(db: Session, *, visit: Visit) -> list[Problem]:
    """Missing required answers, too-short narratives and missing photos, in checklist order."""
    doc = checklist_of(db, visit)
    answers = answers_of(db, visit.id)
    missing = set(compute(db, visit=visit).missing)
    short = set(short_texts(doc, answers))
    photos_needed = photo_requirements(doc, answers)
    counts = photo_counts(db, visit.id)
    problems: list[Problem] = []
    for item in doc.all_items():
        if item.id in missing:
            problems.append(Problem(item.id, "missing"))
        elif item.id in short:
            problems.append(Problem(item.id, "short", item.min_chars or 0))
        if counts.get(item.id, 0) < photos_needed.get(item.id, 0):
            problems.append(Problem(item.id, "photos", photos_needed[item.id]))
    return problems


def _snapshot(db: Session, visit: Visit, score: float | None) -> dict[str, Any]:
    return {
        "answers": answers_of(db, visit.id),
        "photos": sum(photo_counts(db, visit.id).values()),
        "score": score,
    }


def _last_submission(db: Session, visit: Visit) -> AuditEvent | None:
    return db.exec(
        select(AuditEvent)
        .where(AuditEvent.visit_id == visit.id, AuditEvent.action.in_(("submitted", "resubmitted")))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).first()


def submit(
    db: Session,
    *,
    user: User,
    visit: Visit,
    time_out: datetime | None = None,
    now: datetime | None = None,
) -> Visit:
    """Check completeness, record the time out, score and lock the visit for the reviewer."""
    now = now or utcnow()
    visit = lock(db, visit)
    visit_policy.for_visit(db, user=user, visit=visit).require(Action.submit)
    problems = submission_problems(db, visit=visit)
    if problems:
        raise Incomplete(problems)
    resubmit = visit.status == VisitStatus.returned
    time_in = visit.time_in or now
    if visit.time_out is None:
        visit.time_out = max(time_in, min(time_out or now, now))
    visit.time_in = time_in
    visit.status = VisitStatus.submitted
    visit.submitted_at = now
    db.add(visit)
    db.flush()
    result = record_score(db, visit=visit)
    previous = _last_submission(db, visit) if resubmit else None
    db.add(
        AuditEvent(
            visit_id=visit.id,
            user_id=user.id,
            at=now,
            action="resubmitted" if resubmit else "submitted",
            before=previous.after if previous else None,
            after=_snapshot(db, visit, result.score),
        )
    )
    return visit
