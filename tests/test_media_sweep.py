"""After a kill at any point of an upload, the sweep makes photo files and rows agree
(both stores): staged files of rolled-back uploads go, those of committed ones are put in
place, files without a row go, rows without a file are reported; nothing under an hour."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from app import storage
from app.models import Photo, utcnow
from app.services.media_sweep import sweep
from tests.admin.factories import make_visit, mini_version

pytestmark = pytest.mark.usefixtures("media_backend", "own_media_dir")
LATER = timedelta(hours=2)


@pytest.fixture
def own_media_dir(media_backend, tmp_path, monkeypatch):
    """A media directory of this test's own: the sweep looks at everything in the store,
    and other tests of this process leave their files in the shared one (the S3 runs get
    a new bucket each already)."""
    if media_backend == "local":
        from app.settings import get_settings

        monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))
        monkeypatch.setattr(get_settings(), "media_dir", tmp_path / "media")


def _photo(db, visit, name: str) -> Photo:
    photo = Photo(
        visit_id=visit.id,
        item_id="receipt",
        path=f"visits/{visit.id}/{name}.jpg",
        thumb_path=f"visits/{visit.id}/{name}-thumb.jpg",
        size=3,
        width=1,
        height=1,
        sha256="x",
    )
    db.add(photo)
    db.flush()
    return photo


@pytest.fixture
def killed(db, world):
    """One of each thing a kill can leave, as the upload path leaves it."""
    visit = make_visit(db, mini_version(db), world["branches"]["E1"])
    store = storage.backend()
    # killed before its commit: staged, no row
    store.stage(f"visits/{visit.id}/rolled-back.jpg", b"never committed")
    # killed after its commit, before the files were moved into place
    committed = _photo(db, visit, "committed")
    store.stage(committed.path, b"img")
    store.stage(committed.thumb_path, b"thb")
    # its row deleted, the process killed before the file went
    store.put(f"visits/{visit.id}/orphan.jpg", b"no row")
    # a whole, well-kept photo
    kept = _photo(db, visit, "kept")
    store.put(kept.path, b"img")
    store.put(kept.thumb_path, b"thb")
    lost = _photo(db, visit, "lost")  # its files are gone (a disk restored from an old copy)
    return {"visit": visit, "committed": committed, "kept": kept, "lost": lost}


def test_the_sweep_makes_files_and_rows_agree(db, killed):
    store = storage.backend()
    visit, committed = killed["visit"], killed["committed"]
    report = sweep(db, now=utcnow() + LATER, wall=time.time() + LATER.total_seconds())
    assert sorted(report.restored) == sorted([committed.path, committed.thumb_path])
    assert store.get(committed.path) == b"img" and store.get(committed.thumb_path) == b"thb"
    assert len(report.discarded) == 1
    assert report.orphans == [f"visits/{visit.id}/orphan.jpg"]
    assert not store.exists(f"visits/{visit.id}/orphan.jpg")
    assert report.missing == [killed["lost"].id]
    assert list(store.leftovers()) == []  # no staged file is left
    listed = {s.key for s in store.list("visits/")}
    assert listed == {
        committed.path,
        committed.thumb_path,
        killed["kept"].path,
        killed["kept"].thumb_path,
    }


def test_nothing_younger_than_an_hour_is_touched(db, killed):
    store = storage.backend()
    report = sweep(db)
    assert (report.restored, report.discarded, report.orphans, report.missing) == ([], [], [], [])
    assert len(list(store.leftovers())) == 3
    assert store.exists(f"visits/{killed['visit'].id}/orphan.jpg")
