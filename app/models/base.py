"""Shared column types and the metadata naming convention.

The naming convention gives every constraint a stable name so Alembic
migrations can alter and drop them on SQLite (batch mode) and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.settings import get_settings

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware in UTC: the app's one clock (models, services, policy, reports).

    `SHOPMIRROR_CLOCK` moves it to another day (the time of day stays real), so a demo built
    for that day can be rehearsed and the whole suite run "on" any date; unset, it is the
    real clock.
    """
    return datetime.now(UTC) + clock_offset()


def clock_offset() -> timedelta:
    """Whole days between the real calendar and the `SHOPMIRROR_CLOCK` day (zero when unset).

    A date is turned into days once per setting, so a rehearsal that runs across midnight
    keeps flowing into the next day instead of jumping back; a number is the days themselves.
    """
    return _offset_for(get_settings().shopmirror_clock)


@lru_cache(maxsize=4)
def _offset_for(day: date | int | None) -> timedelta:
    if day is None:
        return timedelta(0)
    if isinstance(day, int):
        return timedelta(days=day)
    return day - datetime.now(UTC).date()


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores UTC; always returns aware datetimes (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp(*, nullable: bool = False, index: bool = False, default: bool = False) -> Any:
    """A UTC timestamp column; `default=True` stamps it on insert."""
    return Field(
        default_factory=utcnow if default else None,
        sa_type=UTCDateTime(),
        nullable=nullable,
        index=index,
    )


def json_column(*, nullable: bool = True) -> Any:
    """A JSON column (JSONB on PostgreSQL)."""
    json_type = sa.JSON().with_variant(JSONB(), "postgresql")
    return Field(default=None, sa_type=json_type, nullable=nullable)


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def row_id(row: _Row) -> int:
    """The primary key of a stored row; ``id`` is ``None`` only until the row is flushed."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id: it was never flushed")
    return row.id
