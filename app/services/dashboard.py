"""What each role sees first after logging in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, SQLModel, col, func, select

from app.models import (
    Branch,
    Checklist,
    ChecklistVersion,
    Region,
    Role,
    User,
    Visit,
    VisitStatus,
    Wave,
    utcnow,
)
from app.models.base import row_id
from app.services import visit_policy
from app.services.access import manager_region_ids
from app.services.scorecards.data import default_wave
from app.services.scorecards.sample import wave_sample
from app.services.visit_policy import VisitPermissions


@dataclass
class VisitRow:
    visit: Visit
    branch: Branch
    checklist_name: str | dict[str, str]  # a language map; templates show it with `|tr`
    perms: VisitPermissions | None = None  # on the shopper's home: still theirs to change?


@dataclass
class ShopperHome:
    due_now: list[VisitRow] = field(default_factory=list)
    upcoming: list[VisitRow] = field(default_factory=list)
    returned: list[VisitRow] = field(default_factory=list)
    submitted: list[VisitRow] = field(default_factory=list)


def shopper_home(db: Session, *, user: User, now: datetime | None = None) -> ShopperHome:
    """The shopper's own visits, grouped by what they need to do next."""
    now = now or utcnow()
    rows = db.exec(
        select(Visit, Branch, ChecklistVersion.document["name"])
        .join(Branch, col(Branch.id) == Visit.branch_id)
        .join(ChecklistVersion, col(ChecklistVersion.id) == Visit.checklist_version_id)
        .where(Visit.shopper_id == user.id)
        .order_by(col(Visit.due_from), col(Visit.id))
    ).all()
    home = ShopperHome()
    for visit, branch, name in rows:
        row = VisitRow(visit, branch, name, visit_policy.for_visit(db, user=user, visit=visit))
        if visit.status == VisitStatus.returned:
            home.returned.append(row)
        elif visit.status in (VisitStatus.submitted, VisitStatus.approved):
            home.submitted.append(row)
        elif visit.due_from and visit.due_from > now:
            home.upcoming.append(row)
        else:
            home.due_now.append(row)
    home.submitted.sort(key=lambda r: r.visit.submitted_at or now, reverse=True)
    return home


def review_queue(db: Session) -> list[VisitRow]:
    """Submitted visits, oldest submission first."""
    rows = db.exec(
        select(Visit, Branch, ChecklistVersion.document["name"])
        .join(Branch, col(Branch.id) == Visit.branch_id)
        .join(ChecklistVersion, col(ChecklistVersion.id) == Visit.checklist_version_id)
        .where(Visit.status == VisitStatus.submitted)
        .order_by(col(Visit.submitted_at), col(Visit.id))
    ).all()
    return [VisitRow(v, b, n) for v, b, n in rows]


@dataclass
class RegionSummary:
    region: Region
    branches: list[Branch]
    approved_visits: int  # of `wave` only: the count sits under that wave's heading
    planned_visits: int = 0
    wave: Wave | None = None
    interim: bool = False


def manager_regions(db: Session, *, user: User, wave: Wave | None = None) -> list[RegionSummary]:
    """The manager's regions (all, for admin) with their branches and the wave's visits.

    The visits counted are those of the wave the home page shows (the scorecards' default
    wave unless given), never all time: the count appears under that wave's name.
    """
    shown = wave or default_wave(db)
    query = select(Region).order_by(Region.code)
    if user.role == Role.manager:
        query = query.where(col(Region.id).in_(manager_region_ids(db, user)))
    summaries = []
    for region in db.exec(query):
        branches = list(
            db.exec(
                select(Branch)
                .where(Branch.region_id == region.id, Branch.active)
                .order_by(col(Branch.competitor), col(Branch.code))
            )
        )
        if shown is None:
            summaries.append(RegionSummary(region, branches, 0))
            continue
        sample = wave_sample(db, wave=shown, scope=None, region_ids=[row_id(region)])
        summaries.append(
            RegionSummary(region, branches, sample.approved, sample.planned, shown, sample.interim)
        )
    return summaries


def admin_counts(db: Session) -> dict[str, int]:
    """Headline counts for HQ's dashboard."""

    def count(model: type[SQLModel], *where: ColumnElement[bool] | bool) -> int:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()

    counts = {
        "regions": count(Region),
        "branches": count(Branch, Branch.active),
        "users": count(User, User.active),
        "checklists": count(Checklist),
        "waves": count(Wave),
    }
    for status in VisitStatus:
        counts[f"visits_{status.value}"] = count(Visit, Visit.status == status.value)
    return counts
