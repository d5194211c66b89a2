"""A full database answers 507 with what happens to the change, never a bare 500.

Both databases really run out of room, in a database of the test's own (SQLite may cancel
the whole transaction on a full disk, which a test's enclosing transaction would not
survive): SQLite through its page limit (`max_page_count`, which fails exactly as a full
disk does: SQLITE_FULL), PostgreSQL through a trigger that raises its disk_full error
(SQLSTATE 53100) on an insert. Nothing is stored; the phone, told 507, keeps the change in
its outbox (outbox.js retries every 5xx; visit.js shows the server's reason).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg.errors
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from app.db import database_full
from app.models import Answer
from app.services.checklists import import_checklist
from tests.conftest import build_world, csrf_of, fresh_postgres_url, login
from tests.visit.conftest import CHECKLIST, make_visit

JSON = {"accept": "application/json"}
STORY = "What happened at the counter, at length. " * 450  # 18,450 characters: new pages
SHOPPER_MESSAGE = (
    "The server is out of space: your changes wait on the phone and are sent again later."
)


@pytest.fixture(params=["sqlite", "postgresql"])
def own(request, tmp_path: Path, monkeypatch) -> Iterator[dict]:
    """A migrated database of either kind with the visit tests' world, and the app on it."""
    from app.db import get_engine, make_engine
    from app.migrate import upgrade_head
    from app.settings import get_settings

    kind = request.param
    url = f"sqlite:///{tmp_path / 'full.db'}" if kind == "sqlite" else fresh_postgres_url()
    engine = make_engine(url)
    with engine.connect() as conn:
        upgrade_head(conn)
        conn.commit()
    with Session(engine, expire_on_commit=False) as db:
        world = build_world(db)
        version, _ = import_checklist(db, source=CHECKLIST)
        db.commit()
        visit = make_visit(db, world, version)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    get_engine.cache_clear()
    from app.main import create_app

    with TestClient(create_app(), follow_redirects=False) as client:
        yield {"kind": kind, "client": client, "visit_id": visit.id, "url": url}
    get_engine().dispose()
    monkeypatch.undo()
    get_settings.cache_clear()
    get_engine.cache_clear()


@contextmanager
def full_database(kind: str) -> Iterator[None]:
    """The app's database refuses to grow while inside."""
    from app.db import get_engine

    engine = get_engine()
    if kind == "sqlite":
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

        def limit(dbapi_connection, _record) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        event.listen(engine, "connect", limit)
        engine.dispose()  # every connection from here on has the limit
        try:
            yield
        finally:
            event.remove(engine, "connect", limit)
            engine.dispose()
        return
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device' "
                "USING ERRCODE = 'disk_full'; END $$"
            )
        )
        for table in ("answer", "checklistversion"):
            conn.execute(
                text(
                    f"CREATE TRIGGER test_disk_full BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION test_disk_full()"
                )
            )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP FUNCTION test_disk_full() CASCADE"))


def stored(model, engine: Engine) -> list:
    with Session(engine) as db:
        return list(db.exec(select(model)))


def test_an_autosave_into_a_full_database_is_507_and_stores_nothing(own):
    from app.db import get_engine

    client = own["client"]
    login(client, "shopper", "shopper-pass")
    client.headers.update({"x-csrf-token": csrf_of(client, "/")})
    url = f"/visits/{own['visit_id']}/answers"
    data = {"item_id": "story", "value": STORY, "client_id": "c1"}
    with full_database(own["kind"]):
        response = client.post(url, data=data, headers=JSON)
        assert response.status_code == 507
        assert response.json() == {"detail": SHOPPER_MESSAGE}
        client.headers["accept-language"] = "zh-CN"
        chinese = client.post(url, data=data | {"client_id": "c2"}, headers=JSON)
        assert chinese.status_code == 507
        assert chinese.json()["detail"] == "服务器存储空间已满：更改保存在手机上，稍后会再次发送。"
    assert stored(Answer, get_engine()) == []
    again = client.post(url, data=data, headers=JSON)  # room again: the outbox's retry
    assert again.status_code == 200 and again.json()["state"] == "saved"
    assert [a.client_id for a in stored(Answer, get_engine())] == ["c1"]


def test_an_office_form_into_a_full_database_says_nothing_was_saved(own):
    """HQ stores a checklist (its document is a large row) while the database is full."""
    import json

    from app.db import get_engine
    from app.models import ChecklistVersion

    client = own["client"]
    login(client, "admin", "admin-pass")
    token = csrf_of(client, "/admin/checklists")
    document = json.loads(json.dumps(CHECKLIST)) | {"code": "full-test", "name": "Full test"}
    document["sections"][0]["items"][1]["help"] = "How the greeting sounded. " * 800
    form = {"csrf_token": token, "text": json.dumps(document)}
    before = len(stored(ChecklistVersion, get_engine()))
    with full_database(own["kind"]):
        response = client.post("/admin/checklists", data=form)
    assert response.status_code == 507, response.text[:500]
    assert "nothing was saved" in response.text and "Traceback" not in response.text
    assert len(stored(ChecklistVersion, get_engine())) == before


@pytest.mark.parametrize(
    ("error", "full"),
    [
        (OperationalError("INSERT", {}, sqlite3.OperationalError("locked")), False),
        (OperationalError("INSERT", {}, psycopg.errors.DiskFull("could not extend")), True),
        (OperationalError("INSERT", {}, psycopg.errors.QueryCanceled("timeout")), False),
        (IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("dup")), False),
        (OSError(28, "No space left on device"), False),  # files: storage.out_of_space
    ],
    ids=["sqlite-locked", "pg-disk-full", "pg-timeout", "integrity", "oserror"],
)
def test_only_a_full_database_is_told_apart(error, full):
    assert database_full(error) is full


def test_sqlites_own_full_error_is_told_apart(tmp_path):
    """The real SQLITE_FULL, from a database file that may not grow."""
    connection = sqlite3.connect(tmp_path / "tiny.db")
    connection.execute("CREATE TABLE t (x TEXT)")
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError) as raised:
        connection.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    connection.close()
    assert database_full(OperationalError("INSERT", {}, raised.value))
    assert os.path.exists(tmp_path / "tiny.db")
