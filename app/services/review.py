"""QA review: approve, return with notes, or correct an answer (rescored and audited).

Only approved visits count in scorecards, so approval is the gate; every change a
reviewer makes after submission is kept as an AuditEvent (who, when, before, after, why).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from app.errors import Conflict, Forbidden, Invalid
from app.i18n import _
from app.models import Answer, AuditEvent, Role, User, Visit, VisitStatus, utcnow
from app.models.answer_codec import engine_value, store
from app.scoring import DocumentError, validate_answer
from app.services.checklists import checklist_of
from app.services.scoring import record_score
from app.services.submission import NotComplete, submission_problems

REVIEWERS = (Role.reviewer, Role.admin)
CORRECTABLE = (VisitStatus.submitted, VisitStatus.approved)  # approved: decided disputes


def _require_reviewer(user: User) -> None:
    if user.role not in REVIEWERS:
        raise Forbidden(_("Only reviewers can do this."))


def _require_submitted(visit: Visit) -> None:
    if visit.status != VisitStatus.submitted:
        raise Conflict(_("This visit is not waiting for review."))


def approve(db: Session, *, user: User, visit: Visit) -> AuditEvent:
    """Approve a complete submitted visit so it counts in scorecards from now on."""
    _require_reviewer(user)
    _require_submitted(visit)
    problems = submission_problems(db, visit=visit)
    if problems:
        raise NotComplete(problems)
    visit.status = VisitStatus.approved
    visit.approved_at = utcnow()
    db.add(visit)
    event = AuditEvent(visit_id=visit.id, user_id=user.id, action="approved")
    db.add(event)
    db.flush()
    record_score(db, visit=visit)
    return event


def return_visit(db: Session, *, user: User, visit: Visit, notes: Mapping[str, str]) -> AuditEvent:
    """Send a visit back to its shopper with what to fix ({item id: note, "": general})."""
    _require_reviewer(user)
    _require_submitted(visit)
    if visit.shopper_id is None:
        raise Conflict(_("An agency delivery has no shopper to return it to; correct it instead."))
    document = checklist_of(db, visit)
    item_ids = {item.id for item in document.all_items()}
    cleaned = {key: note.strip()[:2000] for key, note in notes.items() if note and note.strip()}
    unknown = [key for key in cleaned if key and key not in item_ids]
    if unknown:
        raise Invalid(_("Unknown item %(item)s.", item=unknown[0]), field="notes")
    if not cleaned:
        raise Invalid(_("Write at least one note so the shopper knows what to fix."), field="notes")
    visit.status = VisitStatus.returned
    visit.review_notes = cleaned
    db.add(visit)
    event = AuditEvent(visit_id=visit.id, user_id=user.id, action="returned", after=cleaned)
    db.add(event)
    db.flush()
    return event


def correct_answer(
    db: Session, *, user: User, visit: Visit, item_id: str, value: Any, reason: str
) -> AuditEvent:
    """Change one answer of a submitted or approved visit, with a reason; rescores the visit.

    `value` is what a form or a dispute proposes ('na' where the item allows N/A); it is
    checked by the scoring core like any answer. Returns the audit event.
    """
    _require_reviewer(user)
    if visit.status not in CORRECTABLE:
        raise Conflict(_("Only submitted or approved visits can be corrected."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason for the correction."), field="reason")
    document = checklist_of(db, visit)
    try:
        normalized = validate_answer(document, item_id, value, from_form=True)
    except DocumentError as exc:
        raise Invalid("; ".join(exc.errors), field="value") from None
    if normalized is None:
        raise Invalid(_("Give the corrected answer."), field="value")
    answer = db.exec(
        select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == item_id)
    ).first()
    before = engine_value(answer)
    if before == normalized:
        raise Invalid(_("That is already the answer."), field="value")
    answer = store(answer or Answer(visit_id=visit.id, item_id=item_id), normalized)
    answer.updated_at = utcnow()
    db.add(answer)
    event = AuditEvent(
        visit_id=visit.id,
        user_id=user.id,
        action="corrected",
        item_id=item_id,
        before=before,
        after=normalized,
        reason=reason[:4000],
    )
    db.add(event)
    db.flush()
    record_score(db, visit=visit)
    return event
