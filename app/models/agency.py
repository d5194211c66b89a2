"""Outside mystery-shopping agencies and their API tokens (stored hashed)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import timestamp


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    active: bool = True
    created_at: datetime = timestamp(default=True)


class ApiToken(SQLModel, table=True):
    """A bearer token of an agency; only the sha256 of the secret is kept."""

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=200)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)  # shown in lists so admins can tell tokens apart
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp(default=True)
    last_used_at: datetime | None = timestamp(nullable=True)
    revoked_at: datetime | None = timestamp(nullable=True)


class AgencyBranch(SQLModel, table=True):
    """A branch an agency may deliver and read visits for; an agency with none: every one."""

    agency_id: int = Field(foreign_key="agency.id", primary_key=True, ondelete="CASCADE")
    branch_id: int = Field(foreign_key="branch.id", primary_key=True, ondelete="CASCADE")
