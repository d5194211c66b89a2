"""The home page: each role lands on its own view."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import CurrentUser, SessionDep
from app.models import Role
from app.services import dashboard, scorecards
from app.web import render

router = APIRouter()


@router.get("/")
def home(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    if user.role == Role.shopper:
        return render(request, "home/shopper.html", {"home": dashboard.shopper_home(db, user=user)})
    if user.role == Role.reviewer:
        return render(request, "home/reviewer.html", {"queue": dashboard.review_queue(db)})
    if user.role == Role.manager:
        regions = dashboard.manager_regions(db, user=user)
        wave = scorecards.default_wave(db)
        view = (
            scorecards.overview(db, user=user, wave=wave, rankings_above=scorecards.RANKINGS_UP_TO)
            if wave
            else None
        )
        return render(request, "home/manager.html", {"regions": regions, "view": view})
    hq = dashboard.admin_dashboard(db)
    context = {"hq": hq, "counts": hq.counts, "queue": dashboard.review_queue(db)[:5]}
    return render(request, "home/admin.html", context)
