"""Login throttling that slows guessing down without locking the innocent out.

Every attempt is counted *before* its password is checked, in a short transaction that
locks the counters' rows, so concurrent guesses are checked at most as often as the
limit allows (PostgreSQL: `SELECT ... FOR UPDATE`; SQLite: its single writer). A
success takes its own count back. After `login_max_failures` free failures a key must
wait, the wait doubling per further failure up to `login_lockout_seconds`.

Keys: the username *at this address* always; the username alone and the address alone
only for devices that have not logged in to this account before (the device cookie),
so an attacker failing elsewhere, or on the same office network, never stops a user
on their own phone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from app.errors import TooManyAttempts
from app.i18n import _
from app.models import LoginThrottle, utcnow
from app.settings import get_settings

UNKNOWN_DEVICE_FACTOR = 4  # a username or an address alone may fail this many times more
FORGET_AFTER = timedelta(days=1)  # counters untouched this long are purged


@dataclass(frozen=True)
class Key:
    name: str
    free: int  # failures allowed before waits begin


def keys_for(username: str, address: str, *, known_device: bool) -> list[Key]:
    """The counters an attempt is checked against, in a fixed order (no lock cycles)."""
    limit = get_settings().login_max_failures
    keys = [Key(f"pair:{username}|{address}", limit)]
    if not known_device:
        keys += [
            Key(f"user:{username}", limit * UNKNOWN_DEVICE_FACTOR),
            Key(f"addr:{address}", limit * UNKNOWN_DEVICE_FACTOR * 2),
        ]
    return sorted(keys, key=lambda k: k.name)


def wait_after(failures_over: int) -> timedelta:
    """The wait once `failures_over` failures reach past the free ones: doubling, capped."""
    settings = get_settings()
    seconds = settings.login_backoff_seconds * 2 ** min(failures_over - 1, 30)
    return timedelta(seconds=min(seconds, settings.login_lockout_seconds))


def _insert_missing(db: Session, names: list[str], now: datetime) -> None:
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [{"key": n, "failures": 0, "next_allowed_at": now, "updated_at": now} for n in names]
    db.execute(insert(LoginThrottle).values(rows).on_conflict_do_nothing())


def reserve(db: Session, keys: list[Key], *, now: datetime | None = None) -> None:
    """Count this attempt on every key, or refuse it (nothing counted) while one must wait."""
    now = now or utcnow()
    _insert_missing(db, [k.name for k in keys], now)
    rows = {
        row.key: row
        for row in db.exec(
            select(LoginThrottle)
            .where(col(LoginThrottle.key).in_([k.name for k in keys]))
            .order_by(col(LoginThrottle.key))
            .with_for_update()
        )
    }
    quiet = timedelta(seconds=2 * get_settings().login_lockout_seconds)
    for row in rows.values():
        if now - row.updated_at > quiet:  # long quiet: the counter starts afresh
            row.failures, row.next_allowed_at = 0, now
    waits = [rows[k.name].next_allowed_at - now for k in keys]
    longest = max(waits)
    if longest > timedelta(0):
        seconds = math.ceil(longest.total_seconds())
        raise TooManyAttempts(
            _("Too many failed attempts. Try again in %(seconds)s seconds.", seconds=seconds)
        )
    for key in keys:
        row = rows[key.name]
        row.failures += 1  # counted as a failure until `release` says otherwise
        row.updated_at = now
        if row.failures >= key.free:  # the next attempt waits
            row.next_allowed_at = now + wait_after(row.failures - key.free + 1)
        db.add(row)


def release(db: Session, keys: list[Key]) -> None:
    """A successful login: its own pair starts afresh, the wider keys take back its count."""
    for key in keys:
        row = db.get(LoginThrottle, key.name, with_for_update=True)
        if row is None:
            continue
        if key.name.startswith("pair:"):
            db.delete(row)
            continue
        row.failures = max(0, row.failures - 1)
        if row.failures < key.free:  # this attempt's own reservation set no wait after all
            row.next_allowed_at = row.updated_at
        db.add(row)


def purge(db: Session, *, now: datetime | None = None) -> int:
    """Forget counters nobody touched for a day (a stale key must not grow forever)."""
    cutoff = (now or utcnow()) - FORGET_AFTER
    result = db.exec(delete(LoginThrottle).where(col(LoginThrottle.updated_at) < cutoff))
    return int(result.rowcount or 0)
