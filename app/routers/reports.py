"""PDF audit reports: a branch's report (managers and HQ) and HQ's bulk exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app import tasks
from app.deps import AdminUser, ManagerUser, SessionDep
from app.errors import NotFound
from app.i18n import _
from app.models import Region
from app.reports.export import export_filename, zip_file
from app.reports.jobs import get_job, queue_export, wake
from app.reports.page import reports_page
from app.reports.service import branch_report, find_branch, find_wave, pick_report_language
from app.services.scorecards import visible_region
from app.web import flash, is_htmx, redirect, render, stored_file

router = APIRouter(prefix="/reports")
Lang = Annotated[str | None, Query(alias="lang")]


@router.get("")
def index(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    wave: Annotated[int | None, Query()] = None,
    region: Annotated[int | None, Query()] = None,
) -> Response:
    page = reports_page(db, wave_id=wave, region_id=region)
    if any(job.status in ("queued", "running") for job in page.jobs):
        wake()  # resume work left queued in this process (e.g. after a restart)
    return render(request, "reports/index.html", {"page": page})


@router.get("/branches/{branch_id:int}/waves/{wave_id:int}.pdf")
def branch_pdf(
    request: Request,
    db: SessionDep,
    user: ManagerUser,
    branch_id: int,
    wave_id: int,
    lang: Lang = None,
) -> Response:
    branch = find_branch(db, user=user, branch_id=branch_id)
    wave = find_wave(db, wave_id)
    language = pick_report_language(lang, request.state.language)
    report = branch_report(db, user=user, branch=branch, wave=wave, lang=language)
    return Response(
        report.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{report.filename}"',
            "Cache-Control": "private, no-store",
            "X-Report-Cache": "hit" if report.cached else "miss",
        },
    )


@router.post("/exports")
def start_export(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    wave_id: Annotated[int, Form()],
    region_id: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
) -> Response:
    wave = find_wave(db, wave_id)
    region: Region | None = (
        visible_region(db, user=user, region_id=int(region_id)) if region_id.isdigit() else None
    )
    lang = pick_report_language(language, request.state.language)
    queue_export(db, user=user, wave=wave, region=region, language=lang)  # starts on commit
    target = f"/reports?wave={wave.id}" + (f"&region={region.id}" if region else "")
    return flash(redirect(request, target), _("The export has started."))


@router.get("/exports/{job_id:int}")
def export_status(request: Request, db: SessionDep, user: AdminUser, job_id: int) -> Response:
    job = get_job(db, job_id=job_id)
    if not is_htmx(request):
        return redirect(request, f"/reports?wave={job.wave_id}")
    return render(request, "reports/index.html", {"job": job}, block="job")


@router.post("/jobs")
def start_job(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    wave_id: Annotated[int, Form()],
    kind: Annotated[str, Form()],
    language: Annotated[str, Form()] = "",
) -> Response:
    """Rescore the wave, or warm its reports' cache, in the background."""
    wave = find_wave(db, wave_id)
    lang = pick_report_language(language, request.state.language)
    tasks.queue_job(db, user=user, kind=kind, wave=wave, language=lang)  # starts on commit
    started = (
        _("The rescore has started.") if kind == "rescore_wave" else _("The warm-up has started.")
    )
    return flash(redirect(request, f"/reports?wave={wave.id}"), started)


@router.get("/jobs/{job_id:int}")
def job_status(request: Request, db: SessionDep, user: AdminUser, job_id: int) -> Response:
    job = tasks.get_job(db, job_id=job_id)
    if not is_htmx(request):
        return redirect(request, f"/reports?wave={job.wave_id}")
    return render(request, "reports/index.html", {"task": job}, block="task")


@router.get("/exports/{job_id:int}/download")
def export_download(db: SessionDep, user: AdminUser, job_id: int) -> Response:
    job = get_job(db, job_id=job_id)
    key = zip_file(job)
    if key is None:
        raise NotFound(_("This export is not ready."))
    return stored_file(
        key,
        media_type="application/zip",
        filename=export_filename(db, job),
        headers={"Cache-Control": "private, no-store"},
        signed=True,  # S3: a presigned URL issued after the admin check; the ZIP can be large
    )
