"""Evidence photos: stored outside the web root, applied once, deletable until submission.

Files are stored under the keys `visits/<visit id>/<uuid>.jpg` and `…-thumb.jpg` in the
configured store (`app.storage`: the media directory or the S3 bucket); the database row
holds the keys. Only `access.get_visit` decides who may fetch them.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from app import storage
from app.errors import Invalid, NotFound, OutOfSpace
from app.i18n import _
from app.models import Branch, Photo, User, Visit, utcnow
from app.models.base import row_id
from app.services import images
from app.services.checklists import checklist_of
from app.services.visit_lock import lock
from app.services.visits import ensure_editable, start
from app.settings import get_settings

MAX_PER_ITEM = 12


def _photo_item(db: Session, visit: Visit, item_id: str) -> None:
    """Photos go to photo items and to items that take evidence (photo: optional|required)."""
    try:
        item = checklist_of(db, visit).item(item_id)
    except KeyError:
        raise Invalid(_("This item is no longer on the checklist."), field="item_id") from None
    if not item.takes_photos:
        raise Invalid(_("This item does not take photos."), field="item_id")


def _existing(db: Session, visit: Visit, client_id: str) -> Photo | None:
    if not client_id:
        return None
    return db.exec(
        select(Photo).where(Photo.visit_id == visit.id, Photo.client_id == client_id)
    ).first()


def existing_photo(db: Session, *, visit: Visit, client_id: str) -> Photo | None:
    """The photo an earlier request with this client id stored, if any (a retried upload)."""
    if len(client_id) > 64:
        raise Invalid(_("A change id of 1 to 64 characters is required."), field="client_id")
    return _existing(db, visit, client_id)


def check_upload(
    db: Session,
    *,
    user: User,
    visit: Visit,
    item_id: str,
    client_time: datetime | None = None,
    now: datetime | None = None,
) -> str | None:
    """Refuse an upload the visit cannot take; returns the branch's zone for the capture time."""
    ensure_editable(db, user=user, visit=visit, client_time=client_time, now=now)
    _photo_item(db, visit, item_id)
    branch = db.get(Branch, visit.branch_id)
    return branch.timezone if branch else None


def clean_image(data: bytes, *, tz: str | None) -> images.Processed:
    """Decode, check and re-encode (no database: SQLite's write lock need not be held)."""
    return images.process(data, max_bytes=get_settings().max_photo_bytes, tz=tz)


def parse_capture_time(raw: str | None, *, tz: str | None) -> datetime | None:
    """The capture time a phone read from EXIF before downscaling (which drops EXIF).

    ISO 8601; without an offset it is the branch's local time, as in EXIF. Unreadable: None.
    """
    if not raw or not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz or "UTC"))
    return moment.astimezone(UTC)


def store_photo(
    db: Session,
    *,
    user: User,
    visit: Visit,
    item_id: str,
    processed: images.Processed,
    source_sha256: str,
    client_id: str = "",
    client_time: datetime | None = None,
    captured_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[Photo, bool]:
    """Write the files and the row, once per client id, checking the visit again under lock.

    `captured_at` is used when the image itself carries no capture time.
    """
    now = now or utcnow()
    visit = lock(db, visit)  # from here on, one upload at a time per visit
    found = _existing(db, visit, client_id)
    if found is not None:
        return found, False
    ensure_editable(db, user=user, visit=visit, client_time=client_time, now=now)
    count = db.exec(
        select(func.count())
        .select_from(Photo)
        .where(Photo.visit_id == visit.id, Photo.item_id == item_id)
    ).one()
    if count >= MAX_PER_ITEM:
        raise Invalid(_("This item already has the most photos allowed."), field="item_id")
    if visit.status == "assigned":
        visit = start(db, user=user, visit=visit, at=min(client_time or now, now), now=now)
    photo = record_photo(
        db,
        visit=visit,
        item_id=item_id,
        processed=processed,
        source_sha256=source_sha256,
        client_id=client_id,
        captured_at=captured_at,
        now=now,
    )
    return photo, True


def record_photo(
    db: Session,
    *,
    visit: Visit,
    item_id: str,
    processed: images.Processed,
    source_sha256: str,
    client_id: str = "",
    captured_at: datetime | None = None,
    now: datetime | None = None,
) -> Photo:
    """The one photo writer (shoppers' uploads, the demo, agency deliveries).

    The row is added now; its two files appear when the session commits (`app.storage`).
    """
    name = uuid.uuid4().hex
    photo = Photo(
        visit_id=row_id(visit),
        item_id=item_id,
        path=f"visits/{visit.id}/{name}.jpg",
        thumb_path=f"visits/{visit.id}/{name}-thumb.jpg",
        size=len(processed.image),
        width=processed.width,
        height=processed.height,
        sha256=source_sha256,
        client_id=client_id,
        captured_at=processed.captured_at or captured_at,
        uploaded_at=now or utcnow(),
    )
    db.add(photo)
    db.flush()
    try:
        storage.write(db, photo.path, processed.image)
        storage.write(db, photo.thumb_path, processed.thumb)
    except storage.write_errors() as exc:  # the request's rollback discards what was staged
        if storage.out_of_space(exc):
            raise OutOfSpace(
                _(
                    "The server is out of space: your photo waits on the phone and is sent again later."  # noqa: E501
                )
            ) from exc
        raise
    return photo


def add_photo(
    db: Session,
    *,
    user: User,
    visit: Visit,
    item_id: str,
    data: bytes,
    client_id: str = "",
    client_time: datetime | None = None,
    captured_at: str | None = None,
    now: datetime | None = None,
    release_lock: bool = False,
) -> tuple[Photo, bool]:
    """Validate, clean and store one upload; the same `client_id` again returns the first photo.

    Returns (photo, created). With `release_lock` (the web upload) the checks so far are
    committed before decoding, the one early commit in a request: decoding takes a while
    and SQLite's write lock must not hold up other shoppers' answers meanwhile; the
    visit is checked again under lock before the row is written.
    """
    found = existing_photo(db, visit=visit, client_id=client_id)
    if found is not None:
        return found, False
    tz = check_upload(db, user=user, visit=visit, item_id=item_id, client_time=client_time, now=now)
    if release_lock:
        db.commit()
    processed = clean_image(data, tz=tz)
    return store_photo(
        db,
        user=user,
        visit=visit,
        item_id=item_id,
        processed=processed,
        source_sha256=hashlib.sha256(data).hexdigest(),
        client_id=client_id,
        client_time=client_time,
        captured_at=parse_capture_time(captured_at, tz=tz),
        now=now,
    )


def get_photo(db: Session, *, visit: Visit, photo_id: int) -> Photo:
    """A photo of this (already access-checked) visit, else NotFound."""
    photo = db.get(Photo, photo_id)
    if photo is None or photo.visit_id != visit.id:
        raise NotFound(_("Not found."))
    return photo


def stored_key(photo: Photo, *, thumb: bool = False) -> str:
    """The storage key of the photo's file (or its thumbnail), for `app.storage`."""
    return photo.thumb_path if thumb else photo.path


def delete_photo(
    db: Session, *, user: User, visit: Visit, photo_id: int, client_time: datetime | None = None
) -> None:
    """Remove a photo (row and files) while the visit can still be changed."""
    visit = lock(db, visit)
    photo = get_photo(db, visit=visit, photo_id=photo_id)
    ensure_editable(db, user=user, visit=visit, client_time=client_time)
    db.delete(photo)
    db.flush()
    for relative in (photo.path, photo.thumb_path):
        storage.remove(db, relative)


def photos_by_item(db: Session, visit_id: int) -> dict[str, list[Photo]]:
    rows = db.exec(
        select(Photo)
        .where(Photo.visit_id == visit_id)
        .order_by(col(Photo.uploaded_at), col(Photo.id))
    )
    out: dict[str, list[Photo]] = {}
    for photo in rows:
        out.setdefault(photo.item_id, []).append(photo)
    return out
