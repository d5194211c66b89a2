"""The audit trail of HQ's changes: accounts, branches, regions, checklists, waves, tokens.

Every flush of a session whose actor is an HQ user (`set_actor`, done for each request by
`app.deps`) is watched: each new, changed or deleted row of those tables becomes one
`AdminChange` with the before and after of the fields that changed, and one `admin_change`
event in the security log. Rows changed by statements rather than objects (the links of
managers to regions) are noted by the service that changes them (`note`). Password hashes
and token hashes are never copied: the trail says only that the password changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel, col, func, select

from app.models import (
    AdminChange,
    AdminObjectKind,
    Agency,
    ApiToken,
    Branch,
    ChangeAction,
    Checklist,
    ChecklistVersion,
    Region,
    Role,
    SecurityEventKind,
    User,
    Wave,
    WaveBranch,
)
from app.models.base import row_id
from app.services import security_log

ACTOR_KEY = "shopmirror_actor"
PENDING_KEY = "shopmirror_admin_changes"
PAGE_SIZE = 50

KIND_OF: dict[type[SQLModel], AdminObjectKind] = {
    User: AdminObjectKind.user,
    Branch: AdminObjectKind.branch,
    Region: AdminObjectKind.region,
    Checklist: AdminObjectKind.checklist,
    ChecklistVersion: AdminObjectKind.checklist,
    Wave: AdminObjectKind.wave,
    WaveBranch: AdminObjectKind.wave,
    Agency: AdminObjectKind.agency,
    ApiToken: AdminObjectKind.token,
}
SECRET = {"password_hash": "password", "token_hash": "token"}  # shown as "changed", never kept
# Bookkeeping, or too large to copy (a checklist version is immutable: its number says it).
SKIPPED = frozenset({"id", "created_at", "last_used_at", "document", "content_hash"})
HIDDEN = None  # the value stored for a secret field: it changed, and that is all


@dataclass(frozen=True)
class Actor:
    """Who makes the changes of a session's transaction, and from which address."""

    user_id: int | None
    role: str
    address: str


def set_actor(db: Session, *, user: User | None, address: str) -> None:
    """Remember the request's user and address on its session (the trail reads them)."""
    if user is None:
        db.info.pop(ACTOR_KEY, None)
        return
    db.info[ACTOR_KEY] = Actor(row_id(user), user.role, address[:64])


def _hq_actor(db: OrmSession) -> Actor | None:
    actor = db.info.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) and actor.role == Role.admin else None


def _plain(value: Any) -> Any:
    """A value as JSON keeps it (dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _label(obj: SQLModel) -> str:
    if isinstance(obj, User):
        return obj.username
    if isinstance(obj, Branch | Region | Checklist):
        return obj.code
    if isinstance(obj, ChecklistVersion):
        return f"{obj.document.get('code', '')} v{obj.version}"
    if isinstance(obj, Wave | Agency):
        return obj.name
    if isinstance(obj, ApiToken):
        return f"{obj.prefix}… {obj.name}"
    if isinstance(obj, WaveBranch):
        return f"wave {obj.wave_id}"
    return ""


def _object_id(obj: SQLModel) -> int | None:
    if isinstance(obj, WaveBranch):
        return obj.wave_id
    value = getattr(obj, "id", None)
    return value if isinstance(value, int) else None


def _columns(obj: SQLModel) -> list[str]:
    return [a.key for a in inspect(type(obj)).column_attrs]


def _created(obj: SQLModel) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in _columns(obj):
        value = getattr(obj, name)
        if name in SKIPPED or value is None or value == "":
            continue
        changes[SECRET.get(name, name)] = HIDDEN if name in SECRET else [None, _plain(value)]
    return changes


def _updated(obj: SQLModel) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for name in _columns(obj):
        if name in SKIPPED:
            continue
        history = state.attrs[name].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        changes[SECRET.get(name, name)] = (
            HIDDEN if name in SECRET else [_plain(before), _plain(after)]
        )
    return changes


@event.listens_for(OrmSession, "after_flush")
def _collect(db: OrmSession, _context: Any) -> None:
    """Note HQ's changes while the flushed rows still carry their history."""
    if _hq_actor(db) is None:
        return
    pending: list[tuple[AdminObjectKind, SQLModel, ChangeAction, dict[str, Any]]] = []
    for obj in db.new:
        if (kind := KIND_OF.get(type(obj))) is not None:
            pending.append((kind, obj, ChangeAction.create, _created(obj)))
    for obj in db.dirty:
        if (kind := KIND_OF.get(type(obj))) is not None and (changes := _updated(obj)):
            pending.append((kind, obj, ChangeAction.update, changes))
    for obj in db.deleted:
        if (kind := KIND_OF.get(type(obj))) is not None:
            pending.append((kind, obj, ChangeAction.delete, {}))
    if pending:
        db.info.setdefault(PENDING_KEY, []).extend(pending)


@event.listens_for(OrmSession, "after_flush_postexec")
def _store(db: OrmSession, _context: Any) -> None:
    """Add the noted changes; the commit's next flush writes them in the same transaction."""
    pending = db.info.pop(PENDING_KEY, None)
    actor = _hq_actor(db)
    if not pending or actor is None:
        return
    for kind, obj, action, changes in pending:
        _add(db, actor, kind, _object_id(obj), _label(obj), action, changes)


def _add(
    db: OrmSession,
    actor: Actor,
    kind: AdminObjectKind,
    object_id: int | None,
    label: str,
    action: ChangeAction,
    changes: dict[str, Any],
) -> None:
    db.add(
        AdminChange(
            user_id=actor.user_id,
            address=actor.address,
            kind=kind,
            object_id=object_id,
            label=label[:200],
            action=action,
            changes=changes,
        )
    )
    security_log.record(
        db,  # type: ignore[arg-type]  # any ORM session adds the row
        kind=SecurityEventKind.admin_change,
        user_id=actor.user_id,
        address=actor.address,
        detail=f"{action} {kind} {label}",
    )


def note(
    db: Session,
    *,
    kind: AdminObjectKind,
    obj: SQLModel,
    field: str,
    before: Any,
    after: Any,
) -> None:
    """One change the flush cannot see (rows replaced by a statement), when HQ makes it."""
    actor = _hq_actor(db)
    if actor is None or before == after:
        return
    changes = {field: [_plain(before), _plain(after)]}
    _add(db, actor, kind, _object_id(obj), _label(obj), ChangeAction.update, changes)


@dataclass
class ChangeRow:
    change: AdminChange
    user: User | None


@dataclass
class ChangePage:
    rows: list[ChangeRow]
    page: int
    pages: int
    total: int


def changes(db: Session, *, kind: str = "", page: int = 1) -> ChangePage:
    """HQ's changes newest first, `PAGE_SIZE` a page, optionally of one kind of object."""
    query = select(AdminChange, User).outerjoin(User, col(User.id) == AdminChange.user_id)
    count = select(func.count()).select_from(AdminChange)
    if kind in AdminObjectKind.__members__:
        query = query.where(AdminChange.kind == kind)
        count = count.where(AdminChange.kind == kind)
    total = int(db.exec(count).one())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.exec(
        query.order_by(col(AdminChange.at).desc(), col(AdminChange.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return ChangePage([ChangeRow(c, u) for c, u in rows], page, pages, total)
