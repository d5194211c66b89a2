"""The storage interface, the same on the media directory and on a real S3 server (moto's).

Every test runs on both backends (`media_backend`); the S3 runs talk HTTP to the
ThreadedMotoServer the suite starts on a loopback port.
"""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlmodel import Session, create_engine

from app import storage
from app.settings import Settings, get_settings
from tests.conftest import stored_keys

pytestmark = pytest.mark.usefixtures("media_backend")


@pytest.fixture(autouse=True)
def own_media_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(get_settings(), "media_dir", tmp_path / "media")


@pytest.fixture
def db(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'files.db'}")
    with Session(engine) as session:
        session.execute(text("select 1"))  # a transaction is open, as in a request
        yield session
    engine.dispose()


def test_the_backend_is_the_configured_one(media_backend):
    store = storage.backend()
    assert store.name == media_backend
    assert (store.local_path("a/b.jpg") is None) == (media_backend == "s3")


def test_put_get_open_list_and_delete(media_backend):
    store = storage.backend()
    store.put("visits/1/a.jpg", b"first")
    store.put("visits/1/a.jpg", b"second")  # replaced whole
    store.put("reports-cache/k.pdf", b"%PDF")
    assert store.get("visits/1/a.jpg") == b"second"
    assert b"".join(store.open("visits/1/a.jpg") or []) == b"second"
    assert store.exists("visits/1/a.jpg") and not store.exists("visits/1/none.jpg")
    assert store.get("visits/1/none.jpg") is None and store.open("visits/1/none.jpg") is None
    listed = {(s.key, s.size) for s in store.list("visits/")}
    assert listed == {("visits/1/a.jpg", 6)}
    store.delete("visits/1/a.jpg")
    store.delete("visits/1/a.jpg")  # a missing file is not an error
    assert [s.key for s in store.list()] == ["reports-cache/k.pdf"]


def test_a_large_file_is_built_locally_and_stored_whole(media_backend):
    store = storage.backend()
    scratch = store.scratch("report-exports/job-1.zip")
    scratch.write_bytes(b"z" * (9 * 1024 * 1024))  # over boto3's multipart threshold
    assert not store.exists("report-exports/job-1.zip")
    store.put_file("report-exports/job-1.zip", scratch, move=True)
    assert not scratch.exists()
    assert store.get("report-exports/job-1.zip") == b"z" * (9 * 1024 * 1024)


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../secret", "a/../../b", "a//b", "a\\b"])
def test_a_key_never_leaves_the_store(key):
    store = storage.backend()
    with pytest.raises(storage.BadKey):
        store.get(key)
    with pytest.raises(storage.BadKey):
        store.put(key, b"x")


def test_files_follow_the_session_commit_rollback_and_savepoints(db):
    storage.write(db, "visits/4/kept.jpg", b"1")
    assert storage.backend().get("visits/4/kept.jpg") is None  # staged, not yet visible
    assert len(stored_keys("visits/")) == 1  # the `.part` file, or the object in _staging/
    try:
        with db.begin_nested():
            storage.write(db, "visits/6/refused.jpg", b"3")
            raise ValueError("bad delivery")
    except ValueError:
        pass
    db.commit()
    assert stored_keys("visits/") == ["visits/4/kept.jpg"]  # nothing staged is left behind
    db.execute(text("select 1"))  # the next request's transaction
    storage.write(db, "visits/7/rolled-back.jpg", b"4")
    storage.remove(db, "visits/4/kept.jpg")
    db.rollback()
    assert stored_keys("visits/") == ["visits/4/kept.jpg"]
    db.execute(text("select 1"))
    storage.remove(db, "visits/4/kept.jpg")
    db.commit()
    assert stored_keys("visits/") == []


def test_a_signed_url_is_short_lived_and_names_the_download(media_backend):
    store = storage.backend()
    store.put("report-exports/job-9.zip", b"PK-zip")
    url = store.signed_url("report-exports/job-9.zip", filename="r.zip", content_type="x/zip")
    if media_backend == "local":
        assert url is None  # the app sends local files itself
        return
    assert url is not None and "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == b"PK-zip"
    assert response.headers["content-disposition"] == 'attachment; filename="r.zip"'
    assert response.headers["content-type"] == "x/zip"


def test_s3_needs_a_bucket_and_an_http_endpoint():
    with pytest.raises(ValidationError, match="S3_BUCKET must be set when STORAGE_BACKEND is s3"):
        Settings(storage_backend="s3", s3_bucket="")
    with pytest.raises(ValidationError, match=r"(?s)s3_endpoint_url.*http:// or https://"):
        Settings(storage_backend="s3", s3_bucket="b", s3_endpoint_url="minio:9000")
    assert Settings(storage_backend="s3", s3_bucket="b").storage_url_seconds == 300


def test_a_download_is_streamed_when_the_store_is_not_reachable_by_browsers(
    media_backend, monkeypatch
):
    from fastapi.responses import FileResponse, RedirectResponse, StreamingResponse

    from app.errors import NotFound
    from app.web import stored_file

    storage.backend().put("report-exports/job-3.zip", b"PK-zip")

    def served():
        return stored_file(
            "report-exports/job-3.zip",
            media_type="application/zip",
            filename="r.zip",
            headers={"Cache-Control": "private, no-store"},
            signed=True,
        )

    expected = RedirectResponse if media_backend == "s3" else FileResponse
    assert isinstance(served(), expected)
    monkeypatch.setattr(get_settings(), "s3_presigned_downloads", False)
    response = served()
    assert isinstance(response, StreamingResponse if media_backend == "s3" else FileResponse)
    assert response.headers["content-disposition"] == 'attachment; filename="r.zip"'
    with pytest.raises(NotFound):
        stored_file("report-exports/none.zip", media_type="x/y", headers={}, filename="n.zip")
