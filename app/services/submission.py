"""Submitting a visit: the completeness check, the time out, the score and the audit trail.

A phone queues its submission in the outbox like any answer and may send it twice (the
answer to the first try lost on a bad connection): the submission's `client_id` is kept in
the audit event, and the same id again is answered as done without touching the visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app.errors import Conflict, Invalid
from app.i18n import _
from app.models import AuditEvent, Photo, User, Visit, VisitStatus, utcnow
from app.models.base import row_id
from app.scoring import Problem, completeness
from app.services import visit_policy
from app.services.checklists import checklist_of
from app.services.scoring import answers_of, comments_of, record_score
from app.services.visit_lock import lock
from app.services.visit_policy import Action


class Incomplete(Invalid):
    """Submission refused: `problems` lists each missing answer, short text or photo."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_("Some answers are still missing."))
        self.problems = problems


class NotComplete(Conflict):
    """Approval refused: the visit lacks what a shopper's submission needs (`problems`)."""

    def __init__(self, problems: list[Problem]) -> None:
        items = "; ".join(f"{p.item_id} ({problem_text(p)})" for p in problems)
        super().__init__(_("This visit is not complete: %(items)s", items=items))
        self.problems = problems


def photo_counts(db: Session, visit_id: int | None) -> dict[str, int]:
    rows = db.exec(
        select(Photo.item_id, func.count())
        .where(Photo.visit_id == visit_id)
        .group_by(col(Photo.item_id))
    )
    return dict(rows.all())


def submission_problems(db: Session, *, visit: Visit) -> list[Problem]:
    """What blocks this visit's submission (or approval), by the core's completeness rule."""
    return completeness(
        checklist_of(db, visit),
        answers_of(db, row_id(visit)),
        photo_counts(db, visit.id),
        comments=comments_of(db, row_id(visit)),
        variant=visit.variant,
    )


def problem_text(problem: Problem) -> str:
    """What the problem asks for, in the reader's language (as the visit page says it)."""
    if problem.kind == "missing":
        return _("Answer this item")
    if problem.kind == "short":
        return _("Write at least %(min)s characters", min=problem.needed)
    if problem.kind == "comment":
        return _("Add a comment on this answer")
    return _("Photos needed: %(min)s", min=problem.needed)


MAX_CLIENT_ID = 64


@dataclass(frozen=True)
class Submitted:
    """The visit after a submission; `duplicate` when this was a repeat of one already applied."""

    visit: Visit
    duplicate: bool = False


def _snapshot(
    db: Session, visit: Visit, score: float | None, client_id: str | None
) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "answers": answers_of(db, row_id(visit)),
        "photos": sum(photo_counts(db, visit.id).values()),
        "score": score,
    }
    if client_id:
        snapshot["client_id"] = client_id
    return snapshot


def _last_submission(db: Session, visit: Visit) -> AuditEvent | None:
    return db.exec(
        select(AuditEvent)
        .where(
            AuditEvent.visit_id == visit.id,
            col(AuditEvent.action).in_(("submitted", "resubmitted")),
        )
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    ).first()


def _already_applied(db: Session, visit: Visit, user: User, client_id: str | None) -> bool:
    """This submission (same client id, same shopper) was applied before: a retried request."""
    if not client_id or visit.shopper_id != user.id:
        return False
    last = _last_submission(db, visit)
    return bool(last and isinstance(last.after, dict) and last.after.get("client_id") == client_id)


def submit_once(
    db: Session,
    *,
    user: User,
    visit: Visit,
    client_id: str | None = None,
    time_out: datetime | None = None,
    now: datetime | None = None,
) -> Submitted:
    """`submit`, where the same `client_id` again is harmless (reported as a duplicate)."""
    if client_id is not None and len(client_id) > MAX_CLIENT_ID:
        raise Invalid(_("A change id of 1 to 64 characters is required."), field="client_id")
    visit = lock(db, visit)
    if _already_applied(db, visit, user, client_id):
        return Submitted(visit, duplicate=True)
    return Submitted(
        submit(db, user=user, visit=visit, time_out=time_out, now=now, client_id=client_id)
    )


def submit(
    db: Session,
    *,
    user: User,
    visit: Visit,
    time_out: datetime | None = None,
    now: datetime | None = None,
    client_id: str | None = None,
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
            visit_id=row_id(visit),
            user_id=user.id,
            at=now,
            action="resubmitted" if resubmit else "submitted",
            before=previous.after if previous else None,
            after=_snapshot(db, visit, result.score, client_id),
        )
    )
    return visit
