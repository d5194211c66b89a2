"""Disputes: managers raise them from a visit's answer; reviewers decide them from a queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import CurrentUser, SessionDep
from app.errors import DomainError, NotFound
from app.i18n import _
from app.scoring import text_for
from app.services import access, disputes, visit_policy
from app.services.scorecards import visits as scorecard_visits
from app.web import flash, redirect, render

router = APIRouter(prefix="/disputes")
STATUSES = ("open", "accepted", "rejected")


def _allowed(user) -> None:
    if not visit_policy.sees_disputes(user):
        raise NotFound(_("Not found."))


@router.get("")
def queue(request: Request, db: SessionDep, user: CurrentUser, status: str = "open") -> Response:
    _allowed(user)
    shown = status if status in STATUSES else None
    rows = disputes.rows(db, user=user, status=shown)
    context = {
        "rows": rows,
        "status": shown or "all",
        "deciding": visit_policy.decides_disputes(user),
    }
    return render(request, "disputes/list.html", context, block="results")


def _visit_and_line(db, user, visit_id: int, item_id: str):
    if not visit_policy.raises_disputes(user):
        raise NotFound(_("Not found."))
    found = access.get_visit(db, user, visit_id)
    detail = scorecard_visits.visit_detail(db, user=user, visit=found)
    line = next((ln for s in detail.sections for ln in s.lines if ln.item.id == item_id), None)
    if line is None or line.item.kind == "photo":
        raise NotFound(_("Not found."))
    return {
        "detail": detail,
        "line": line,
        "perms": visit_policy.for_visit(db, user=user, visit=found),
    }


@router.get("/new")
def new(request: Request, db: SessionDep, user: CurrentUser, visit: int, item: str) -> Response:
    context = _visit_and_line(db, user, visit, item) | {
        "errors": {},
        "form": {},
        "text_for": text_for,
    }
    return render(request, "disputes/new.html", context)


@router.post("")
def create(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    visit: Annotated[int, Form()],
    item: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    proposed_value: Annotated[str, Form()] = "",
) -> Response:
    found = _visit_and_line(db, user, visit, item)
    try:
        dispute = disputes.raise_dispute(
            db,
            user=user,
            visit=found["detail"].visit,
            item_id=item,
            reason=reason,
            proposed_value=proposed_value,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        errors = {exc.field or "form": exc.message}
        form = {"reason": reason, "proposed_value": proposed_value}
        context = found | {"errors": errors, "form": form, "text_for": text_for}
        return render(request, "disputes/new.html", context, status_code=exc.status)
    response = redirect(request, f"/disputes/{dispute.id}")
    return flash(response, _("Dispute sent to the reviewers."), "success")


def _detail_context(db, user, dispute_id: int) -> dict:
    dispute = access.get_dispute(db, user, dispute_id)
    visit = access.get_visit(db, user, dispute.visit_id)
    row = disputes.row_of(db, dispute, visit, access.get_branch(db, user, visit.branch_id))
    detail = scorecard_visits.visit_detail(db, user=None, visit=visit)
    line = next(
        (ln for s in detail.sections for ln in s.lines if ln.item.id == dispute.item_id), None
    )
    return {
        "row": row,
        "line": line,
        "detail": detail,
        "perms": visit_policy.for_visit(db, user=user, visit=visit, dispute=dispute),
        "errors": {},
        "form": {},
        "text_for": text_for,
    }


@router.get("/{dispute_id:int}")
def show(request: Request, db: SessionDep, user: CurrentUser, dispute_id: int) -> Response:
    return render(request, "disputes/detail.html", _detail_context(db, user, dispute_id))


@router.post("/{dispute_id:int}/decision")
def decide(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    dispute_id: int,
    decision: Annotated[str, Form()],
    explanation: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> Response:
    dispute = access.get_dispute(db, user, dispute_id)
    try:
        disputes.decide(
            db,
            user=user,
            dispute=dispute,
            accept=decision == "accept",
            explanation=explanation,
            value=value,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        context = _detail_context(db, user, dispute_id)
        context["errors"] = {exc.field or "form": exc.message}
        context["form"] = {"explanation": explanation, "value": value, "decision": decision}
        return render(request, "disputes/detail.html", context, status_code=exc.status)
    message = (
        _("Dispute accepted; the answer is corrected.")
        if dispute.status == "accepted"
        else _("Dispute rejected.")
    )
    return flash(redirect(request, f"/disputes/{dispute.id}"), message, "success")
