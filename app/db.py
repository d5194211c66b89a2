"""Database engine and sessions.

SQLite is the embedded default: WAL so readers never wait for the writer,
`synchronous=NORMAL`, a busy timeout, foreign keys on, and write transactions
begun IMMEDIATE so two concurrent autosaves queue for the lock instead of one
failing with "database is locked" when it upgrades a read lock, and the writers of one
process queue in turn for that lock (`make_engine`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from app.settings import get_settings

DISK_FULL_SQLSTATE = "53100"  # PostgreSQL's disk_full ("could not extend file ...")
IMMEDIATE = "sqlite_begin_immediate"
WRITER = "shopmirror_writer"  # in a connection's info: it holds this process's writer turn
WRITER_WAIT = 30  # seconds, as busy_timeout
SQLITE_POOL = 40  # connections kept open: one per worker thread of the thread pool


def make_engine(url: str) -> Engine:
    """Create an engine with the pragmas and begin behaviour the app relies on."""
    if not url.startswith("sqlite"):
        settings = get_settings()
        return create_engine(
            url,
            pool_pre_ping=True,  # a connection the server or a proxy dropped is replaced
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )
    # One pooled connection per worker thread (anyio's default limit is 40): with the default
    # pool of 5 (+10 overflow) a burst of autosaves waited for a connection, and every
    # overflow connection was opened, given its PRAGMAs and closed again for one request.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=SQLITE_POOL,
        max_overflow=10,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=30000",
            "foreign_keys=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    # Writers of this process queue here, woken in turn as each commits, before BEGIN
    # IMMEDIATE: SQLite's own busy handler makes a waiting writer sleep and retry (1, 2, 5 ...
    # 100 ms), so under a burst of autosaves most of the time went in sleeps after the lock
    # was already free. SQLite's lock still guards the database (other processes, the CLI);
    # after WRITER_WAIT the writer goes on to it as before rather than wait here for ever.
    writer = threading.Lock()

    def _release(info: dict) -> None:
        if info.pop(WRITER, False):
            writer.release()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        if immediate and writer.acquire(timeout=WRITER_WAIT):
            conn.info[WRITER] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        except BaseException:
            _release(conn.info)
            raise

    for name in ("commit", "rollback"):
        event.listen(engine, name, lambda conn: _release(conn.info))
    # A connection handed back or dropped without COMMIT or ROLLBACK lets the next one in.
    event.listen(engine, "checkin", lambda _dbapi, record: _release(record.info))
    event.listen(engine, "invalidate", lambda _dbapi, record, _exc: _release(record.info))
    return engine


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    settings = get_settings()
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.resolved_database_url)


@lru_cache(maxsize=8)
def _writing(engine: Engine, _pool: object) -> Engine:
    """The engine's IMMEDIATE variant, made once per pool: every write request made a new one.

    Keyed by the pool too: `dispose()` gives the engine a new pool, and a variant made
    before it would go on drawing from the old one.
    """
    return engine.execution_options(**{IMMEDIATE: True})


def new_session(*, write: bool = True, engine: Engine | None = None) -> Session:
    """A session; `write=True` takes SQLite's write lock at BEGIN (no-op on PostgreSQL)."""
    engine = engine or get_engine()
    return Session(_writing(engine, engine.pool) if write else engine, expire_on_commit=False)


@contextmanager
def session_scope(*, write: bool = True) -> Iterator[Session]:
    """Yield a session committed on success and rolled back on error."""
    with new_session(write=write) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def database_full(error: BaseException) -> bool:
    """The database could not grow: SQLite's "database or disk is full" (SQLITE_FULL, also
    its max_page_count) or PostgreSQL's disk_full. The data is still the client's to keep
    and send again, not a fault to answer with 500."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.orig
    if isinstance(cause, sqlite3.OperationalError):
        return getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    return getattr(cause, "sqlstate", None) == DISK_FULL_SQLSTATE
