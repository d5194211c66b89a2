"""HQ: upload checklist versions (YAML, JSON or XLSForm), list them, read one as a page,
download it as YAML, JSON or an XLSForm."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.deps import AdminUser, SessionDep
from app.i18n import _, content_language, ngettext
from app.scoring import dump_checklist
from app.services import checklist_admin, checklist_upload
from app.services.checklist_upload import Outcome, Upload
from app.services.checklists import document_of
from app.services.xlsform import MEDIA_TYPE, is_xlsform, xlsform_bytes
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


def _upload_of(file: UploadFile | None, text: str, kept: str, kept_name: str) -> Upload | None:
    """The chosen file, else the pasted text (where a kept YAML file waits to be fixed),
    else the XLSForm kept from the last answer."""
    if file is not None and file.filename:
        return Upload(file.filename, file.file.read(MAX_UPLOAD + 1))
    if text.strip():
        return Upload("" if is_xlsform(kept_name) else kept_name, text.encode("utf-8"))
    if kept and is_xlsform(kept_name):
        try:
            return Upload(kept_name, base64.b64decode(kept, validate=True))
        except binascii.Error:
            return None
    return None


def _form_page(
    request: Request, db: SessionDep, outcome: Outcome | None, errors: list[str]
) -> Response:
    """The checklists page with the upload's errors, keeping the chosen file."""
    upload = outcome.upload if outcome is not None else None
    kept = upload if upload is not None and upload.name else None
    context = {
        "rows": checklist_admin.list_checklists(db),
        "errors": errors,
        "problems": outcome.problems if outcome is not None else [],
        "kept": kept,
        "kept_data": base64.b64encode(kept.data).decode() if kept and kept.xlsform else "",
        "text": upload.data.decode("utf-8", "replace") if upload and not upload.xlsform else "",
    }
    return render(request, "admin/checklists/list.html", context, status_code=422)


# A kept XLSForm comes back base64-encoded in a text field: room for the largest upload.
@router.post("", form_limits={"max_part_size": 3 * MAX_UPLOAD})
def upload(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form()] = "",
    kept: Annotated[str, Form()] = "",
    kept_name: Annotated[str, Form()] = "",
    store_rest: Annotated[str, Form()] = "",
) -> Response:
    source = _upload_of(file, text, kept, kept_name)
    if source is None:
        return _form_page(
            request, db, None, [_("Choose a YAML, JSON or XLSForm file, or paste the checklist.")]
        )
    if len(source.data) > MAX_UPLOAD:
        return _form_page(request, db, None, [_("The file is larger than 2 MB.")])
    outcome = checklist_upload.upload_checklist(
        db, upload=source, user=user, store_rest=bool(store_rest)
    )
    if outcome.errors:
        return _form_page(request, db, outcome, outcome.errors)
    if outcome.version is None:  # an XLSForm that leaves something out: HQ decides first
        context = {
            "outcome": outcome,
            "kept_data": base64.b64encode(source.data).decode(),
        }
        return render(request, "admin/checklists/report.html", context)
    version, created = outcome.version, outcome.created
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
    if outcome.problems:
        message += " " + ngettext(
            "%(num)s part of the form was left out.",
            "%(num)s parts of the form were left out.",
            len(outcome.problems),
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
    doc = document_of(version)
    name = f"{code}-v{number}"
    if format == "xlsx":
        return Response(
            xlsform_bytes(doc),
            media_type=MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    fmt: Literal["json", "yaml"] = "json" if format == "json" else "yaml"
    media = "application/json" if fmt == "json" else "application/yaml"
    return Response(
        dump_checklist(doc, fmt),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
