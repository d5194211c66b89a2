"""Visit photos: upload (shopper), view (anyone allowed to see the visit), delete before submission.

Files are served from outside the web root (the media directory or the S3 bucket, streamed
by the app), each request checked with `access.get_visit`, so a photo URL is useless to
anyone who may not see the visit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from app.deps import CurrentUser, SessionDep, ShopperUser
from app.forms import wants_json
from app.i18n import _
from app.models import Photo
from app.services import access, photos, visits
from app.settings import get_settings
from app.web import flash, redirect, stored_file

router = APIRouter(prefix="/visits/{visit_id:int}/photos")


def photo_json(photo: Photo) -> dict:
    base = f"/visits/{photo.visit_id}/photos/{photo.id}"
    return {"id": photo.id, "item_id": photo.item_id, "url": base, "thumb": f"{base}/thumb"}


@router.post("")
def upload(
    request: Request,
    db: SessionDep,
    user: ShopperUser,
    visit_id: int,
    item_id: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    client_id: Annotated[str, Form()] = "",
    client_time: Annotated[str | None, Form()] = None,
    captured_at: Annotated[str | None, Form()] = None,
) -> Response:
    visit = access.get_visit(db, user, visit_id)
    limit = get_settings().max_photo_bytes
    data = file.file.read(limit + 1)  # one byte over is enough to refuse it
    photo, created = photos.add_photo(
        db,
        user=user,
        visit=visit,
        item_id=item_id,
        data=data,
        client_id=client_id,
        client_time=visits.parse_time(client_time, field="client_time"),
        captured_at=captured_at,
        release_lock=True,
    )
    if wants_json(request):
        return JSONResponse(photo_json(photo) | {"created": created}, status_code=201)
    response = redirect(request, f"/visits/{visit.id}#i-{item_id}")
    return flash(response, _("Photo added."), "success")


def _serve(db, user, visit_id: int, photo_id: int, *, thumb: bool) -> Response:
    visit = access.get_visit(db, user, visit_id)
    photo = photos.get_photo(db, visit=visit, photo_id=photo_id)
    return stored_file(
        photos.stored_key(photo, thumb=thumb),
        media_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=600"},  # evidence: not kept in caches long
    )


@router.get("/{photo_id:int}")
def show(db: SessionDep, user: CurrentUser, visit_id: int, photo_id: int) -> Response:
    return _serve(db, user, visit_id, photo_id, thumb=False)


@router.get("/{photo_id:int}/thumb")
def thumb(db: SessionDep, user: CurrentUser, visit_id: int, photo_id: int) -> Response:
    return _serve(db, user, visit_id, photo_id, thumb=True)


@router.post("/{photo_id:int}/delete")
def delete(
    request: Request,
    db: SessionDep,
    user: ShopperUser,
    visit_id: int,
    photo_id: int,
    client_time: Annotated[str | None, Form()] = None,
) -> Response:
    visit = access.get_visit(db, user, visit_id)
    photos.delete_photo(
        db,
        user=user,
        visit=visit,
        photo_id=photo_id,
        client_time=visits.parse_time(client_time, field="client_time"),
    )
    if wants_json(request):
        return JSONResponse({"deleted": photo_id})
    return flash(redirect(request, f"/visits/{visit.id}"), _("Photo deleted."), "success")
