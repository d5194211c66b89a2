"""Run Alembic programmatically (the CLI, the image's start, `make run` and the tests use this).

Several instances may start at once (compose, a rolling deploy), each running `shopmirror
migrate` first. One must run the migrations and the others wait, then find the schema at
head and do nothing; two running them side by side would both try to create the same
tables ("relation already exists") or apply one migration twice. So the upgrade runs
under a lock the database server or the file system holds for us:

- PostgreSQL: `pg_advisory_xact_lock` taken in the migrations' own transaction (DDL is
  transactional there), so the lock is released by the commit that makes the new schema
  visible, or by the rollback of a failed migration; a crashed process's lock dies with
  its connection.
- SQLite: an exclusive `flock` on a file beside the database (`<db>.migrate-lock`), held
  for the upgrade; the kernel drops it when the process ends.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from app.settings import PROJECT_ROOT

# The advisory lock's key: any fixed 64-bit number no other part of the app uses.
ADVISORY_LOCK_KEY = 0x53484F504D495252  # "SHOPMIRR"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(Path(PROJECT_ROOT) / "alembic.ini"))
    config.set_main_option("script_location", str(Path(PROJECT_ROOT) / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the database's migration lock while the body runs (see the module's note).

    PostgreSQL's lock belongs to the connection's transaction: it lasts until the
    caller's commit or rollback, however the body ends.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        yield
        return
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # an in-memory database has one user: nothing to share
        return
    lock_path = Path(f"{database}.migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for another process's upgrade
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade_head(connection: Connection | None = None) -> None:
    """Upgrade to the newest schema, one process at a time.

    With a connection, its transaction is the caller's to commit (the lock is held until
    then on PostgreSQL); without one, a connection of the app's engine is used and
    committed here.
    """
    if connection is None:
        from app.db import get_engine

        with get_engine().connect() as own, migration_lock(own):
            command.upgrade(alembic_config(own), "head")
            own.commit()
        return
    with migration_lock(connection):
        command.upgrade(alembic_config(connection), "head")
