"""The security event log: logins, failed logins, refused requests and admin changes.

Each event says who (the account, or the username typed), what, when and from where: the
client address of `app.deps.client_address`, which believes X-Forwarded-For only when a
proxy listed in `TRUSTED_PROXIES` sent it (none by default). Events join the caller's
transaction; the two kinds that happen on a request that fails are kept another way: a
failed login is stored before the password is checked (`app.services.auth.authenticate`),
a refusal after the request's rollback, in a transaction of its own (`app.main`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, func, select

from app.models import SecurityEvent, SecurityEventKind, User
from app.models.base import row_id

PAGE_SIZE = 50


def record(
    db: Session,
    *,
    kind: SecurityEventKind,
    user_id: int | None = None,
    username: str = "",
    address: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Add one event to the caller's transaction."""
    event = SecurityEvent(
        kind=kind,
        user_id=user_id,
        username=username[:64],
        address=address[:64],
        detail=detail[:300],
    )
    db.add(event)
    return event


def login_attempt(db: Session, *, username: str, address: str) -> SecurityEvent:
    """A login as a failure until the password proves otherwise (`login_succeeded`).

    Stored in the transaction that counts the attempt, before the hash: a failed login is
    then kept whatever happens to the rest of the request.
    """
    return record(db, kind=SecurityEventKind.login_failed, username=username, address=address)


def login_succeeded(db: Session, *, event: SecurityEvent, user: User) -> None:
    event.kind = SecurityEventKind.login
    event.user_id = row_id(user)
    db.add(event)


@dataclass
class EventRow:
    event: SecurityEvent
    user: User | None


@dataclass
class EventPage:
    rows: list[EventRow]
    page: int
    pages: int
    total: int


def events(db: Session, *, kind: str = "", page: int = 1) -> EventPage:
    """Newest first, `PAGE_SIZE` a page, optionally of one kind (HQ's security log page)."""
    query = select(SecurityEvent, User).outerjoin(User, col(User.id) == SecurityEvent.user_id)
    count = select(func.count()).select_from(SecurityEvent)
    if kind in SecurityEventKind.__members__:
        query = query.where(SecurityEvent.kind == kind)
        count = count.where(SecurityEvent.kind == kind)
    total = int(db.exec(count).one())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.exec(
        query.order_by(col(SecurityEvent.at).desc(), col(SecurityEvent.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return EventPage([EventRow(e, u) for e, u in rows], page, pages, total)


LOGIN_KINDS = (SecurityEventKind.login, SecurityEventKind.login_failed)


def purge_logins(db: Session, *, before: datetime) -> int:
    """Forget login attempts (with their usernames and addresses) older than `before`."""
    result = db.exec(
        delete(SecurityEvent).where(
            col(SecurityEvent.kind).in_([k.value for k in LOGIN_KINDS]),
            col(SecurityEvent.at) < before,
        )
    )
    return int(result.rowcount or 0)
