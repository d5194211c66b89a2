"""The database layer: SQLite pragmas, IMMEDIATE writes, and migrations matching models."""

from __future__ import annotations

import threading

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from app.db import make_engine, new_session


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_sqlite_pragmas_for_concurrent_field_work(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_concurrent_sqlite_writers_queue_instead_of_failing(tmp_path):
    """Read-then-write transactions from many threads: none fails with 'database is locked'."""
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[Exception] = []

    def bump() -> None:
        try:
            for _ in range(20):
                with new_session(engine=engine) as session:
                    n = session.exec(text("SELECT n FROM counter")).scalar()
                    session.exec(text("UPDATE counter SET n = :n"), params={"n": n + 1})
                    session.commit()
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar() == 160  # no lost update


def test_writers_of_one_process_take_turns_and_a_dropped_one_lets_the_next_in(tmp_path):
    """The second writer waits in the process's queue (not in SQLite's sleeping busy handler)
    and starts as soon as the first ends, even one handed back without COMMIT or ROLLBACK."""
    from app.db import WRITER

    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    first = new_session(engine=engine)
    first.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: this session holds the turn
    assert first.connection().info[WRITER] is True
    began = threading.Event()

    def second_writer() -> None:
        with new_session(engine=engine) as second:
            second.execute(text("SELECT 1"))
            began.set()
            second.commit()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not began.wait(0.3)  # queued behind the first
    first.close()  # no commit: the pool's reset on check-in ends the turn
    assert began.wait(5)
    thread.join(5)
    with new_session(engine=engine) as third:  # and the turn came back after the commit
        third.execute(text("SELECT 1"))
        third.rollback()
    engine.dispose()
