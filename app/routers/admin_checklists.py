"""HQ: upload checklist versions, list them, read one as a page, download it as YAML/JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.deps import AdminUser, SessionDep
from app.i18n import _, content_language
from app.scoring import DocumentError, dump_checklist
from app.services import checklist_admin
from app.services.checklists import document_of, import_checklist
from app.web import flash, redirect, render

router = APIRouter(prefix="/admin/checklists", include_in_schema=False)
MAX_UPLOAD = 2 * 1024 * 1024


@router.get("")
def checklists(request: Request, db: SessionDep, user: AdminUser) -> Response:
    return render(
        request,
        "admin/checklists/list.html",
        {"rows": checklist_admin.list_checklists(db), "errors": []},
    )


@router.post("")
def upload(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form()] = "",
) -> Response:
    source: str | bytes = text
    if file is not None and file.filename:
        source = file.file.read(MAX_UPLOAD + 1)
    errors: list[str] = []
    if not source or (isinstance(source, str) and not source.strip()):
        errors = [_("Choose a YAML or JSON file, or paste the checklist.")]
    elif len(source) > MAX_UPLOAD:
        errors = [_("The file is larger than 2 MB.")]
    else:
        try:
            version, created = import_checklist(db, source=source, user=user)
        except DocumentError as exc:
            errors = exc.errors
    if errors:
        context = {"rows": checklist_admin.list_checklists(db), "errors": errors, "text": text}
        return render(request, "admin/checklists/list.html", context, status_code=422)
    code = version.document["code"]
    message = (
        _("Version %(version)s of %(code)s stored.", version=version.version, code=code)
        if created
        else _(
            "Nothing changed: version %(version)s of %(code)s has this content.",
            version=version.version,
            code=code,
        )
    )
    return flash(
        redirect(request, f"/admin/checklists/{code}/{version.version}"),
        message,
        "success" if created else "info",
    )


@router.get("/{code}")
def versions(request: Request, db: SessionDep, user: AdminUser, code: str) -> Response:
    checklist = checklist_admin.get_checklist(db, code=code)
    rows = checklist_admin.versions_of(db, checklist=checklist)
    return render(request, "admin/checklists/versions.html", {"checklist": checklist, "rows": rows})


@router.get("/{code}/{number}")
def version_page(
    request: Request, db: SessionDep, user: AdminUser, code: str, number: int
) -> Response:
    checklist = checklist_admin.get_checklist(db, code=code)
    version = checklist_admin.get_version(db, checklist=checklist, number=number)
    doc = document_of(version)
    view = checklist_admin.checklist_view(doc, lang=content_language(request.state.language))
    return render(
        request,
        "admin/checklists/version.html",
        {"checklist": checklist, "version": version, "doc": doc, "view": view},
    )


@router.get("/{code}/{number}/download")
def download(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    code: str,
    number: int,
    format: str = "yaml",
) -> Response:
    checklist = checklist_admin.get_checklist(db, code=code)
    version = checklist_admin.get_version(db, checklist=checklist, number=number)
    fmt: Literal["json", "yaml"] = "json" if format == "json" else "yaml"
    media = "application/json" if fmt == "json" else "application/yaml"
    return Response(
        dump_checklist(document_of(version), fmt),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{code}-v{number}.{fmt}"'},
    )
