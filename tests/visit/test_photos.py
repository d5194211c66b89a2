"""Photo uploads on a visit: stored outside the web root, once per client id, deletable."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.errors import Conflict, Invalid, NotFound
from app.models import User, VisitStatus
from app.services import photos
from tests.conftest import stored_bytes, stored_keys
from tests.visit.conftest import make_visit
from tests.visit.helpers import jpeg

pytestmark = pytest.mark.usefixtures("media_backend")  # the media directory, then S3


def add(db, world, visit, item_id="storefront", data=None, cid="p1"):
    """Upload as the web route does: the files appear when the request's session commits."""
    stored = photos.add_photo(
        db,
        user=db.get(User, visit.shopper_id),  # the visit's own shopper
        visit=visit,
        item_id=item_id,
        data=data or jpeg((900, 600), gps=True),
        client_id=cid,
    )
    db.commit()
    return stored


def test_a_photo_is_stored_with_a_thumbnail_in_the_media_store(db, world, visit):
    photo, created = add(db, world, visit)
    assert created
    stored = stored_bytes(photo.path)
    assert stored is not None and stored_bytes(photo.thumb_path) is not None
    assert photo.path.startswith(f"visits/{visit.id}/")
    assert stored_keys(f"visits/{visit.id}/") == sorted([photo.path, photo.thumb_path])
    assert (photo.width, photo.height, photo.size) == (900, 600, len(stored))
    assert Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825) == {}
    assert len(photo.sha256) == 64
    assert visit.status == VisitStatus.in_progress  # a first photo starts the visit


def test_the_same_client_id_twice_stores_one_photo(db, world, visit):
    first, _ = add(db, world, visit, cid="same")
    again, created = add(db, world, visit, cid="same")
    assert not created and again.id == first.id
    assert len(photos.photos_by_item(db, visit.id)["storefront"]) == 1
    assert stored_keys(f"visits/{visit.id}/") == sorted([first.path, first.thumb_path])


def test_several_photos_per_item_up_to_a_limit(db, world, visit, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PER_ITEM", 3)
    for n in range(3):
        add(db, world, visit, item_id="smile", cid=f"p{n}")
    with pytest.raises(Invalid, match="most photos"):
        add(db, world, visit, item_id="smile", cid="p9")


def test_items_without_photos_and_unknown_items_take_none(db, world, visit):
    with pytest.raises(Invalid, match="does not take photos"):
        add(db, world, visit, item_id="tidy")
    with pytest.raises(Invalid, match="no longer on the checklist"):
        add(db, world, visit, item_id="gone")


def test_a_bad_file_is_refused_and_nothing_is_stored(db, world, visit):
    with pytest.raises(Invalid, match="not a photo"):
        add(db, world, visit, data=b"plain text pretending to be a .jpg")
    assert photos.photos_by_item(db, visit.id) == {}
    assert stored_keys(f"visits/{visit.id}/") == []


def test_a_failed_commit_leaves_no_file_in_the_store(db, world, visit):
    photos.add_photo(
        db,
        user=db.get(User, visit.shopper_id),
        visit=visit,
        item_id="storefront",
        data=jpeg((900, 600)),
        client_id="rolled-back",
    )
    db.rollback()
    assert stored_keys(f"visits/{visit.id}/") == []  # staged files included


def test_the_size_limit_comes_from_the_settings(db, world, visit, monkeypatch):
    from app.settings import get_settings

    data = jpeg((800, 600))
    monkeypatch.setattr(get_settings(), "max_photo_bytes", len(data) - 1)
    with pytest.raises(Invalid, match="larger than"):
        add(db, world, visit, data=data)


def test_delete_removes_the_row_and_both_files(db, world, visit):
    photo, _ = add(db, world, visit)
    keys = sorted([photo.path, photo.thumb_path])
    photos.delete_photo(db, user=world["users"]["shopper"], visit=visit, photo_id=photo.id)
    assert photos.photos_by_item(db, visit.id) == {}
    assert stored_keys(f"visits/{visit.id}/") == keys  # kept until the deletion commits
    db.commit()
    assert stored_keys(f"visits/{visit.id}/") == []
    with pytest.raises(NotFound):
        photos.delete_photo(db, user=world["users"]["shopper"], visit=visit, photo_id=photo.id)


def test_a_photo_of_another_visit_is_not_found(db, world, version, visit):
    other = make_visit(db, world, version, shopper="shopper2")
    photo, _ = add(db, world, other)
    with pytest.raises(NotFound):
        photos.get_photo(db, visit=visit, photo_id=photo.id)


def test_uploads_to_a_submitted_visit_are_refused(db, world, visit):
    visit.status = VisitStatus.submitted
    with pytest.raises(Conflict):
        add(db, world, visit)


def test_the_stored_thumbnail_is_small(db, world, visit):
    photo, _ = add(db, world, visit, data=jpeg((3000, 2000)))
    thumb = Image.open(io.BytesIO(stored_bytes(photo.thumb_path) or b""))
    assert max(thumb.size) == 320
