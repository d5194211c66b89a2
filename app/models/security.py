"""The security event log and the audit trail of HQ's changes (both readable by HQ only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, timestamp


class SecurityEvent(SQLModel, table=True):
    """A login, a failed login, a refused request or an admin change: who, what, when, where."""

    __table_args__ = (sa.Index("ix_securityevent_kind_at", "kind", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp(default=True, index=True)
    kind: str = Field(max_length=20)  # a SecurityEventKind
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    username: str = Field(default="", max_length=64)  # as typed for a failed login
    address: str = Field(default="", max_length=64)
    detail: str = Field(default="", max_length=300)  # the path refused, the object changed


class AdminChange(SQLModel, table=True):
    """One change HQ made to an account, branch, region, checklist, wave or API token.

    `changes` maps each changed field to ``[before, after]``; password hashes and token
    secrets are never written here (`app.services.audit_trail`).
    """

    __table_args__ = (sa.Index("ix_adminchange_kind_at", "kind", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp(default=True, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    address: str = Field(default="", max_length=64)
    kind: str = Field(max_length=20)  # an AdminObjectKind
    object_id: int | None = None
    label: str = Field(default="", max_length=200)  # the object's code or name at the time
    action: str = Field(max_length=20)  # create, update, delete
    changes: dict[str, Any] | None = json_column()
