"""Waves: audit periods HQ plans, their progress, and changes to single assignments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, delete, func, select

from app import storage
from app.errors import Invalid, NotFound
from app.i18n import _
from app.models import (
    Answer,
    AuditEvent,
    Branch,
    Checklist,
    ChecklistVersion,
    Dispute,
    Photo,
    Region,
    Role,
    User,
    Visit,
    VisitScore,
    VisitStatus,
    Wave,
    WaveBranch,
)
from app.models.base import row_id
from app.services.csv_import import FieldErrors
from app.services.visit_policy import Action, check_state, state_allows

MAX_VISITS_PER_BRANCH = 20


@dataclass
class WaveRow:
    wave: Wave
    checklist_code: str
    checklist_version: int
    branches: int
    visits: int
    approved: int


def list_waves(db: Session) -> list[WaveRow]:
    """Every wave, newest first, with its checklist version and visit counts."""
    branch_counts = dict(
        db.exec(select(WaveBranch.wave_id, func.count()).group_by(col(WaveBranch.wave_id))).all()
    )
    visit_counts: dict[tuple[int | None, str], int] = {
        (w, s): n
        for w, s, n in db.exec(
            select(Visit.wave_id, Visit.status, func.count()).group_by(
                col(Visit.wave_id), col(Visit.status)
            )
        )
    }
    rows = db.exec(
        select(Wave, Checklist.code, ChecklistVersion.version)
        .join(ChecklistVersion, col(ChecklistVersion.id) == Wave.checklist_version_id)
        .join(Checklist, col(Checklist.id) == ChecklistVersion.checklist_id)
        .order_by(col(Wave.starts_on).desc(), col(Wave.id).desc())
    ).all()
    return [
        WaveRow(
            wave,
            code,
            version,
            branch_counts.get(row_id(wave), 0),
            sum(n for (w, _s), n in visit_counts.items() if w == wave.id),
            visit_counts.get((wave.id, VisitStatus.approved), 0),
        )
        for wave, code, version in rows
    ]


def get_wave(db: Session, *, wave_id: int) -> Wave:
    wave = db.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Not found."))
    return wave


def create_wave(
    db: Session,
    *,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    checklist_version_id: int | None,
    visits_per_branch: int | None,
    branch_ids: list[int],
    scenario: str = "",
) -> Wave:
    """Plan a wave; its checklist version is fixed so every visit in it is comparable."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name or len(name) > 120:
        errors["name"] = _("A name is required (at most 120 characters).")
    if starts_on is None:
        errors["starts_on"] = _("is required")
    if ends_on is None:
        errors["ends_on"] = _("is required")
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The wave cannot end before it starts.")
    if checklist_version_id is None or db.get(ChecklistVersion, checklist_version_id) is None:
        errors["checklist_version_id"] = _("Choose a checklist version.")
    if visits_per_branch is None or not 1 <= visits_per_branch <= MAX_VISITS_PER_BRANCH:
        errors["visits_per_branch"] = _("Between 1 and 20.")
    ids = sorted(set(branch_ids))
    found = db.exec(select(Branch.id).where(col(Branch.id).in_(ids), Branch.active)).all()
    if not ids or len(found) != len(ids):
        errors["branches"] = _("Choose at least one active branch.")
    if len(scenario) > 2000:
        errors["scenario"] = _("At most 2000 characters.")
    if errors:
        raise FieldErrors(errors)
    # Each was checked above (an error was raised otherwise).
    assert starts_on is not None and ends_on is not None
    assert checklist_version_id is not None and visits_per_branch is not None
    wave = Wave(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        checklist_version_id=checklist_version_id,
        visits_per_branch=visits_per_branch,
        scenario=scenario.strip(),
    )
    db.add(wave)
    db.flush()
    db.add_all(WaveBranch(wave_id=row_id(wave), branch_id=branch_id) for branch_id in ids)
    db.flush()
    return wave


STATUS_COLUMNS = ("assigned", "in_progress", "submitted", "returned", "approved")


@dataclass
class RegionProgress:
    region: Region
    counts: dict[str, int] = field(default_factory=dict)
    unassigned: int = 0
    planned: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def wave_progress(db: Session, *, wave: Wave) -> list[RegionProgress]:
    """Visits per region and status (plus planned and unassigned), for the wave page."""
    progress: dict[int, RegionProgress] = {}
    for region, branches in db.exec(
        select(Region, func.count())
        .join(Branch, col(Branch.region_id) == Region.id)
        .join(WaveBranch, col(WaveBranch.branch_id) == Branch.id)
        .where(WaveBranch.wave_id == wave.id)
        .group_by(col(Region.id))
        .order_by(Region.code)
    ):
        progress[row_id(region)] = RegionProgress(
            region, dict.fromkeys(STATUS_COLUMNS, 0), planned=branches * wave.visits_per_branch
        )
    for region_id, status, unassigned, count in db.exec(
        select(Branch.region_id, Visit.status, col(Visit.shopper_id).is_(None), func.count())
        .join(Branch, col(Branch.id) == Visit.branch_id)
        .where(Visit.wave_id == wave.id)
        .group_by(col(Branch.region_id), col(Visit.status), col(Visit.shopper_id).is_(None))
    ):
        row = progress.get(region_id)
        if row is None:  # a branch dropped from the wave after visits were made
            dropped = db.get(Region, region_id)
            assert dropped is not None  # branch.region_id is a non-null foreign key
            row = progress[region_id] = RegionProgress(dropped, dict.fromkeys(STATUS_COLUMNS, 0))
        row.counts[status] = row.counts.get(status, 0) + count
        if unassigned and status == VisitStatus.assigned:
            row.unassigned += count
    return list(progress.values())


@dataclass
class WaveVisit:
    visit: Visit
    branch: Branch
    shopper: User | None

    @property
    def reassignable(self) -> bool:
        return state_allows(self.visit, Action.reassign)

    @property
    def cancellable(self) -> bool:
        return state_allows(self.visit, Action.cancel)

    @property
    def reviewable(self) -> bool:
        return state_allows(self.visit, Action.approve)


def wave_visits(
    db: Session, *, wave: Wave, region_id: int | None = None, status: str = ""
) -> list[WaveVisit]:
    """The wave's visits with branch and shopper, by branch then due date."""
    stmt = (
        select(Visit, Branch, User)
        .join(Branch, col(Branch.id) == Visit.branch_id)
        .outerjoin(User, col(User.id) == Visit.shopper_id)
        .where(Visit.wave_id == wave.id)
    )
    if region_id:
        stmt = stmt.where(Branch.region_id == region_id)
    if status == "unassigned":
        stmt = stmt.where(col(Visit.shopper_id).is_(None), Visit.status == VisitStatus.assigned)
    elif status:
        stmt = stmt.where(Visit.status == status)
    rows = db.exec(stmt.order_by(col(Branch.code), col(Visit.due_from), col(Visit.id))).all()
    return [WaveVisit(v, b, u) for v, b, u in rows]


def active_shoppers(db: Session) -> list[User]:
    return list(
        db.exec(select(User).where(User.role == Role.shopper, User.active).order_by(User.name))
    )


def get_wave_visit(db: Session, *, wave: Wave, visit_id: int) -> Visit:
    visit = db.get(Visit, visit_id)
    if visit is None or visit.wave_id != wave.id:
        raise NotFound(_("Not found."))
    return visit


def reassign(db: Session, *, visit: Visit, shopper_id: int | None) -> Visit:
    """Give an unfinished visit to another shopper (or leave it open) before it is submitted."""
    check_state(visit, Action.reassign)
    if shopper_id is not None:
        shopper = db.get(User, shopper_id)
        if shopper is None or shopper.role != Role.shopper or not shopper.active:
            raise Invalid(_("Choose an active shopper."), field="shopper_id")
    visit.shopper_id = shopper_id
    db.add(visit)
    return visit


def reassign_to_username(db: Session, *, visit: Visit, username: str) -> User | None:
    """Reassign to the shopper typed in the form ("name" or "name Full Name"); blank: unassign.

    Returns the new shopper (None when the visit is left open); an unknown name is refused.
    """
    wanted = username.split(" ", 1)[0].strip().lower()
    target = db.exec(select(User).where(User.username == wanted)).first() if wanted else None
    reassign(db, visit=visit, shopper_id=target.id if target else (-1 if wanted else None))
    return target


def cancel(db: Session, *, visit: Visit) -> None:
    """Drop a visit that has not been submitted (a branch closed, a wave shrank)."""
    check_state(visit, Action.cancel)
    files = [
        p
        for photo in db.exec(select(Photo).where(Photo.visit_id == visit.id))
        for p in (photo.path, photo.thumb_path)
    ]
    for model in (Answer, Photo, VisitScore, AuditEvent, Dispute):
        db.exec(delete(model).where(col(model.visit_id) == visit.id))
    db.delete(visit)
    db.flush()
    for path in files:  # a cancelled visit's photos are not kept anywhere
        storage.remove(db, path)
