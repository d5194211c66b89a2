"""HQ: outside agencies and their API tokens (a new token's secret is shown exactly once)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import AdminUser, SessionDep
from app.errors import DomainError
from app.i18n import _
from app.services import agency as svc
from app.web import flash, redirect, render

router = APIRouter(prefix="/admin/agencies", include_in_schema=False)


def _page(
    request: Request,
    db,
    *,
    errors: dict | None = None,
    status: int = 200,
    secret: str = "",
    token=None,
) -> Response:
    context = {
        "rows": svc.list_agencies(db),
        "errors": errors or {},
        "secret": secret,
        "new_token": token,
    }
    headers = {"Cache-Control": "no-store"} if secret else None
    return render(request, "admin/agencies.html", context, status_code=status, headers=headers)


@router.get("")
def agencies(request: Request, db: SessionDep, user: AdminUser) -> Response:
    return _page(request, db)


@router.post("")
def agency_create(
    request: Request, db: SessionDep, user: AdminUser, name: Annotated[str, Form()] = ""
) -> Response:
    try:
        agency = svc.create_agency(db, name=name)
    except DomainError as exc:
        return _page(request, db, errors={"name": exc.message}, status=422)
    return flash(
        redirect(request, "/admin/agencies"),
        _("Agency %(name)s created.", name=agency.name),
        "success",
    )


@router.post("/{agency_id:int}/tokens")
def token_create(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    agency_id: int,
    name: Annotated[str, Form()] = "",
) -> Response:
    agency = svc.get_agency(db, agency_id=agency_id)
    try:
        token, secret = svc.create_token(db, agency=agency, name=name, user=user)
    except DomainError as exc:
        return _page(request, db, errors={f"token-{agency_id}": exc.message}, status=422)
    return _page(request, db, secret=secret, token=token)


@router.post("/{agency_id:int}/active")
def agency_active(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    agency_id: int,
    active: Annotated[str, Form()] = "",
) -> Response:
    agency = svc.set_agency_active(
        db, agency=svc.get_agency(db, agency_id=agency_id), active=active == "1"
    )
    message = (
        _("Agency %(name)s reactivated.", name=agency.name)
        if agency.active
        else _("Agency %(name)s deactivated; its tokens no longer work.", name=agency.name)
    )
    return flash(redirect(request, "/admin/agencies"), message, "success")


@router.post("/{agency_id:int}/branches")
def agency_branches(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    agency_id: int,
    branches: Annotated[str, Form()] = "",
) -> Response:
    agency = svc.get_agency(db, agency_id=agency_id)
    try:
        codes = svc.set_agency_branches(db, agency=agency, codes=branches)
    except DomainError as exc:
        return _page(request, db, errors={f"branches-{agency_id}": exc.message}, status=422)
    message = (
        _("%(name)s may deliver visits of: %(codes)s.", name=agency.name, codes=", ".join(codes))
        if codes
        else _("%(name)s may deliver visits of every branch.", name=agency.name)
    )
    return flash(redirect(request, "/admin/agencies"), message, "success")


@router.post("/tokens/{token_id:int}/revoke")
def token_revoke(request: Request, db: SessionDep, user: AdminUser, token_id: int) -> Response:
    token = svc.revoke_token(db, token_id=token_id)
    return flash(
        redirect(request, "/admin/agencies"),
        _("Token %(prefix)s… revoked.", prefix=token.prefix),
        "success",
    )
