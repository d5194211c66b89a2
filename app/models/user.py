"""Accounts, their roles, manager regions, sessions and login throttling."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import timestamp


class Role(StrEnum):
    admin = "admin"
    manager = "manager"
    reviewer = "reviewer"
    shopper = "shopper"


class User(SQLModel, table=True):
    __table_args__ = (
        sa.CheckConstraint("role IN ('admin','manager','reviewer','shopper')", name="role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    email: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=200)
    language: str = Field(default="", max_length=10)  # "" = follow the browser
    # The shopper's chosen language for checklist texts (among a checklist's `languages`);
    # "" = the interface language when the checklist has it, else its first.
    content_language: str = Field(default="", max_length=35)
    home_region_id: int | None = Field(default=None, foreign_key="region.id")
    active: bool = True
    created_at: datetime = timestamp(default=True)
    # TOTP two-factor login (office roles, app.services.two_factor): the base32 secret, set
    # while enrolling and kept once confirmed; `totp_enabled_at` says it is on.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_enabled_at: datetime | None = timestamp(nullable=True)
    # The last 30-second step whose code was accepted: a code is good once, never replayed.
    totp_last_step: int | None = Field(default=None, sa_type=sa.BigInteger())


class RecoveryCode(SQLModel, table=True):
    """A single-use code that stands in for the authenticator app (its sha256 only)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = timestamp(nullable=True)


class ManagerRegion(SQLModel, table=True):
    """The regions a manager is responsible for (a manager may hold several)."""

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    region_id: int = Field(foreign_key="region.id", primary_key=True, ondelete="CASCADE")


class UserSession(SQLModel, table=True):
    """A server-side login session; the cookie holds only the random token's id."""

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie token
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    csrf_token: str = Field(max_length=64)
    created_at: datetime = timestamp(default=True)
    expires_at: datetime = timestamp()
    # Last request seen (at most every few minutes): idle sessions end (app.services.auth).
    last_seen_at: datetime | None = timestamp(nullable=True)


class LoginThrottle(SQLModel, table=True):
    """Failed-login counters that slow guessing down (backoff) instead of locking accounts.

    One row per key: a username at one address (``pair:``), a username from unknown devices
    (``user:``), an address for unknown devices (``addr:``). See `app.services.throttle`.
    """

    key: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    next_allowed_at: datetime = timestamp(default=True)
    updated_at: datetime = timestamp(default=True, index=True)
