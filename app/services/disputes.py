"""Disputes: a manager challenges one answer of an approved visit; a reviewer decides.

Fair by construction: the window is the same for everyone (settings.dispute_window_days
from approval), both sides see the reason, the evidence, the decision and who made it
when, and an accepted dispute corrects the answer through the reviewers' audited
correction, so the visit is rescored and the trail kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.errors import Conflict, Invalid, NotFound
from app.i18n import _
from app.models import (
    Answer,
    AuditEvent,
    Branch,
    Dispute,
    User,
    Visit,
    utcnow,
)
from app.models.answer_codec import engine_value, new_answer
from app.models.base import row_id
from app.scoring import DocumentError, validate_answer
from app.services import review, visit_policy
from app.services.access import visit_scope
from app.services.answer_words import answer_labels
from app.services.checklists import checklist_of
from app.services.scorecards.data import scope_of, scoped
from app.services.scorecards.items import answer_text
from app.services.scorecards.types import DisputeRow, lang
from app.services.visit_policy import Action, deadline, window_open

__all__ = ["deadline", "decide", "raise_dispute", "row_of", "rows", "window_open"]


def raise_dispute(
    db: Session,
    *,
    user: User,
    visit: Visit,
    item_id: str,
    reason: str,
    proposed_value: Any = None,
    now: datetime | None = None,
) -> Dispute:
    """Challenge one answer within the window, with a reason and optionally the right value."""
    visit_policy.for_visit(db, user=user, visit=visit, now=now).require(Action.dispute)
    assert visit.id is not None  # a stored visit
    document = checklist_of(db, visit)
    item = next((i for i in document.all_items() if i.id == item_id), None)
    if item is None or item.kind == "photo":
        raise Invalid(_("Choose an answer of this visit to dispute."), field="item_id")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Explain why the answer is wrong."), field="reason")
    if len(reason) > 4000:
        raise Invalid(_("Keep the reason under 4000 characters."), field="reason")
    proposed = None
    if proposed_value not in (None, ""):
        try:
            proposed = validate_answer(document, item_id, proposed_value, from_form=True)
        except DocumentError as exc:
            raise Invalid("; ".join(exc.errors), field="proposed_value") from None
    if proposed is not None:
        answer = db.exec(
            select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == item_id)
        ).first()
        if engine_value(answer) == proposed:
            raise Invalid(
                _("That is the recorded answer; propose a different one or leave it empty."),
                field="proposed_value",
            )
    open_one = db.exec(
        select(Dispute).where(
            Dispute.visit_id == visit.id, Dispute.item_id == item_id, Dispute.status == "open"
        )
    ).first()
    if open_one is not None:
        raise Conflict(_("This answer is already disputed and waiting for a decision."))
    dispute = Dispute(
        visit_id=visit.id,
        item_id=item_id,
        reason=reason,
        proposed_value=proposed,
        raised_by_id=user.id,
        raised_at=now or utcnow(),
    )
    db.add(dispute)
    db.add(
        AuditEvent(
            visit_id=visit.id,
            user_id=user.id,
            action="dispute_raised",
            item_id=item_id,
            after=proposed,
            reason=reason,
        )
    )
    db.flush()
    return dispute


def decide(
    db: Session,
    *,
    user: User,
    dispute: Dispute,
    accept: bool,
    explanation: str,
    value: Any = None,
    now: datetime | None = None,
) -> Dispute:
    """Accept (the answer is corrected and the visit rescored) or reject with an explanation."""
    visit = db.get(Visit, dispute.visit_id)
    if visit is None:
        raise NotFound(_("Not found."))
    visit_policy.for_visit(db, user=user, visit=visit, dispute=dispute).require(Action.decide)
    assert visit.id is not None  # a stored visit
    explanation = (explanation or "").strip()
    if not accept and not explanation:
        raise Invalid(_("Explain why the dispute is rejected."), field="explanation")
    if len(explanation) > 4000:
        raise Invalid(_("Keep the explanation under 4000 characters."), field="explanation")
    if accept:
        corrected = dispute.proposed_value if value in (None, "") else value
        if corrected is None:
            raise Invalid(_("Give the corrected answer."), field="value")
        review.correct_answer(
            db,
            user=user,
            visit=visit,
            item_id=dispute.item_id,
            value=corrected,
            reason=_(
                "Dispute #%(id)s accepted: %(why)s",
                id=dispute.id,
                why=explanation or dispute.reason,
            ),
        )
    dispute.status = "accepted" if accept else "rejected"
    dispute.resolution = explanation
    dispute.resolved_by_id = user.id
    dispute.resolved_at = now or utcnow()
    db.add(dispute)
    db.add(
        AuditEvent(
            visit_id=visit.id,
            user_id=user.id,
            action=f"dispute_{dispute.status}",
            item_id=dispute.item_id,
            reason=explanation,
        )
    )
    db.flush()
    return dispute


def rows(
    db: Session,
    *,
    user: User | None,
    status: str | None = None,
    visit_ids: list[int] | None = None,
    branch_id: int | None = None,
) -> list[DisputeRow]:
    """Disputes the user may see, open ones oldest first, then decided ones newest first."""
    query = scoped(
        select(Dispute, Visit, Branch)
        .join(Visit, col(Visit.id) == Dispute.visit_id)
        .join(Branch, col(Branch.id) == Visit.branch_id),
        scope_of(db, user),
    )
    query = scoped(query, visit_scope(user))
    if status:
        query = query.where(Dispute.status == status)
    if visit_ids is not None:
        query = query.where(col(Dispute.visit_id).in_(visit_ids))
    if branch_id is not None:
        query = query.where(Visit.branch_id == branch_id)
    found = db.exec(query.order_by(Dispute.raised_at, Dispute.id)).all()
    out = [row_of(db, d, v, b) for d, v, b in found]
    open_rows = [r for r in out if r.dispute.status == "open"]
    decided = sorted(
        (r for r in out if r.dispute.status != "open"),
        key=lambda r: r.dispute.resolved_at or r.dispute.raised_at,
        reverse=True,
    )
    return open_rows + decided


def row_of(db: Session, dispute: Dispute, visit: Visit, branch: Branch) -> DisputeRow:
    """One dispute with the item's text, the answer as it stands now and the people's names."""
    document = checklist_of(db, visit)
    item = next((i for i in document.all_items() if i.id == dispute.item_id), None)
    answer = db.exec(
        select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == dispute.item_id)
    ).first()
    names = {
        u.id: u.name
        for u in db.exec(
            select(User).where(col(User.id).in_([dispute.raised_by_id, dispute.resolved_by_id]))
        )
    }
    proposed = ""
    if dispute.proposed_value is not None and item is not None:
        shown = new_answer(visit_id=row_id(visit), item_id=item.id, value=dispute.proposed_value)
        proposed = answer_text(item, shown, lang(), answer_labels(document, lang()))
    return DisputeRow(
        dispute=dispute,
        visit=visit,
        branch=branch,
        item_texts=item.text if item else dispute.item_id,
        current_answer=answer_text(item, answer, lang(), answer_labels(document, lang()))
        if item
        else "",
        raised_by=names.get(dispute.raised_by_id, ""),
        resolved_by=names.get(dispute.resolved_by_id, ""),
        proposed=proposed,
        deadline=deadline(visit),
    )
