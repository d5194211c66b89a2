"""Work that may start only once the transaction recording it has committed.

A queued export or rescore is sent to a worker (or a thread) that reads its row in its own
session: started before the commit, it would find nothing, and started after a rollback it
would run a job that no longer exists. `after_commit` keeps the action on the session and
runs it after the outermost commit; a rollback of the whole transaction drops it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

PENDING = "shopmirror_after_commit"  # in Session.info: the actions waiting for the commit


def after_commit(db: Session, action: Callable[[], object]) -> None:
    """Run `action` once `db`'s transaction has committed (never if it rolls back)."""
    db.info.setdefault(PENDING, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_committed(db: Session) -> None:
    if db.in_nested_transaction():
        return
    for action in db.info.pop(PENDING, []):
        action()


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(db: Session, _previous_transaction: Any) -> None:
    if not db.in_transaction():
        db.info.pop(PENDING, None)
