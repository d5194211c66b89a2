"""HQ: user accounts (list, create, edit, deactivate, CSV import) and manager regions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.deps import AdminUser, SessionDep
from app.forms import FormDep, csv_source, import_job_page, run_import
from app.i18n import _
from app.models import Region, Role, User
from app.services import two_factor
from app.services import users as svc
from app.services.branches import list_regions
from app.services.csv_import import FieldErrors
from app.web import flash, redirect, render

router = APIRouter(prefix="/admin/users", include_in_schema=False)
TEXT_FIELDS = ("username", "name", "email", "role", "language", "home_region", "password")


def _fields(form: FormData, *, new: bool) -> dict[str, str]:
    fields = {name: str(form.get(name, "")) for name in TEXT_FIELDS}
    fields["regions"] = ";".join(str(code) for code in form.getlist("regions"))
    fields["active"] = "yes" if form.get("active") else "no"
    if not new:
        fields.pop("username")
    return fields


def _form(
    request: Request, db, target: User | None, values: dict, errors: dict, status: int = 200
) -> Response:
    regions: list[Region] = [row.region for row in list_regions(db)]
    context = {
        "target": target,
        "values": values,
        "errors": errors,
        "regions": regions,
        "roles": list(Role),
    }
    return render(request, "admin/org/user_form.html", context, status_code=status)


@router.get("")
def user_list(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    role: str = "",
    q: str = "",
    status: str = "",
) -> Response:
    active = {"active": True, "inactive": False}.get(status)
    rows = svc.list_users(db, role=role, query=q, active=active)
    context = {
        "rows": rows,
        "roles": list(Role),
        "filters": {"role": role, "q": q, "status": status},
    }
    return render(request, "admin/org/users.html", context, block="results")


@router.get("/new")
def user_new(request: Request, db: SessionDep, user: AdminUser) -> Response:
    return _form(request, db, None, {"role": Role.shopper, "active": True, "regions": []}, {})


@router.post("/new")
def user_create(request: Request, db: SessionDep, user: AdminUser, form: FormDep) -> Response:
    fields = _fields(form, new=True)
    try:
        created = svc.save_user(db, user=None, fields=fields, acting=user)
    except FieldErrors as exc:
        return _form(request, db, None, _redisplay(fields), exc.errors, 422)
    return flash(
        redirect(request, "/admin/users"),
        _("User %(name)s created.", name=created.username),
        "success",
    )


def _redisplay(fields: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {k: v for k, v in fields.items() if k != "password"}
    values["regions"] = [c for c in fields["regions"].split(";") if c]
    values["active"] = fields["active"] == "yes"
    return values


@router.get("/import")
def import_page(request: Request, user: AdminUser) -> Response:
    return render(request, "admin/org/import.html", {"kind": "users", "plan": None})


@router.post("/import")
def import_csv(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form()] = "",
    apply: Annotated[str, Form()] = "",
) -> Response:
    source = csv_source(file, text)
    return run_import(
        request,
        db,
        user,
        kind="users",
        source=source,
        apply=bool(apply),
        importer=lambda applying: svc.import_users(db, source=source, apply=applying, acting=user),
    )


@router.get("/import/jobs/{job_id:int}")
def import_job(request: Request, db: SessionDep, user: AdminUser, job_id: int) -> Response:
    return import_job_page(request, db, kind="users", job_id=job_id)


@router.get("/{user_id:int}")
def user_edit(request: Request, db: SessionDep, user: AdminUser, user_id: int) -> Response:
    target = svc.get_user(db, user_id=user_id)
    return _form(request, db, target, svc.user_form_values(db, target), {})


@router.post("/{user_id:int}")
def user_save(
    request: Request, db: SessionDep, user: AdminUser, user_id: int, form: FormDep
) -> Response:
    target = svc.get_user(db, user_id=user_id)
    fields = _fields(form, new=False)
    try:
        svc.save_user(db, user=target, fields=fields, acting=user)
    except FieldErrors as exc:
        values = _redisplay(fields) | {"username": target.username}
        return _form(request, db, target, values, exc.errors, 422)
    return flash(
        redirect(request, "/admin/users"),
        _("User %(name)s saved.", name=target.username),
        "success",
    )


@router.post("/{user_id:int}/active")
def user_active(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    user_id: int,
    active: Annotated[str, Form()] = "",
) -> Response:
    target = svc.set_user_active(
        db, user=svc.get_user(db, user_id=user_id), active=active == "1", acting=user
    )
    message = (
        _("User %(name)s reactivated.", name=target.username)
        if target.active
        else _("User %(name)s deactivated.", name=target.username)
    )
    return flash(redirect(request, "/admin/users"), message, "success")


@router.post("/{user_id:int}/two-factor/reset")
def two_factor_reset(request: Request, db: SessionDep, user: AdminUser, user_id: int) -> Response:
    """A lost phone: HQ turns the account's two-factor login off (it can be turned on again)."""
    target = svc.get_user(db, user_id=user_id)
    two_factor.disable(db, user=target, password="", actor=user)
    message = _("Two-factor login turned off for %(name)s.", name=target.username)
    return flash(redirect(request, f"/admin/users/{user_id}"), message, "success")
