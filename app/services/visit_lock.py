"""A visit's row lock, taken once per transaction.

Every change to a visit (an answer, a photo, a submission) reloads it under a row lock,
so concurrent saves and a submit queue up instead of overwriting each other. The
autosave reads the visit for its access check under that lock already (one read instead
of two, a fifth of its time); a later `lock` in the same transaction then keeps what was
read rather than read it again. The record of what this transaction locked lives in the
session's `info` and is cleared when the transaction ends, so a lock is never assumed
across a commit or a rollback.
"""

from __future__ import annotations

from sqlalchemy import bindparam, event
from sqlmodel import Session, col, select

from app.models import ChecklistVersion, Visit
from app.scoring import Checklist as ChecklistDoc
from app.services.checklists import parsed_version

LOCKED = "shopmirror_locked_visits"  # in Session.info: {visit id: its version's hash}

# Built once: building a statement cost about as much as running it.
LOCK_WITH_HASH = (
    select(Visit, ChecklistVersion.content_hash)
    .join(ChecklistVersion, col(ChecklistVersion.id) == Visit.checklist_version_id)
    .where(col(Visit.id) == bindparam("visit"))
    .with_for_update(of=Visit)
    .execution_options(populate_existing=True)
)


def _locked(db: Session) -> dict[int, str]:
    return db.info.setdefault(LOCKED, {})


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, _transaction: object) -> None:
    """Locks end with the transaction: the next one must take them again (a savepoint's end
    clears them too, which only costs a read)."""
    session.info.pop(LOCKED, None)


def load_locked(db: Session, visit_id: int) -> Visit | None:
    """The visit read under its row lock (None if there is none), remembered as locked."""
    row = db.exec(LOCK_WITH_HASH, params={"visit": visit_id}).first()
    if row is None:
        return None
    visit, digest = row
    _locked(db)[visit_id] = digest
    return visit


def lock(db: Session, visit: Visit) -> Visit:
    """The visit under its row lock: reloaded, unless this transaction has locked it."""
    assert visit.id is not None  # a stored visit
    if visit.id not in _locked(db):
        found = load_locked(db, visit.id)
        assert found is not None  # it was loaded in this session, and visits are kept
        return found
    return visit


def lock_with_checklist(db: Session, visit: Visit) -> tuple[Visit, ChecklistDoc]:
    """`lock`, and the visit's checklist: its version's hash comes with the locked read."""
    visit = lock(db, visit)
    assert visit.id is not None
    return visit, parsed_version(db, visit.checklist_version_id, _locked(db)[visit.id])
