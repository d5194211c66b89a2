"""A full disk while storing a photo: a clear 507 the phone keeps the photo for, never a
bare 500, and nothing half-written left behind."""

from __future__ import annotations

import errno
import os

import pytest
from sqlmodel import select

from app.models import Photo
from tests.visit.helpers import jpeg
from tests.visit.test_routes import shopper, upload  # noqa: F401  (the fixture)


@pytest.fixture
def full_disk(monkeypatch):
    """The disk fills up while a photo is being written (after some bytes went out)."""
    from app import storage

    def no_space(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.os, "fsync", no_space)


def test_a_full_disk_answers_507_with_a_message_and_leaves_nothing(
    shopper,  # noqa: F811
    db,
    visit,
    full_disk,
    media_dir,
):
    response = upload(shopper, visit, jpeg((800, 600)))
    assert response.status_code == 507
    assert response.json()["detail"] == (
        "The server is out of space: your photo waits on the phone and is sent again later."
    )
    assert db.exec(select(Photo).where(Photo.visit_id == visit.id)).all() == []
    left = [p for p in media_dir.rglob("*") if p.is_file()] if media_dir.exists() else []
    assert left == []  # not even a half-written .part file
