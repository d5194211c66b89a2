"""`/healthz`: the database, the broker (when set) and the media store, for load balancers.

Against the real parts: this machine's Redis (a wrong port for a dead one), moto's S3
server (a bucket that does not exist for a broken one) and the media directory.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from app import health
from app.settings import get_settings
from tests.conftest import s3_environment, use_storage
from tests.reports.conftest import REDIS_URL

ALL_OK = {"status": "ok", "database": "ok", "broker": "not configured", "storage": "ok"}


@pytest.fixture(autouse=True)
def own_media_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(get_settings(), "media_dir", tmp_path / "media")
    monkeypatch.setattr(get_settings(), "broker_url", "")


@pytest.fixture
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is not reachable under CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")
    finally:
        client.close()
    return REDIS_URL


def test_without_a_broker_the_database_and_media_directory_are_checked(client, tmp_path):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, ALL_OK)
    media = tmp_path / "media"
    assert media.is_dir() and list(media.iterdir()) == [], "the probe file was deleted"


def test_a_media_directory_that_cannot_be_written_is_down(client, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where MEDIA_DIR should be")
    monkeypatch.setattr(get_settings(), "media_dir", blocker)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == ALL_OK | {"status": "unavailable", "storage": "down"}


def test_the_real_redis_broker_answers(client, redis_url, monkeypatch):
    monkeypatch.setattr(get_settings(), "broker_url", redis_url)
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, ALL_OK | {"broker": "ok"})


def test_a_broker_on_a_port_nobody_listens_on_is_down_and_named(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == ALL_OK | {"status": "unavailable", "broker": "down"}


def test_the_s3_bucket_on_a_real_s3_server_answers(client, s3_endpoint, monkeypatch):
    use_storage(monkeypatch, s3_environment(s3_endpoint))
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, ALL_OK)


def test_a_missing_bucket_is_down_and_named(client, s3_endpoint, monkeypatch):
    environment = s3_environment(s3_endpoint) | {"S3_BUCKET": f"gone-{uuid.uuid4().hex[:10]}"}
    use_storage(monkeypatch, environment)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == ALL_OK | {"status": "unavailable", "storage": "down"}


def test_an_unreachable_database_is_down(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def unreachable(**_kwargs):
        raise OperationalError("connect", {}, ConnectionRefusedError("database down"))

    monkeypatch.setattr(health, "new_session", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == ALL_OK | {"status": "unavailable", "database": "down"}


def test_a_part_that_hangs_does_not_stall_the_answer(client, redis_url, monkeypatch):
    """The balancer gets its 503 at the deadline, not when the hung part gives up (here:
    never, until the test releases it; the margin is for a loaded machine)."""
    monkeypatch.setattr(get_settings(), "broker_url", redis_url)
    monkeypatch.setattr(health, "DEADLINE", 0.5)
    release = threading.Event()
    monkeypatch.setattr(health, "check_broker", lambda: release.wait(60))
    started = time.monotonic()
    try:
        response = client.get("/healthz")
    finally:
        took = time.monotonic() - started
        release.set()
    assert response.status_code == 503 and response.json()["broker"] == "down"
    assert took < 20, f"answered after {took:.1f} s"
