"""Stored branch-per-wave aggregates, refreshed when a visit of that branch and wave changes.

Scorecards read these instead of re-aggregating every visit on every request, so
pages stay fast as waves accumulate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, timestamp


class BranchWaveScore(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_branchwavescore_wave_score", "wave_id", "score"),)

    wave_id: int = Field(foreign_key="wave.id", primary_key=True, ondelete="CASCADE")
    branch_id: int = Field(foreign_key="branch.id", primary_key=True)
    visits: int = 0
    score: float | None = None
    delight: float | None = None
    sections: dict[str, Any] = json_column(nullable=False)  # section id -> mean compliance
    dimensions: dict[str, Any] = json_column(nullable=False)
    bands: dict[str, Any] = json_column(nullable=False)  # band -> count
    critical_failures: int = 0
    must_failure_counts: dict[str, Any] = json_column(nullable=False)  # item id -> count
    weakest_section: str | None = Field(default=None, max_length=80)
    updated_at: datetime = timestamp(default=True)
