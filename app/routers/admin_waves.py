"""HQ: waves (create, generate assignments, progress) and changes to single visits."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import AdminUser, SessionDep
from app.forms import FormDep, optional_id
from app.i18n import _, ngettext
from app.models.base import row_id
from app.services import assignments, wave_brief, waves
from app.services.branches import list_branches
from app.services.checklist_admin import all_versions
from app.services.csv_import import FieldErrors
from app.web import flash, redirect, render

router = APIRouter(prefix="/admin/waves", include_in_schema=False)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _form(request: Request, db, values: dict, errors: dict, status: int = 200) -> Response:
    versions = all_versions(db)
    context = {
        "values": values,
        "errors": errors,
        "versions": versions,
        "brief_languages": wave_brief.brief_languages(v for _code, v in versions),
        "branches": list_branches(db, active=True),
    }
    return render(request, "admin/waves/new.html", context, status_code=status)


@router.get("")
def wave_list(request: Request, db: SessionDep, user: AdminUser) -> Response:
    return render(request, "admin/waves/list.html", {"rows": waves.list_waves(db)})


@router.get("/new")
def wave_new(request: Request, db: SessionDep, user: AdminUser) -> Response:
    versions = all_versions(db)
    values = {
        "visits_per_branch": 1,
        "checklist_version_id": waves.proposed_version_id(db)
        or (versions[0][1].id if versions else None),
        "branches": {b.id for b, _r in list_branches(db, active=True) if not b.competitor},
    }
    return _form(request, db, values, {})


@router.post("/new")
def wave_create(request: Request, db: SessionDep, user: AdminUser, form: FormDep) -> Response:
    name, scenario = str(form.get("name", "")), str(form.get("scenario", ""))
    mix = str(form.get("variant_mix", ""))
    translations = wave_brief.translations_from_form(form)
    starts_on = _date(str(form.get("starts_on", "")))
    ends_on = _date(str(form.get("ends_on", "")))
    version_id = _int(str(form.get("checklist_version_id", "")))
    per_branch = _int(str(form.get("visits_per_branch", "")))
    values = {
        "name": name,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "checklist_version_id": version_id,
        "visits_per_branch": per_branch,
        "scenario": scenario,
        "scenario_translations": translations,
        "variant_mix": mix,
    }
    branch_ids = [int(v) for v in form.getlist("branches") if isinstance(v, str) and v.isdigit()]
    try:
        wave = waves.create_wave(
            db,
            branch_ids=branch_ids,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            checklist_version_id=version_id,
            visits_per_branch=per_branch,
            scenario=scenario,
            scenario_translations=translations,
            variant_mix=mix,
        )
    except FieldErrors as exc:
        return _form(request, db, values | {"branches": set(branch_ids)}, exc.errors, 422)
    return flash(
        redirect(request, f"/admin/waves/{wave.id}"),
        _("Wave %(wave)s created. Generate its assignments next.", wave=wave.name),
        "success",
    )


@router.get("/{wave_id:int}")
def wave_detail(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    wave_id: int,
    region: int = 0,
    status: str = "",
) -> Response:
    wave = waves.get_wave(db, wave_id=wave_id)
    progress = waves.wave_progress(db, wave=wave)
    context = {
        "wave": wave,
        "mix": waves.planned_mix(db, wave=wave),
        "progress": progress,
        "total": waves.wave_total(progress),
        "visits": waves.wave_visits(db, wave=wave, region_id=region or None, status=status),
        "filters": {"region": region, "status": status},
        "version": next(
            (pair for pair in all_versions(db) if pair[1].id == wave.checklist_version_id), None
        ),
    }
    return render(request, "admin/waves/detail.html", context, block="visits")


@router.post("/{wave_id:int}/generate")
def generate(request: Request, db: SessionDep, user: AdminUser, wave_id: int) -> Response:
    wave = waves.get_wave(db, wave_id=wave_id)
    report = assignments.generate_assignments(db, wave=wave)
    message = _(
        "%(created)s visits created, %(assigned)s assigned.",
        created=report.created,
        assigned=report.assigned,
    )
    kind = "success"
    if report.unassigned:
        kind = "warning"
        message += " " + ngettext(
            "%(num)s visit has no eligible shopper; assign it by hand.",
            "%(num)s visits have no eligible shopper; assign them by hand.",
            len(report.unassigned),
        )
    return flash(redirect(request, f"/admin/waves/{wave.id}"), message, kind)


@router.post("/{wave_id:int}/visits/{visit_id:int}/reassign")
def reassign(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    wave_id: int,
    visit_id: int,
    shopper_id: Annotated[str, Form()] = "",
) -> Response:
    wave = waves.get_wave(db, wave_id=wave_id)
    visit = waves.get_wave_visit(db, wave=wave, visit_id=visit_id)
    target = waves.reassign(db, visit=visit, shopper_id=optional_id(shopper_id))
    message = (
        _("Visit %(id)s given to %(name)s.", id=visit.id, name=target.name)
        if target
        else _("Visit %(id)s is now unassigned.", id=visit.id)
    )
    return flash(redirect(request, _back(request, row_id(wave))), message, "success")


@router.post("/{wave_id:int}/visits/{visit_id:int}/cancel")
def cancel(
    request: Request, db: SessionDep, user: AdminUser, wave_id: int, visit_id: int
) -> Response:
    wave = waves.get_wave(db, wave_id=wave_id)
    waves.cancel(db, visit=waves.get_wave_visit(db, wave=wave, visit_id=visit_id))
    return flash(
        redirect(request, _back(request, row_id(wave))),
        _("Visit %(id)s cancelled.", id=visit_id),
        "success",
    )


def _back(request: Request, wave_id: int) -> str:
    """Back to the wave page with the filters the admin had on."""
    query = request.url.query
    return f"/admin/waves/{wave_id}" + (f"?{query}" if query else "") + "#visits"
