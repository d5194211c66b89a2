"""Media files that follow the database: written and deleted only once the change commits.

A photo row and its files must never disagree. Writers stage the bytes in a `.part` file
beside the final path; the session's commit renames it into place, a rollback (of the
whole transaction or of the savepoint the write was made in, as in an agency's bulk
delivery) removes it. Deletions wait for the commit too, so a refused change keeps its
files. Everything that stores or removes a visit's files goes through `write` and
`remove` here.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.settings import get_settings

log = logging.getLogger(__name__)
PENDING = "storage_pending"


@dataclass
class _Pending:
    path: Path
    staged: Path | None  # None: a deletion
    transaction: SessionTransaction | None


def media_root() -> Path:
    return get_settings().resolved_media_dir


def _pending(db: Session) -> list[_Pending]:
    return db.info.setdefault(PENDING, [])


def _innermost(db: Session) -> SessionTransaction | None:
    """The savepoint a change is made in (or the transaction), so its rollback drops it."""
    return db.get_nested_transaction() or db.get_transaction()


def _queue(db: Session, item: _Pending) -> None:
    _pending(db).append(item)


def write(db: Session, relative: str, data: bytes) -> None:
    """Stage `data` for `relative` under the media root; it appears when `db` commits."""
    path = media_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    with open(staged, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    _queue(db, _Pending(path, staged, _innermost(db)))


def remove(db: Session, relative: str) -> None:
    """Delete `relative` once `db` commits (a rollback keeps it)."""
    _queue(db, _Pending(media_root() / relative, None, _innermost(db)))


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _apply(db: Session) -> None:
    if db.in_nested_transaction():  # a savepoint released: wait for the real commit
        return
    for item in db.info.pop(PENDING, []):
        try:
            if item.staged is None:
                item.path.unlink(missing_ok=True)
            else:
                item.staged.replace(item.path)
        except OSError:  # the row is committed: log loudly, never undo the commit
            log.exception("could not apply a committed file change to %s", item.path)


@event.listens_for(Session, "after_soft_rollback")
def _discard(db: Session, previous_transaction: SessionTransaction) -> None:
    kept = []
    for item in db.info.get(PENDING, []):
        if _within(item.transaction, previous_transaction):
            if item.staged is not None:
                item.staged.unlink(missing_ok=True)
        else:
            kept.append(item)
    db.info[PENDING] = kept


@event.listens_for(Session, "after_transaction_end")
def _discard_unfinished(db: Session, transaction: SessionTransaction) -> None:
    """A session closed without committing leaves no staged file behind."""
    if transaction.parent is not None:
        return
    for item in db.info.pop(PENDING, []):
        if item.staged is not None:
            item.staged.unlink(missing_ok=True)
