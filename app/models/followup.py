"""What follows a scorecard: corrective actions at branches and disputes of answers."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, timestamp
from app.models.states import ActionStatus, DisputeStatus


class CorrectiveAction(SQLModel, table=True):
    """A fix a manager commits a branch to, for one failed standard."""

    __table_args__ = (sa.CheckConstraint("status IN ('open','done')", name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id", index=True)
    wave_id: int = Field(foreign_key="wave.id")  # the wave whose result prompted it
    item_id: str = Field(max_length=80)
    what: str = Field(max_length=2000)
    owner: str = Field(max_length=200)
    due_on: date
    status: str = Field(default=ActionStatus.open, max_length=10)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp(default=True)
    done_at: datetime | None = timestamp(nullable=True)


class Dispute(SQLModel, table=True):
    """A manager's challenge of one answer of an approved visit, decided by a reviewer."""

    __table_args__ = (
        sa.CheckConstraint("status IN ('open','accepted','rejected')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True, ondelete="CASCADE")
    item_id: str = Field(max_length=80)
    reason: str = Field(max_length=4000)
    proposed_value: object = json_column()  # what the manager says the answer should be
    status: str = Field(default=DisputeStatus.open, max_length=10)
    raised_by_id: int | None = Field(default=None, foreign_key="user.id")
    raised_at: datetime = timestamp(default=True)
    resolution: str = Field(default="", max_length=4000)
    resolved_by_id: int | None = Field(default=None, foreign_key="user.id")
    resolved_at: datetime | None = timestamp(nullable=True)
