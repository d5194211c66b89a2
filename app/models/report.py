"""Background bulk report exports (a ZIP of branch PDFs plus a ranking summary)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, timestamp
from app.models.states import ReportJobStatus


class ReportJob(SQLModel, table=True):
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued','running','done','failed')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    language: str = Field(default="en", max_length=10)
    status: str = Field(default=ReportJobStatus.queued, max_length=10)
    total: int = 0
    done: int = 0
    failures: list[Any] | None = json_column()  # [{"branch": code, "error": message}]
    path: str | None = Field(default=None, max_length=300)  # ZIP, relative to the media dir
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp(default=True)
    finished_at: datetime | None = timestamp(nullable=True)
    # Who runs it now (a claim, see app.reports.jobs.claim) and when it last said so: a job
    # whose heartbeat stopped is taken over; one with a live heartbeat never is.
    owner: str | None = Field(default=None, max_length=100)
    heartbeat_at: datetime | None = timestamp(nullable=True)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    error: str | None = Field(default=None, max_length=500)  # why the whole job failed
