"""Regions and branches: where visits happen and how scorecards roll up."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class Region(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)


class Branch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=500)
    region_id: int = Field(foreign_key="region.id", index=True)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    latitude: float | None = None
    longitude: float | None = None
    competitor: bool = False
    active: bool = True
    # Staff were told that mystery shopping happens (ESOMAR/MSPA): when, and by whom.
    staff_informed_on: date | None = None
    staff_informed_by: str = Field(default="", max_length=200)
