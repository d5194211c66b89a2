"""Waves: audit periods, each shopping a set of branches with one checklist version."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from app.models.base import json_column, timestamp


class Wave(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    starts_on: date
    ends_on: date
    checklist_version_id: int = Field(foreign_key="checklistversion.id", index=True)
    visits_per_branch: int = 1
    # Kinds of visit per branch when the checklist has variants: {variant id: visits}, adding
    # up to visits_per_branch; None = each branch's visits take the variants in turn.
    variant_mix: dict[str, int] | None = json_column()
    scenario: str = Field(default="", max_length=2000)
    # The brief in further languages, {language tag: text}; `scenario` is the one typed first.
    scenario_translations: dict[str, str] | None = json_column()
    created_at: datetime = timestamp(default=True)


class WaveBranch(SQLModel, table=True):
    """The branches (own and competitor) a wave shops."""

    wave_id: int = Field(foreign_key="wave.id", primary_key=True, ondelete="CASCADE")
    branch_id: int = Field(foreign_key="branch.id", primary_key=True)
