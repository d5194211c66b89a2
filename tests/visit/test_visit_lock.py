"""The visit's row lock is taken once per transaction: the autosave's access check reads the
visit under it, and the change's own lock keeps that read (a visit read less per answer)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from app.services import visit_lock
from tests.conftest import csrf_of, login

VISIT_READ = re.compile(r"\bFROM visit\b", re.IGNORECASE)


@contextmanager
def visit_reads(db) -> Iterator[list[str]]:
    """The statements that read the visit table, sent on the test's connection."""
    seen: list[str] = []
    engine = db.get_bind().engine

    def record(_conn, _cursor, statement, *_args) -> None:
        if VISIT_READ.search(statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_an_autosave_reads_its_visit_once(client, db, world, visit):
    login(client, "shopper", "shopper-pass")
    client.headers.update({"x-csrf-token": csrf_of(client, "/"), "accept": "application/json"})
    url = f"/visits/{visit.id}/answers"
    with visit_reads(db) as reads:
        response = client.post(url, data={"item_id": "smile", "value": "yes", "client_id": "c1"})
    assert response.status_code == 200 and response.json()["state"] == "saved"
    assert len(reads) == 1, reads
    assert "FOR UPDATE" in reads[0] or db.get_bind().dialect.name == "sqlite"


def test_someone_elses_visit_is_not_found_under_the_lock_either(client, db, world, visit):
    login(client, "shopper2", "shopper2-pass")
    client.headers.update({"x-csrf-token": csrf_of(client, "/"), "accept": "application/json"})
    response = client.post(
        f"/visits/{visit.id}/answers", data={"item_id": "smile", "value": "yes", "client_id": "x"}
    )
    assert response.status_code == 404


def test_a_lock_is_read_again_after_the_transaction_ends(db, visit):
    with visit_reads(db) as reads:
        locked = visit_lock.load_locked(db, visit.id)
        assert locked is visit and visit_lock.lock(db, visit) is visit
        assert len(reads) == 1  # the second lock kept the first read
        db.commit()
        visit_lock.lock(db, visit)
        assert len(reads) == 2  # a new transaction takes the lock again
        db.rollback()  # expires the visit too: its refresh is a plain read, then the lock's
        visit_lock.lock(db, visit)
        assert "checklistversion" in reads[-1].lower() and len(reads) > 2


def test_a_missing_visit_is_none(db):
    assert visit_lock.load_locked(db, 987654) is None
