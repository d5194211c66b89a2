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


MINIO_FULL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>XMinioStorageFull</Code>'
    b"<Message>Storage backend has reached its minimum free drive threshold. Please delete a "
    b"few objects to proceed.</Message><RequestId>17A0</RequestId><HostId>full</HostId></Error>"
)


@pytest.fixture
def full_bucket(monkeypatch):
    """An S3-compatible store on loopback whose drives are full: every PUT gets MinIO's own
    answer for that (507 XMinioStorageFull), as a MinIO past its free-space threshold does."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.conftest import S3_CREDENTIALS, use_storage

    puts = []

    class Full(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            puts.append(self.path)
            self.send_response(507)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(MINIO_FULL)))
            self.end_headers()
            self.wfile.write(MINIO_FULL)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Full)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    use_storage(
        monkeypatch,
        {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{server.server_port}",
            "S3_BUCKET": "full",
            "S3_REGION": "us-east-1",
            **S3_CREDENTIALS,
        },
    )
    yield puts
    server.shutdown()


def test_a_full_object_store_answers_507_too(shopper, db, visit, full_bucket):  # noqa: F811
    response = upload(shopper, visit, jpeg((800, 600)))
    assert full_bucket, "the photo never reached the store"
    assert response.status_code == 507
    assert response.json()["detail"] == (
        "The server is out of space: your photo waits on the phone and is sent again later."
    )
    assert db.exec(select(Photo).where(Photo.visit_id == visit.id)).all() == []
