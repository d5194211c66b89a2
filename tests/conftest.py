"""Test harness: a database built by the migrations, each test rolled back.

`DATABASE_URL` picks the backend: unset means a fresh SQLite file; a PostgreSQL
URL means a fresh database is created on that server for this run and dropped
afterwards. Tests that need committed data across processes (the browser tests)
get their own database from `fresh_database_url` (or a copy of a built one from
`copy_database`).

Under pytest-xdist every worker is its own session: its own temporary directory
(hence VAR_DIR and media), its own databases named after the worker, its own
servers on ports the OS hands out; nothing is shared between workers.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

# Hypothesis's default 200 ms per example is a wall-clock limit: with the suite's workers and a
# busy 2-core machine an example can wait that long for a core, and the test fails for no fault
# of the code. The properties are what is tested, not their speed (the benches time things).
settings.register_profile("shopmirror", deadline=None)
settings.load_profile("shopmirror")

BASE_URL = os.environ.get("DATABASE_URL", "")
os.environ["GC_FREEZE"] = "false"  # the app's start-up freeze is for long-lived servers
# "gw0", "gw1"... under pytest-xdist; in the names so a leftover database says whose it was.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# The PostgreSQL server of the tests that need one whatever DATABASE_URL says (several
# processes on one database: the multi-instance test).
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL",
    BASE_URL
    if BASE_URL.startswith("postgresql")
    else "postgresql+psycopg://postgres@127.0.0.1:5432/test",
)
_created_databases: list[tuple[str, str]] = []  # (server URL, database name)


def _admin_engine(server: str = BASE_URL):
    return create_engine(make_url(server), isolation_level="AUTOCOMMIT")


def _new_name() -> str:
    return f"shopmirror_test_{WORKER}_{uuid.uuid4().hex[:10]}"


def _create_database(template: str | None = None, server: str = BASE_URL) -> str:
    """CREATE DATABASE on the server (the configured one by default), registered for
    dropping; returns its URL."""
    name = _new_name()
    engine = _admin_engine(server)
    with engine.connect() as conn:
        copy_of = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    engine.dispose()
    _created_databases.append((server, name))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def fresh_database_url(tmp_dir: Path) -> str:
    """A new, empty database of the configured kind (dropped at the end of the run)."""
    if not BASE_URL.startswith("postgresql"):
        return f"sqlite:///{tmp_dir / f'{_new_name()}.db'}"
    return _create_database()


def fresh_postgres_url() -> str:
    """A new, empty PostgreSQL database on POSTGRES_URL's server, even on a SQLite run.

    Skips the test when the server is unreachable, except under CI=true, where it fails.
    """
    try:
        return _create_database(server=POSTGRES_URL)
    except OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable under CI: {exc}")
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")


def copy_database(source_url: str, tmp_dir: Path) -> str:
    """A new database holding what `source_url` holds (built once, copied for each server).

    Building the demo takes a migration and thousands of inserts; a copy takes a moment.
    SQLite copies with the backup API (consistent even if a WAL file is left); PostgreSQL
    uses the source as a template, which must have no open connection at that moment.
    """
    if not source_url.startswith("postgresql"):
        target = tmp_dir / f"{_new_name()}.db"
        source = sqlite3.connect(make_url(source_url).database or "")
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return f"sqlite:///{target}"
    return _create_database(template=make_url(source_url).database)


def _drop_created_databases() -> None:
    for server, name in reversed(_created_databases):  # copies before their template
        engine = _admin_engine(server)
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    _created_databases.clear()


def pytest_sessionfinish(session, exitstatus) -> None:
    """Drop this session's (this worker's) PostgreSQL databases, servers' ones included.

    A hook rather than a fixture's teardown: a run of the browser tests alone makes
    databases without ever asking for the `database_url` fixture.
    """
    _drop_created_databases()


@pytest.fixture(scope="session")
def test_var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def database_url(test_var_dir) -> Iterator[str]:
    url = fresh_database_url(test_var_dir)
    os.environ["DATABASE_URL"] = url
    os.environ["VAR_DIR"] = str(test_var_dir)
    from app.db import get_engine
    from app.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_engine().dispose()


@pytest.fixture(scope="session")
def engine(database_url):
    from app.db import get_engine
    from app.migrate import upgrade_head

    engine = get_engine()
    with engine.connect() as conn:
        upgrade_head(conn)
        conn.commit()
    return engine


@pytest.fixture
def db(engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def app(db):
    from app.deps import get_auth_db, get_db, get_log_db
    from app.main import create_app

    application = create_app()

    def test_db():
        try:
            yield db
            db.commit()
        except Exception:
            db.rollback()
            raise

    def test_auth_db():
        return lambda: nullcontext(db)

    @contextmanager
    def test_log_session():
        yield db
        db.commit()

    application.dependency_overrides[get_db] = test_db
    application.dependency_overrides[get_auth_db] = test_auth_db
    application.dependency_overrides[get_log_db] = lambda: test_log_session
    return application


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client, path: str = "/") -> str:
    """The CSRF token a page hands out (as a browser would read it from the form)."""
    page = client.get(path, follow_redirects=True)
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str):
    token = csrf_of(client, "/login")
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


@pytest.fixture
def world(db):
    """Two regions with branches and one user per role (passwords: '<username>-pass')."""
    return build_world(db)


def build_world(db) -> dict:
    """The `world` fixture's data, in any session (a test's own database too)."""
    from app.models import Branch, Region
    from app.services.auth import create_user

    east = Region(code="E", name="East")
    south = Region(code="S", name="South")
    db.add_all([east, south])
    db.flush()
    branches = {
        "E1": Branch(code="E1", name="East One", region_id=east.id),
        "E2": Branch(code="E2", name="East Two", region_id=east.id),
        "S1": Branch(code="S1", name="South One", region_id=south.id),
    }
    db.add_all(branches.values())
    db.flush()
    users = {}
    for username, role, regions in (
        ("admin", "admin", []),
        ("manager", "manager", [east.id]),
        ("reviewer", "reviewer", []),
        ("shopper", "shopper", []),
        ("shopper2", "shopper", []),
    ):
        users[username] = create_user(
            db,
            username=username,
            name=username.title(),
            role=role,
            password=f"{username}-pass",
            region_ids=regions,
        )
    db.flush()
    return {"regions": {"E": east, "S": south}, "branches": branches, "users": users}


# --- media storage: the local directory and a real S3-compatible server -----------------

STORAGE_BACKENDS = ("local", "s3")
S3_KEYS = ("STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_REGION")
S3_CREDENTIALS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's standalone S3 server (HTTP on a free loopback port), one per test session.

    A real server that boto3 talks to over the network, not a mock object: signing,
    presigned URLs, copies and listings go through the same code as against MinIO or AWS.
    """
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # a free port
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_environment(endpoint: str) -> dict[str, str]:
    """Settings (as environment variables) for a new, empty bucket on the test server."""
    import boto3

    bucket = f"shopmirror-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=bucket)
    return {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": endpoint,
        "S3_BUCKET": bucket,
        "S3_REGION": "us-east-1",
        **S3_CREDENTIALS,
    }


def use_storage(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> None:
    """Point the loaded settings and any process started from here (pool workers, the CLI)
    at the given store."""
    from app.settings import get_settings

    settings = get_settings()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
        monkeypatch.setattr(settings, name.lower(), value)


@pytest.fixture(params=STORAGE_BACKENDS)
def media_backend(request, monkeypatch) -> str:
    """Run a test once on the local media directory and once on the S3 test server."""
    if request.param == "s3":
        use_storage(monkeypatch, s3_environment(request.getfixturevalue("s3_endpoint")))
    return request.param


def stored_bytes(key: str) -> bytes | None:
    """A stored file's bytes, from whichever backend the test runs on."""
    from app import storage

    return storage.backend().get(key)


def stored_keys(prefix: str = "") -> list[str]:
    """Every object under `prefix`, staged ones included (a leftover is a defect)."""
    from app import storage

    store = storage.backend()
    if isinstance(store, storage.S3Backend):
        found = store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
        return sorted(o["Key"] for o in found if o["Key"].startswith((prefix, "_staging/")))
    root = store.root / prefix
    return (
        sorted(p.relative_to(store.root).as_posix() for p in root.rglob("*") if p.is_file())
        if root.is_dir()
        else []
    )
