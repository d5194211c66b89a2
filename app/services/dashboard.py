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
    CorrectiveAction,
    Region,
    Role,
    User,
    Visit,
    VisitStatus,
    Wave,
)
from app.models.base import row_id
from app.services import actions, disputes, scorecards, visit_policy, waves
from app.services.access import manager_region_ids
from app.services.scorecards.data import default_wave
from app.services.scorecards.sample import wave_sample
from app.services.scorecards.types import DisputeRow, Overview
from app.services.visit_policy import VisitPermissions
from app.services.waves import RegionProgress


@dataclass
class VisitRow:
    visit: Visit
    branch: Branch
    checklist_name: str | dict[str, str]  # a language map; templates show it with `|tr`
    perms: VisitPermissions | None = None  # on the shopper's home: still theirs to change?
    overdue: bool = False  # past its due date and not yet submitted (visit_policy.overdue)
    variant_name: str | dict[str, str] = ""  # the kind of visit, when the checklist has kinds


@dataclass
class ShopperHome:
    due_now: list[VisitRow] = field(default_factory=list)
    upcoming: list[VisitRow] = field(default_factory=list)
    returned: list[VisitRow] = field(default_factory=list)
    submitted: list[VisitRow] = field(default_factory=list)


def shopper_home(db: Session, *, user: User, now: datetime | None = None) -> ShopperHome:
    """The shopper's own visits, grouped by what they need to do next."""
    now = now or visit_policy.clock()
    rows = db.exec(
        select(
            Visit, Branch, ChecklistVersion.document["name"], ChecklistVersion.document["variants"]
        )
        .join(Branch, col(Branch.id) == Visit.branch_id)
        .join(ChecklistVersion, col(ChecklistVersion.id) == Visit.checklist_version_id)
        .where(Visit.shopper_id == user.id)
        .order_by(col(Visit.due_from), col(Visit.id))
    ).all()
    home = ShopperHome()
    for visit, branch, name, variants in rows:
        perms = visit_policy.for_visit(db, user=user, visit=visit, now=now)
        row = VisitRow(visit, branch, name, perms, visit_policy.overdue(visit, now))
        kinds = {v["id"]: v["name"] for v in variants or () if isinstance(v, dict) and "id" in v}
        row.variant_name = kinds.get(visit.variant, "") if visit.variant else ""
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
    """Headline counts of HQ's set-up (regions, branches, users, checklists, waves)."""

    def count(model: type[SQLModel], *where: ColumnElement[bool] | bool) -> int:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()

    counts = {
        "regions": count(Region),
        "branches": count(Branch, Branch.active),
        "users": count(User, User.active),
        "checklists": count(Checklist),
        "waves": count(Wave),
    }
    counts["visits_submitted"] = count(Visit, Visit.status == VisitStatus.submitted)
    return counts


def age_days(since: datetime, now: datetime) -> int:
    """Whole days from `since` to `now` (0 on the same day): how long an item has waited."""
    return max((now - since).days, 0)


@dataclass
class OverdueVisit:
    visit: Visit
    branch: Branch
    wave: Wave | None
    shopper: User | None
    days: int  # whole days past the due date
    state: str  # as the wave page names it (waves.progress_state: unassigned, assigned...)


@dataclass
class HQDashboard:
    """HQ's worklists: the current wave's score and progress, and what waits for someone."""

    wave: Wave | None
    overview: Overview | None  # the scorecards' own figures for the wave (score, zone, warnings)
    progress: RegionProgress | None  # the whole wave, counted as on the wave page
    overdue: list[OverdueVisit]
    overdue_total: int
    disputes: list[tuple[DisputeRow, int]]  # open disputes with their age in days
    actions: list[tuple[CorrectiveAction, Branch, str, int]]  # open actions, status, age
    counts: dict[str, int]


OVERDUE_SHOWN = 20


def admin_dashboard(db: Session, *, now: datetime | None = None) -> HQDashboard:
    """Everything HQ's home shows; every figure comes from the module that owns it."""
    now = now or visit_policy.clock()
    wave = default_wave(db)
    overview = (
        scorecards.overview(db, user=None, wave=wave, rankings_above=scorecards.RANKINGS_UP_TO)
        if wave
        else None
    )
    progress = waves.wave_total(waves.wave_progress(db, wave=wave, now=now)) if wave else None
    late = visit_policy.overdue_clause(now)
    overdue_total = db.exec(select(func.count()).select_from(Visit).where(late)).one()
    overdue = [
        OverdueVisit(v, b, w, u, age_days(v.due_until or now, now), waves.progress_state(v))
        for v, b, w, u in db.exec(
            select(Visit, Branch, Wave, User)
            .join(Branch, col(Branch.id) == Visit.branch_id)
            .outerjoin(Wave, col(Wave.id) == Visit.wave_id)
            .outerjoin(User, col(User.id) == Visit.shopper_id)
            .where(late)
            .order_by(col(Visit.due_until), col(Visit.id))
            .limit(OVERDUE_SHOWN)
        )
    ]
    open_disputes = [
        (row, age_days(row.dispute.raised_at, now))
        for row in disputes.rows(db, user=None, status="open")
    ]
    open_actions = [
        (a, b, status, age_days(a.created_at, now))
        for a, b, status in actions.open_actions(db, now=now)
    ]
    return HQDashboard(
        wave=wave,
        overview=overview,
        progress=progress,
        overdue=overdue,
        overdue_total=overdue_total,
        disputes=open_disputes,
        actions=open_actions,
        counts=admin_counts(db),
    )
