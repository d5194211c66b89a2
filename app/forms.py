"""Request-shape helpers shared by routers: the posted form, filter ids, CSV uploads.

Routers may not import each other (an import-linter contract), so what several of them
parse the same way lives here, next to the web layer and below every router.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app import tasks
from app.deps import client_address
from app.errors import Invalid, NotFound
from app.i18n import _
from app.models import User
from app.services.csv_import import ImportPlan, decode
from app.services.import_jobs import KINDS
from app.settings import get_settings
from app.web import flash, redirect, render

MAX_CSV = 5 * 1024 * 1024


async def form_of(request: Request) -> FormData:
    """The posted form, read here so the handlers (database work) run in the thread pool."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_of)]


def wants_json(request: Request) -> bool:
    """The phone's script asks for JSON; a plain form post gets a page."""
    return "application/json" in request.headers.get("accept", "")


def optional_id(value: str | None) -> int | None:
    """An id from a filter form: empty means "any"; anything else not a number is 404."""
    if value is None or value.strip() == "":
        return None
    if not value.strip().isdigit():
        raise NotFound(_("Not found."))
    return int(value)


def csv_source(file: UploadFile | None, text: str) -> str:
    """The CSV text of an upload, or of the textarea (the dry run hands it back there)."""
    if file is not None and file.filename:
        data = file.file.read(MAX_CSV + 1)
        if len(data) > MAX_CSV:  # refused whole, never cut at the limit
            raise Invalid(
                _("The file is larger than %(size)s MB.", size=MAX_CSV // 1024 // 1024),
                field="file",
            )
        return decode(data)
    if len(text) > MAX_CSV:
        raise Invalid(
            _("The text is larger than %(size)s MB.", size=MAX_CSV // 1024 // 1024), field="text"
        )
    return text


def run_import(
    request: Request,
    db: Session,
    user: User,
    *,
    kind: str,
    source: str,
    apply: bool,
    importer: Callable[[bool], ImportPlan],
) -> Response:
    """Check a CSV (the dry run), or apply it: here when small, else as a job whose page
    follows its progress (`app.services.import_jobs`). `importer(apply)` runs the service."""
    plan = importer(False)
    if apply and plan.ok and len(plan.changes) > get_settings().import_inline_rows:
        job = tasks.queue_job(
            db,
            user=user,
            kind=KINDS[kind],
            payload=source.encode("utf-8"),
            requested_from=client_address(request),
        )
        return redirect(request, f"/admin/{kind}/import/jobs/{job.id}")
    if apply and plan.ok:
        plan = importer(True)
    return import_result(request, kind, plan, source)


def import_job_page(request: Request, db: Session, *, kind: str, job_id: int) -> Response:
    """An import job's page; HTMX polls its `job` block until it has ended."""
    job = tasks.get_job(db, job_id=job_id, kinds={KINDS[kind]})
    context = {"kind": kind, "plan": None, "job": job}
    return render(request, "admin/org/import.html", context, block="job")


def import_result(request: Request, kind: str, plan: ImportPlan, source: str) -> Response:
    """Applied: back to the list with counts. Dry run or errors: the plan, ready to apply."""
    if plan.applied:
        message = _(
            "Import applied: %(created)s created, %(updated)s updated.",
            created=plan.count("create"),
            updated=plan.count("update"),
        )
        return flash(redirect(request, f"/admin/{kind}"), message, "success")
    context = {"kind": kind, "plan": plan, "text": source}
    return render(request, "admin/org/import.html", context, status_code=200 if plan.ok else 422)
