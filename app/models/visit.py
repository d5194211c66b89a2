"""A visit and everything recorded for it: answers, photos, score and audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, timestamp
from app.models.states import VisitStatus


class Visit(SQLModel, table=True):
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('assigned','in_progress','submitted','returned','approved','rejected')",
            name="status",
        ),
        sa.CheckConstraint("channel IN ('in_person','phone','online')", name="channel"),
        sa.Index("ix_visit_wave_branch_status", "wave_id", "branch_id", "status"),
        sa.UniqueConstraint("external_id", name="visit_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id", index=True)
    shopper_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    wave_id: int | None = Field(default=None, foreign_key="wave.id")
    checklist_version_id: int = Field(foreign_key="checklistversion.id")
    status: str = Field(default=VisitStatus.assigned, max_length=20)
    channel: str = Field(default="in_person", max_length=20)
    scenario: str = Field(default="", max_length=2000)
    # The wave's brief in further languages, copied with `scenario` ({language tag: text}).
    scenario_translations: dict[str, str] | None = json_column()
    # The kind of visit among its checklist's `variants` (formats.md); None when it has none.
    variant: str | None = Field(default=None, max_length=80)
    due_from: datetime | None = timestamp(nullable=True)
    due_until: datetime | None = timestamp(nullable=True)
    time_in: datetime | None = timestamp(nullable=True)  # the server's clock decides it
    # The time in the phone claimed (kept beside the server's; a large gap is a review flag).
    device_time_in: datetime | None = timestamp(nullable=True)
    time_out: datetime | None = timestamp(nullable=True)
    latitude: float | None = None  # where the shopper checked in, with consent
    longitude: float | None = None
    submitted_at: datetime | None = timestamp(nullable=True)
    approved_at: datetime | None = timestamp(nullable=True)
    review_notes: dict[str, Any] | None = json_column()  # item id ("" = visit) -> note
    external_id: str | None = Field(default=None, max_length=120)  # agency deliveries
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    created_at: datetime = timestamp(default=True)
    # When the retention purge removed photos, GPS, free texts and the shopper (scores stay).
    purged_at: datetime | None = timestamp(nullable=True)


class Answer(SQLModel, table=True):
    """One answer per item per visit; `client_id` makes a repeated autosave harmless."""

    __table_args__ = (sa.UniqueConstraint("visit_id", "item_id", name="answer_item"),)

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", ondelete="CASCADE")
    item_id: str = Field(max_length=80)
    value: Any = json_column()  # "yes"/"no", int, float, option id or text; None when N/A
    na: bool = False
    comment: str = Field(default="", max_length=4000)
    client_id: str = Field(default="", max_length=64)
    client_time: datetime | None = timestamp(nullable=True)  # when the device made the change
    updated_at: datetime = timestamp(default=True)


class Photo(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True, ondelete="CASCADE")
    item_id: str = Field(max_length=80)
    path: str = Field(max_length=300)  # relative to the media directory
    thumb_path: str = Field(max_length=300)
    size: int
    width: int
    height: int
    sha256: str = Field(max_length=64)
    client_id: str = Field(default="", max_length=64)
    captured_at: datetime | None = timestamp(nullable=True)  # from EXIF, before it is stripped
    uploaded_at: datetime = timestamp(default=True)


class VisitScore(SQLModel, table=True):
    """The engine's result for a visit (scoring.md §6) plus columns that queries filter on."""

    visit_id: int = Field(foreign_key="visit.id", primary_key=True, ondelete="CASCADE")
    result: dict[str, Any] = json_column(nullable=False)
    score: float | None = None
    raw_score: float | None = None
    band: str | None = Field(default=None, max_length=20)
    critical_failure: bool = False
    delight: float | None = None
    scored_at: datetime = timestamp(default=True)


class AuditEvent(SQLModel, table=True):
    """Who changed what after submission, when, from what, to what, and why."""

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = timestamp(default=True)
    action: str = Field(max_length=40)  # an AuditAction
    item_id: str | None = Field(default=None, max_length=80)
    before: Any = json_column()
    after: Any = json_column()
    reason: str = Field(default="", max_length=4000)
