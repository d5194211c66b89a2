"""Fixtures for the report tests: the programme, an empty report cache, reading PDFs, and
the job queue (Redis and `shopmirror worker` processes) the export and task jobs run on."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import create_engine
from sqlmodel import Session

from tests.conftest import fresh_database_url
from tests.reports.helpers import Programme, build_programme

DEMO_DAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def empty_report_cache(engine):
    """Each test starts with no cached PDF (rolled-back ids repeat between tests)."""
    from app.reports.cache import CACHE_DIRNAME
    from app.settings import get_settings

    shutil.rmtree(get_settings().resolved_media_dir / CACHE_DIRNAME, ignore_errors=True)
    yield


@pytest.fixture
def programme(db, world) -> Programme:
    return build_programme(db, regions=world["regions"])


@pytest.fixture(scope="module")
def demo_db(engine, tmp_path_factory) -> Iterator[Session]:
    """The demo programme, committed in a database of its own (its photos written to media).

    Committed so the photos' thumbnails are in place: a report laid out without them would
    be shorter than the one people get.
    """
    from app.migrate import upgrade_head
    from app.services.demo import load_demo

    demo_engine = create_engine(fresh_database_url(tmp_path_factory.mktemp("demo")))
    with demo_engine.connect() as conn:
        upgrade_head(conn)
        conn.commit()
    with Session(demo_engine, expire_on_commit=False) as session:
        assert load_demo(session, today=DEMO_DAY)
        session.commit()
        yield session
    demo_engine.dispose()


@pytest.fixture(scope="module")
def committed(tmp_path_factory, engine):
    """A migrated database of its own with the programme committed; the app points at it."""
    from app.db import get_engine, make_engine
    from app.migrate import upgrade_head
    from app.services.auth import create_user
    from app.settings import get_settings

    var_dir = tmp_path_factory.mktemp("export-var")
    url = fresh_database_url(var_dir)
    own = make_engine(url)
    with own.connect() as conn:
        upgrade_head(conn)
        conn.commit()
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "VAR_DIR", "MEDIA_DIR")}
    os.environ.update(DATABASE_URL=url, VAR_DIR=str(var_dir), MEDIA_DIR=str(var_dir / "media"))
    get_settings.cache_clear()
    get_engine.cache_clear()
    with Session(own, expire_on_commit=False) as db:  # its photos go to the store set above
        programme = build_programme(db)
        programme.branches["E2"].timezone = "Mars/Olympus_Mons"
        db.add(programme.branches["E2"])
        create_user(db, username="hq", name="HQ", role="admin", password="hq-password-2026")
        db.commit()
    own.dispose()
    yield {"url": url, "var_dir": var_dir, "programme": programme}
    get_engine().dispose()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    get_engine.cache_clear()


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    """All the text with runs of whitespace (line breaks in table cells) made one space."""
    return " ".join(" ".join(pdf_pages(data)).split())


def pdf_images(data: bytes) -> list[tuple[int, int, int]]:
    """The mean (r, g, b) colour of every distinct image embedded in the PDF."""
    seen: dict[int, tuple[int, int, int]] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image" and ref.idnum not in seen:
                image = (
                    Image.open(io.BytesIO(obj.get_data()))
                    if "/DCTDecode" in str(obj.get("/Filter"))
                    else None
                )
                pixel = image.convert("RGB").resize((1, 1)).getpixel((0, 0)) if image else (-1,) * 3
                seen[ref.idnum] = pixel
    return list(seen.values())


# --- the job queue: this machine's Redis and `shopmirror worker` processes -------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Heartbeats every second (a dead run is stale after three), short retries, one renderer.
QUICK = {"JOB_HEARTBEAT_SECONDS": "1", "JOB_RETRY_SECONDS": "2", "REPORT_PROCESSES": "1"}
PROJECT = Path(__file__).resolve().parents[2]


def clear_caches() -> None:
    from app import queue
    from app.db import get_engine
    from app.reports import jobs
    from app.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    queue.get_broker.cache_clear()
    jobs.export_actor.cache_clear()


@pytest.fixture(scope="module")
def redis_namespace():
    """A namespace of our own on the real Redis (other runs share the server); emptied after."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is not reachable under CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")
    namespace = f"shopmirror-test-{uuid.uuid4().hex[:10]}"
    yield namespace
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def broker_env(committed, redis_namespace):
    """This process's app sends jobs to the broker; the env a worker is started with."""
    settings = {"BROKER_URL": REDIS_URL, "BROKER_NAMESPACE": redis_namespace, **QUICK}
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    clear_caches()
    yield os.environ | settings
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    clear_caches()


class Worker:
    """`shopmirror worker` in a process group of its own (its render pool dies with it)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            cwd=PROJECT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while "shopmirror worker: ready" not in log.read_text():
            assert self.process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"worker did not start: {log.read_text()}"
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the worker and everything it started: no chance to clean up or ack."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(env: dict[str, str]) -> Worker:
        worker = Worker(env, tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()
