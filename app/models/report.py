"""Background bulk report exports (a ZIP of branch PDFs plus a ranking summary)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, timestamp
from app.models.states import BackgroundJobStatus, ReportJobStatus


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


class BackgroundJob(SQLModel, table=True):
    """A wave's rescore or report warm-up, or a CSV import of many rows (`app.tasks`): its
    progress and how it ended.

    HQ starts them from the reports page or the import pages (or an operator with
    `shopmirror rescore`/`warm-reports`); the page follows `done` of `total` as for exports,
    and a job that failed for good keeps its reason in `error` (one that will be tried again
    shows the last attempt's reason while it waits). An import's file travels in `payload`
    (any worker reads it from the database) and is cleared in the transaction that applies
    it, so a run after that finds nothing left to do, and no password stays at rest.
    """

    __table_args__ = (
        sa.CheckConstraint("status IN ('queued','running','done','failed')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)  # a name in app.tasks.TASKS
    wave_id: int | None = Field(default=None, foreign_key="wave.id", index=True)  # imports: none
    language: str | None = Field(default=None, max_length=10)  # warm-ups: the reports'
    status: str = Field(default=BackgroundJobStatus.queued, max_length=10)
    total: int = 0
    done: int = 0
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    error: str | None = Field(default=None, max_length=500)
    result: dict[str, Any] | None = json_column()
    payload: bytes | None = Field(default=None, sa_type=sa.LargeBinary)  # an import's file
    requested_from: str | None = Field(default=None, max_length=64)  # address, for the trail
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp(default=True)
    started_at: datetime | None = timestamp(nullable=True)
    finished_at: datetime | None = timestamp(nullable=True)
