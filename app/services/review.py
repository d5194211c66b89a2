"""QA review: approve, return with notes, or correct an answer (rescored and audited).

Only approved visits count in scorecards, so approval is the gate; every change a
reviewer makes after submission is kept as an AuditEvent (who, when, before, after, why).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from app.errors import Invalid
from app.i18n import _, content_language, current_language
from app.models import Answer, AuditEvent, User, Visit, VisitStatus, utcnow
from app.models.answer_codec import engine_value, store
from app.models.base import row_id
from app.scoring import DocumentError, validate_answer
from app.scoring.text import text_for
from app.services import visit_policy
from app.services.checklists import checklist_of
from app.services.scoring import record_score
from app.services.submission import NotComplete, submission_problems
from app.services.visit_policy import Action


def standard_text(db: Session, *, visit: Visit, item_id: str) -> str:
    """A standard as the reader names it: its text in the content language, never its id."""
    try:
        item = checklist_of(db, visit).item(item_id)
    except KeyError:
        return item_id
    return text_for(item.text, content_language(current_language.get())) or item_id


def _require(db: Session, user: User, visit: Visit, action: Action) -> None:
    visit_policy.for_visit(db, user=user, visit=visit).require(action)


def approve(db: Session, *, user: User, visit: Visit) -> AuditEvent:
    """Approve a complete submitted visit so it counts in scorecards from now on."""
    _require(db, user, visit, Action.approve)
    problems = submission_problems(db, visit=visit)
    if problems:
        raise NotComplete(problems)
    visit.status = VisitStatus.approved
    visit.approved_at = utcnow()
    db.add(visit)
    assert visit.id is not None  # a stored visit
    event = AuditEvent(visit_id=visit.id, user_id=user.id, action="approved")
    db.add(event)
    db.flush()
    record_score(db, visit=visit)
    return event


def return_visit(db: Session, *, user: User, visit: Visit, notes: Mapping[str, str]) -> AuditEvent:
    """Send a visit back to its shopper with what to fix ({item id: note, "": general})."""
    _require(db, user, visit, Action.return_)
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
    event = AuditEvent(visit_id=row_id(visit), user_id=user.id, action="returned", after=cleaned)
    db.add(event)
    db.flush()
    return event


def reject(db: Session, *, user: User, visit: Visit, reason: str) -> AuditEvent:
    """Refuse an agency delivery with a reason the agency reads through the API.

    A rejected visit never counts; the agency sends a corrected visit under a new
    `external_id` (the old one stays answered with this rejection).
    """
    _require(db, user, visit, Action.reject)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(
            _("Reason: say why the delivery is rejected (the agency reads it)."), field="reason"
        )
    reason = reason[:2000]
    visit.status = VisitStatus.rejected
    visit.review_notes = {"": reason}
    db.add(visit)
    event = AuditEvent(visit_id=row_id(visit), user_id=user.id, action="rejected", reason=reason)
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
    _require(db, user, visit, Action.correct)
    assert visit.id is not None  # a stored visit
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
