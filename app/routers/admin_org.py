"""HQ: branches and regions (list, create, edit, deactivate, CSV import, region managers)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.deps import AdminUser, SessionDep
from app.forms import FormDep, csv_source, import_job_page, run_import
from app.i18n import _
from app.models import Branch, Region, Role, utcnow
from app.services import branches as svc
from app.services.csv_import import FieldErrors
from app.services.users import list_users
from app.web import flash, redirect, render

router = APIRouter(include_in_schema=False)


TEXT_FIELDS = ("code", "name", "address", "region", "timezone", "latitude", "longitude")


def _branch_fields(form: FormData) -> dict[str, str]:
    fields = {name: str(form.get(name, "")) for name in TEXT_FIELDS}
    fields["competitor"] = "yes" if form.get("competitor") else "no"
    fields["active"] = "yes" if form.get("active") else "no"
    return fields


def _branch_form(
    request: Request, db, branch: Branch | None, values: dict, errors: dict, status: int = 200
) -> Response:
    context = {
        "branch": branch,
        "values": values,
        "errors": errors,
        "regions": [row.region for row in svc.list_regions(db)],
    }
    return render(request, "admin/org/branch_form.html", context, status_code=status)


@router.get("/admin/branches")
def branch_list(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    region: int = 0,
    q: str = "",
    status: str = "",
) -> Response:
    active = {"active": True, "inactive": False}.get(status)
    rows = svc.list_branches(db, region_id=region or None, query=q, active=active)
    context = {
        "rows": rows,
        "regions": [r.region for r in svc.list_regions(db)],
        "filters": {"region": region, "q": q, "status": status},
    }
    return render(request, "admin/org/branches.html", context, block="results")


@router.get("/admin/branches/new")
def branch_new(request: Request, db: SessionDep, user: AdminUser) -> Response:
    values = {"timezone": svc.DEFAULT_TIMEZONE, "active": True}
    return _branch_form(request, db, None, values, {})


@router.post("/admin/branches/new")
def branch_create(request: Request, db: SessionDep, user: AdminUser, form: FormDep) -> Response:
    fields = _branch_fields(form)
    try:
        branch = svc.save_branch(db, branch=None, fields=fields)
    except FieldErrors as exc:
        return _branch_form(request, db, None, fields, exc.errors, 422)
    return flash(
        redirect(request, "/admin/branches"),
        _("Branch %(code)s created.", code=branch.code),
        "success",
    )


@router.get("/admin/branches/import")
def branch_import_page(request: Request, user: AdminUser) -> Response:
    return render(request, "admin/org/import.html", {"kind": "branches", "plan": None})


@router.post("/admin/branches/import")
def branch_import(
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
        kind="branches",
        source=source,
        apply=bool(apply),
        importer=lambda applying: svc.import_branches(db, source=source, apply=applying),
    )


@router.get("/admin/branches/import/jobs/{job_id:int}")
def branch_import_job(request: Request, db: SessionDep, user: AdminUser, job_id: int) -> Response:
    return import_job_page(request, db, kind="branches", job_id=job_id)


@router.get("/admin/branches/{branch_id:int}")
def branch_edit(request: Request, db: SessionDep, user: AdminUser, branch_id: int) -> Response:
    branch = svc.get_branch(db, branch_id=branch_id)
    return _branch_form(request, db, branch, svc.branch_form_values(db, branch), {})


@router.post("/admin/branches/{branch_id:int}")
def branch_save(
    request: Request, db: SessionDep, user: AdminUser, branch_id: int, form: FormDep
) -> Response:
    branch = svc.get_branch(db, branch_id=branch_id)
    fields = _branch_fields(form)
    try:
        svc.save_branch(db, branch=branch, fields=fields)
    except FieldErrors as exc:
        return _branch_form(request, db, branch, fields, exc.errors, 422)
    return flash(
        redirect(request, "/admin/branches"),
        _("Branch %(code)s saved.", code=branch.code),
        "success",
    )


@router.post("/admin/branches/{branch_id:int}/staff-informed")
def branch_staff_informed(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    branch_id: int,
    staff_informed_on: Annotated[str, Form()] = "",
    staff_informed_by: Annotated[str, Form()] = "",
) -> Response:
    branch = svc.get_branch(db, branch_id=branch_id)
    try:
        svc.record_staff_informed(
            db,
            branch=branch,
            informed_on=staff_informed_on,
            informed_by=staff_informed_by,
            today=utcnow().astimezone(ZoneInfo(branch.timezone)).date(),
        )
    except FieldErrors as exc:
        typed = {"staff_informed_on": staff_informed_on, "staff_informed_by": staff_informed_by}
        values = svc.branch_form_values(db, branch) | typed
        return _branch_form(request, db, branch, values, exc.errors, 422)
    return flash(
        redirect(request, f"/admin/branches/{branch.id}"),
        _("Branch %(code)s: staff information recorded.", code=branch.code),
        "success",
    )


@router.post("/admin/branches/{branch_id:int}/active")
def branch_active(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    branch_id: int,
    active: Annotated[str, Form()] = "",
) -> Response:
    branch = svc.set_branch_active(
        db, branch=svc.get_branch(db, branch_id=branch_id), active=active == "1"
    )
    message = (
        _("Branch %(code)s reactivated.", code=branch.code)
        if branch.active
        else _("Branch %(code)s deactivated.", code=branch.code)
    )
    return flash(redirect(request, "/admin/branches"), message, "success")


@router.get("/admin/regions")
def region_list(request: Request, db: SessionDep, user: AdminUser) -> Response:
    return render(
        request,
        "admin/org/regions.html",
        {"rows": svc.list_regions(db), "errors": {}, "values": {}},
    )


@router.post("/admin/regions")
def region_create(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    try:
        region = svc.save_region(db, region=None, code=code, name=name)
    except FieldErrors as exc:
        context = {
            "rows": svc.list_regions(db),
            "errors": exc.errors,
            "values": {"code": code, "name": name},
        }
        return render(request, "admin/org/regions.html", context, status_code=422)
    return flash(
        redirect(request, "/admin/regions"),
        _("Region %(code)s created.", code=region.code),
        "success",
    )


def _region_form(
    request: Request, db, region: Region, values: dict, errors: dict, status: int = 200
) -> Response:
    managers = [row.user for row in list_users(db, role=Role.manager)]
    current = {
        u.id for row in svc.list_regions(db) if row.region.id == region.id for u in row.managers
    }
    context = {
        "region": region,
        "values": values,
        "errors": errors,
        "managers": managers,
        "current": values.get("managers", current),
    }
    return render(request, "admin/org/region_form.html", context, status_code=status)


@router.get("/admin/regions/{region_id:int}")
def region_edit(request: Request, db: SessionDep, user: AdminUser, region_id: int) -> Response:
    region = svc.get_region(db, region_id=region_id)
    return _region_form(request, db, region, region.model_dump(), {})


@router.post("/admin/regions/{region_id:int}")
def region_save(
    request: Request, db: SessionDep, user: AdminUser, region_id: int, form: FormDep
) -> Response:
    region = svc.get_region(db, region_id=region_id)
    code, name = str(form.get("code", "")), str(form.get("name", ""))
    manager_ids = [int(v) for v in form.getlist("managers") if isinstance(v, str) and v.isdigit()]
    try:
        svc.save_region(db, region=region, code=code, name=name)
        svc.set_region_managers(db, region=region, manager_ids=manager_ids)
    except FieldErrors as exc:
        values = {"code": code, "name": name, "managers": set(manager_ids)}
        return _region_form(request, db, region, values, exc.errors, 422)
    return flash(
        redirect(request, "/admin/regions"),
        _("Region %(code)s saved.", code=region.code),
        "success",
    )
