"""What a reviewer needs to judge a visit: answers with photos, plausibility checks, the score.

Plausibility: how far from the branch the shopper checked in, photos taken outside
the visit (a photo from another day is a red flag), required photos missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.models import (
    Agency,
    Answer,
    AuditAction,
    AuditEvent,
    Branch,
    Checklist,
    ChecklistVersion,
    Photo,
    Region,
    User,
    Visit,
    VisitStatus,
    Wave,
)
from app.models.answer_codec import engine_value, engine_values
from app.scoring import Item, ItemScore, ScoreResult, Section, photo_requirements
from app.services import visit_policy
from app.services.checklists import checklist_of
from app.services.scoring import compute
from app.services.visit_policy import VisitPermissions

PHOTO_GRACE = timedelta(minutes=15)  # a storefront shot just before going in is fine
FAR_METRES = 500  # check-in farther than this from the branch is flagged


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


def _check_in_distance(visit: Visit, branch: Branch) -> float | None:
    """Metres from the branch to where the shopper checked in; None when either is unknown."""
    if visit.latitude is None or visit.longitude is None:
        return None
    if branch.latitude is None or branch.longitude is None:
        return None
    return distance_m(visit.latitude, visit.longitude, branch.latitude, branch.longitude)


@dataclass
class PhotoCheck:
    photo: Photo
    flag: str  # "" | "outside" | "no_time"


def photo_flag(photo: Photo, time_in: datetime | None, time_out: datetime | None) -> str:
    """'outside' when captured outside the visit window (± PHOTO_GRACE), 'no_time' if unknown."""
    if photo.captured_at is None:
        return "no_time"
    if time_in is None:
        return ""
    end = time_out or time_in
    if photo.captured_at < time_in - PHOTO_GRACE or photo.captured_at > end + PHOTO_GRACE:
        return "outside"
    return ""


@dataclass
class ItemView:
    item: Item
    answer: Answer | None
    score: ItemScore | None
    photos: list[PhotoCheck]
    photos_needed: int
    note: str

    @property
    def value(self) -> Any:
        return engine_value(self.answer)


@dataclass
class SectionView:
    section: Section
    compliance: float | None
    items: list[ItemView]


@dataclass
class TrailEntry:
    event: AuditEvent
    user: User | None


@dataclass
class ReviewPage:
    visit: Visit
    branch: Branch
    region: Region
    wave: Wave | None
    checklist_code: str
    version: ChecklistVersion
    shopper: User | None
    agency: Agency | None
    result: ScoreResult
    sections: list[SectionView]
    distance: float | None
    perms: VisitPermissions
    trail: list[TrailEntry] = field(default_factory=list)

    @property
    def far(self) -> bool:
        return self.distance is not None and self.distance > FAR_METRES

    @property
    def duration_minutes(self) -> int | None:
        if self.visit.time_in and self.visit.time_out:
            return round((self.visit.time_out - self.visit.time_in).total_seconds() / 60)
        return None

    @property
    def flagged_photos(self) -> int:
        return sum(1 for s in self.sections for i in s.items for p in i.photos if p.flag)

    @property
    def missing_photos(self) -> list[str]:
        return [
            i.item.id for s in self.sections for i in s.items if len(i.photos) < i.photos_needed
        ]

    @property
    def deciding(self) -> bool:
        """The reviewer can still approve or return the visit (it waits for review)."""
        return self.perms.approve or self.perms.return_

    @property
    def returned_note(self) -> str:
        """The general note of a visit that is back with its shopper ('' otherwise)."""
        if self.visit.status != VisitStatus.returned:
            return ""
        return str((self.visit.review_notes or {}).get("", ""))


def review_page(db: Session, *, user: User, visit: Visit) -> ReviewPage:
    """Everything on the review page for one visit (the score computed from current answers)."""
    branch = db.get(Branch, visit.branch_id)
    assert branch is not None  # visit.branch_id is a non-null foreign key
    region = db.get(Region, branch.region_id)
    assert region is not None  # branch.region_id is a non-null foreign key
    version = db.get(ChecklistVersion, visit.checklist_version_id)
    assert version is not None  # visit.checklist_version_id is a non-null foreign key
    checklist = db.get(Checklist, version.checklist_id)
    assert checklist is not None  # version.checklist_id is a non-null foreign key
    document = checklist_of(db, visit)
    result = compute(db, visit=visit)
    answers = {a.item_id: a for a in db.exec(select(Answer).where(Answer.visit_id == visit.id))}
    needed = photo_requirements(document, engine_values(answers.values()))
    photos: dict[str, list[PhotoCheck]] = {}
    for photo in db.exec(
        select(Photo)
        .where(Photo.visit_id == visit.id)
        .order_by(col(Photo.captured_at), col(Photo.id))
    ):
        check = PhotoCheck(photo, photo_flag(photo, visit.time_in, visit.time_out))
        photos.setdefault(photo.item_id, []).append(check)
    notes = visit.review_notes or {}
    items = result.items
    sections = [
        SectionView(
            section,
            result.sections.get(section.id),
            [
                ItemView(
                    item,
                    answers.get(item.id),
                    items.get(item.id),
                    photos.get(item.id, []),
                    needed.get(item.id, 0),
                    notes.get(item.id, ""),
                )
                for item in section.items
            ],
        )
        for section in document.sections
    ]
    trail = [
        TrailEntry(event, user)
        for event, user in db.exec(
            select(AuditEvent, User)
            .outerjoin(User, col(User.id) == col(AuditEvent.user_id))
            .where(AuditEvent.visit_id == visit.id)
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        )
    ]
    return ReviewPage(
        visit=visit,
        branch=branch,
        region=region,
        wave=db.get(Wave, visit.wave_id) if visit.wave_id else None,
        checklist_code=checklist.code,
        version=version,
        shopper=db.get(User, visit.shopper_id) if visit.shopper_id else None,
        agency=db.get(Agency, visit.agency_id) if visit.agency_id else None,
        result=result,
        sections=sections,
        distance=_check_in_distance(visit, branch),
        perms=visit_policy.for_visit(db, user=user, visit=visit),
        trail=trail,
    )


@dataclass
class Decision:
    event: AuditEvent
    visit: Visit
    branch: Branch
    reviewer: User | None


def recent_decisions(db: Session, *, limit: int = 15) -> list[Decision]:
    """The latest approvals, returns and corrections, newest first."""
    rows = db.exec(
        select(AuditEvent, Visit, Branch, User)
        .join(Visit, col(Visit.id) == col(AuditEvent.visit_id))
        .join(Branch, col(Branch.id) == col(Visit.branch_id))
        .outerjoin(User, col(User.id) == col(AuditEvent.user_id))
        .where(
            col(AuditEvent.action).in_(
                (AuditAction.approved, AuditAction.returned, AuditAction.corrected)
            )
        )
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    ).all()
    return [Decision(*row) for row in rows]
