"""Scorecards for managers and HQ: the overview, a branch, a standard, a visit, actions.

Filters and the wave switch are plain GET forms; HTMX swaps the `results` block of
the same template and pushes the URL, so every view can be bookmarked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.charts import scorecard as charts
from app.deps import ManagerUser, SessionDep
from app.errors import Invalid, NotFound
from app.forms import optional_id
from app.i18n import _
from app.models import User, Wave
from app.services import access, actions, scorecards
from app.services.access import get_branch
from app.services.scorecards import visits as scorecard_visits
from app.services.scorecards.branch import action_rows
from app.services.scorecards.data import scope_of, visible_regions
from app.web import flash, redirect, render

router = APIRouter(prefix="/scorecards")
COMPACT_ABOVE = scorecards.RANKINGS_UP_TO  # beyond: regions, one click from their rankings
WARNING_LIMIT = scorecards.WARNINGS_SHOWN


def _wave(db: Session, wave_id: int | None) -> Wave | None:
    if wave_id is None:
        return scorecards.default_wave(db)
    return access.get_wave(db, wave_id)


@router.get("")
def overview(
    request: Request,
    db: SessionDep,
    user: ManagerUser,
    wave: int | None = None,
    region: str | None = None,
) -> Response:
    chosen = _wave(db, wave)
    region_id = optional_id(region)
    area = scorecards.visible_region(db, user=user, region_id=region_id) if region_id else None
    view = (
        scorecards.overview(
            db,
            user=user,
            wave=chosen,
            region=area,
            rankings_above=COMPACT_ABOVE,
            warnings_shown=WARNING_LIMIT,
        )
        if chosen
        else None
    )
    context = {
        "view": view,
        "region": area,
        "regions": visible_regions(db, scope=scope_of(db, user)),
        "chart": charts.region_chart(view) if view and view.regions else "",
        "compact": view is not None and not view.rankings,
        "warning_limit": WARNING_LIMIT,
    }
    return render(request, "scorecards/overview.html", context, block="results")


@router.get("/branches/{branch_id:int}")
def branch(
    request: Request, db: SessionDep, user: ManagerUser, branch_id: int, wave: int | None = None
) -> Response:
    place = get_branch(db, user, branch_id)
    chosen = _wave(db, wave)
    if chosen is None:
        raise NotFound(_("Not found."))
    card = scorecards.branch_scorecard(db, user=user, branch=place, wave=chosen)
    context = {
        "card": card,
        "charts": {
            "moments": charts.section_chart(card),
            "dimensions": charts.dimension_chart(card) if card.dimensions else "",
            "trend": charts.trend_chart(card),
        },
    }
    return render(request, "scorecards/branch.html", context, block="results")


def _standard_page(
    request: Request,
    db: Session,
    user: User,
    branch_id: int,
    item_id: str,
    wave_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    place = get_branch(db, user, branch_id)
    chosen = access.get_wave(db, wave_id)
    detail = scorecard_visits.standard_detail(
        db, user=user, branch=place, wave=chosen, item_id=item_id
    )
    card_actions = [
        row for row in action_rows(db, branch=place, wave=chosen) if row.action.item_id == item_id
    ]
    today = actions.branch_today(place)
    context = {
        "detail": detail,
        "actions": card_actions,
        "errors": errors or {},
        "form": form or {},
        "today": today,
    }
    return render(request, "scorecards/standard.html", context, status_code=status)


@router.get("/branches/{branch_id:int}/standards/{item_id}")
def standard(
    request: Request, db: SessionDep, user: ManagerUser, branch_id: int, item_id: str, wave: int
) -> Response:
    return _standard_page(request, db, user, branch_id, item_id, wave)


@router.post("/branches/{branch_id:int}/actions")
def create_action(
    request: Request,
    db: SessionDep,
    user: ManagerUser,
    branch_id: int,
    wave: Annotated[int, Form()],
    item_id: Annotated[str, Form()],
    what: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
) -> Response:
    place = get_branch(db, user, branch_id)
    chosen = access.get_wave(db, wave)
    try:
        actions.create_action(
            db,
            user=user,
            branch=place,
            wave=chosen,
            item_id=item_id,
            what=what,
            owner=owner,
            due_on=due_on,
        )
    except Invalid as exc:
        form = {"what": what, "owner": owner, "due_on": due_on}
        return _standard_page(
            request,
            db,
            user,
            branch_id,
            item_id,
            wave,
            errors={exc.field or "what": exc.message},
            form=form,
            status=422,
        )
    target = f"/scorecards/branches/{place.id}?wave={chosen.id}#actions"
    return flash(redirect(request, target), _("Corrective action added."), "success")


@router.post("/actions/{action_id:int}")
def update_action(
    request: Request,
    db: SessionDep,
    user: ManagerUser,
    action_id: int,
    done: Annotated[str, Form()] = "1",
    wave: Annotated[int | None, Form()] = None,
) -> Response:
    action = actions.get_action(db, user=user, action_id=action_id)
    actions.set_done(db, user=user, action=action, done=done == "1")
    target = f"/scorecards/branches/{action.branch_id}?wave={wave or action.wave_id}#actions"
    message = _("Action marked done.") if done == "1" else _("Action reopened.")
    return flash(redirect(request, target), message, "success")


@router.get("/visits/{visit_id:int}")
def visit(request: Request, db: SessionDep, user: ManagerUser, visit_id: int) -> Response:
    found = access.get_visit(db, user, visit_id)
    detail = scorecard_visits.visit_detail(db, user=user, visit=found)
    return render(request, "scorecards/visit.html", {"detail": detail})
