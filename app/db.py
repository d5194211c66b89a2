"""Database engine and sessions.

SQLite is the embedded default: WAL so readers never wait for the writer,
`synchronous=NORMAL`, a busy timeout, foreign keys on, and write transactions
begun IMMEDIATE so two concurrent autosaves queue for the lock instead of one
failing with "database is locked" when it upgrades a read lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from app.settings import get_settings

IMMEDIATE = "sqlite_begin_immediate"


def make_engine(url: str) -> Engine:
    """Create an engine with the pragmas and begin behaviour the app relies on."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

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

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    settings = get_settings()
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.resolved_database_url)


def new_session(*, write: bool = True, engine: Engine | None = None) -> Session:
    """A session; `write=True` takes SQLite's write lock at BEGIN (no-op on PostgreSQL)."""
    engine = engine or get_engine()
    if write:
        engine = engine.execution_options(**{IMMEDIATE: True})
    return Session(engine, expire_on_commit=False)


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
