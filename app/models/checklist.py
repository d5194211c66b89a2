"""Checklists and their immutable versions (the formats.md document stored whole)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, timestamp


class Checklist(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=80, unique=True)
    latest_version: int = 0


class ChecklistVersion(SQLModel, table=True):
    """One imported version; never updated, so visits keep the standards they were shopped by."""

    __table_args__ = (sa.UniqueConstraint("checklist_id", "version", name="checklist_version"),)

    id: int | None = Field(default=None, primary_key=True)
    checklist_id: int = Field(foreign_key="checklist.id", index=True)
    version: int
    name: str = Field(max_length=300)  # display name in the fallback language, for lists
    content_hash: str = Field(max_length=64)
    document: dict[str, Any] = json_column(nullable=False)
    created_at: datetime = timestamp(default=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
