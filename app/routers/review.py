"""QA review pages: the queue, one visit's review, approve / return / correct."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import ReviewerUser, SessionDep
from app.forms import FormDep, optional_id
from app.i18n import _
from app.models.base import row_id
from app.services import dashboard, review, visits
from app.services.access import get_visit
from app.services.review_page import recent_decisions, review_page
from app.services.review_queue import parse_flag, parse_sort, review_queue
from app.web import flash, is_htmx, redirect, render

router = APIRouter(prefix="/review", include_in_schema=False)


@router.get("")
def queue(
    request: Request,
    db: SessionDep,
    user: ReviewerUser,
    wave: str | None = None,
    region: str | None = None,
    flag: str | None = None,
    sort: str | None = None,
) -> Response:
    listed = review_queue(
        db,
        wave_id=optional_id(wave),
        region_id=optional_id(region),
        flag=parse_flag(flag),
        sort=parse_sort(sort),
    )
    context = {"queue": listed, "decisions": recent_decisions(db)}
    return render(request, "review/queue.html", context, block="results")


@router.get("/{visit_id:int}")
def visit_page(request: Request, db: SessionDep, user: ReviewerUser, visit_id: int) -> Response:
    page = review_page(db, user=user, visit=get_visit(db, user, visit_id))
    return render(request, "review/visit.html", {"page": page})


def _next_in_queue(db, after: int) -> str:
    waiting = [row.visit.id for row in dashboard.review_queue(db) if row.visit.id != after]
    return f"/review/{waiting[0]}" if waiting else "/review"


@router.post("/{visit_id:int}/content-language")
def choose_content_language(
    request: Request,
    db: SessionDep,
    user: ReviewerUser,
    visit_id: int,
    language: Annotated[str, Form()],
) -> Response:
    """The language a reviewer reads checklist texts in (kept on the account, as a shopper's):
    a reviewer reads a visit in the language its shopper filled it in."""
    visit = get_visit(db, user, visit_id)
    visits.choose_content_language(db, user=user, visit=visit, language=language)
    return redirect(request, f"/review/{visit.id}")


@router.post("/{visit_id:int}/approve")
def approve(request: Request, db: SessionDep, user: ReviewerUser, visit_id: int) -> Response:
    visit = get_visit(db, user, visit_id)
    review.approve(db, user=user, visit=visit)
    return flash(
        redirect(request, _next_in_queue(db, row_id(visit))),
        _("Visit %(id)s approved; it now counts in scorecards.", id=visit.id),
        "success",
    )


@router.post("/{visit_id:int}/return")
def return_visit(
    request: Request, db: SessionDep, user: ReviewerUser, visit_id: int, form: FormDep
) -> Response:
    visit = get_visit(db, user, visit_id)
    notes = {
        ("" if key == "note-general" else key.removeprefix("note-")): str(value)
        for key, value in form.multi_items()
        if key.startswith("note-")
    }
    review.return_visit(db, user=user, visit=visit, notes=notes)
    return flash(
        redirect(request, _next_in_queue(db, row_id(visit))),
        _("Visit %(id)s returned to the shopper.", id=visit.id),
        "success",
    )


@router.post("/{visit_id:int}/reject")
def reject(
    request: Request,
    db: SessionDep,
    user: ReviewerUser,
    visit_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    visit = get_visit(db, user, visit_id)
    review.reject(db, user=user, visit=visit, reason=reason)
    return flash(
        redirect(request, _next_in_queue(db, row_id(visit))),
        _("Delivery %(id)s rejected; the agency sees the reason.", id=visit.external_id),
        "success",
    )


@router.post("/{visit_id:int}/correct")
def correct(
    request: Request,
    db: SessionDep,
    user: ReviewerUser,
    visit_id: int,
    item_id: Annotated[str, Form()],
    value: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    visit = get_visit(db, user, visit_id)
    review.correct_answer(db, user=user, visit=visit, item_id=item_id, value=value, reason=reason)
    standard = review.standard_text(db, visit=visit, item_id=item_id)
    message = _("Answer “%(item)s” corrected; the visit was rescored.", item=standard)
    if is_htmx(request):
        page = review_page(db, user=user, visit=visit)
        context = {"page": page, "notice": message, "corrected": item_id}
        return render(request, "review/visit.html", context, block="review_body")
    return flash(redirect(request, f"/review/{visit.id}#item-{item_id}"), message, "success")
