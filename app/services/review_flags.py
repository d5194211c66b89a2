"""Plausibility flags of a submitted visit: the one home for what the review page and the
review queue flag, computed for many visits at once.

- far: checked in more than FAR_METRES from the branch;
- photo_time: a photo captured outside the visit (± PHOTO_GRACE) or without a capture time;
- photos_missing: fewer photos than the checklist requires with these answers (the core's
  `photo_requirements`);
- duration: time in the branch under half or over twice the median of the visits shopped
  with the same checklist version (once MEDIAN_SAMPLE of them give a median);
- outside_wave: visited on a day (in the branch's time zone) outside its wave's dates;
- clock: the phone's time in differs from the server's (which is the visit's time in) by
  more than `TIME_IN_TOLERANCE_MINUTES`: a wrong or edited clock, or a check-in queued
  offline and delivered later. Photo capture times are read on the phone's clock, so their
  window opens at the phone's time in when it is earlier (never at a time after the server's).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.i18n import _
from app.models import Answer, Branch, Photo, Visit, VisitStatus, Wave
from app.models.answer_codec import engine_values
from app.models.base import row_id
from app.models.states import LabelledState
from app.scoring import photo_requirements
from app.services.checklists import checklist_of
from app.settings import get_settings

PHOTO_GRACE = timedelta(minutes=15)  # a storefront shot just before going in is fine
FAR_METRES = 500  # check-in farther than this from the branch is flagged
MEDIAN_SAMPLE = 5  # fewer timed visits than this give no median to compare with
SHORT, LONG = 0.5, 2.0  # under half or over twice the median time in the branch is flagged
TIMED = (VisitStatus.submitted, VisitStatus.approved)  # the visits the median is taken over


class Flag(LabelledState):
    far = "far"
    photo_time = "photo_time"
    photos_missing = "photos_missing"
    duration = "duration"
    outside_wave = "outside_wave"
    clock = "clock"

    @property
    def label(self) -> str:
        return {
            Flag.far: _("Checked in far from the branch"),
            Flag.photo_time: _("Photos outside the visit"),
            Flag.photos_missing: _("Required photos missing"),
            Flag.duration: _("Time in the branch far from the median"),
            Flag.outside_wave: _("Visited outside the wave"),
            Flag.clock: _("Phone's time in differs from the server's"),
        }[self]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


def check_in_distance(visit: Visit, branch: Branch) -> float | None:
    """Metres from the branch to where the shopper checked in; None when either is unknown."""
    if visit.latitude is None or visit.longitude is None:
        return None
    if branch.latitude is None or branch.longitude is None:
        return None
    return distance_m(visit.latitude, visit.longitude, branch.latitude, branch.longitude)


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


def clock_gap_minutes(visit: Visit) -> int | None:
    """Minutes the phone's claimed time in lies after (+) or before (-) the server's."""
    if visit.time_in is None or visit.device_time_in is None:
        return None
    return round((visit.device_time_in - visit.time_in).total_seconds() / 60)


def phone_start(visit: Visit) -> datetime | None:
    """When the visit began on the phone's clock, never later than the server's time in."""
    if visit.time_in is None or visit.device_time_in is None:
        return visit.time_in
    return min(visit.device_time_in, visit.time_in)


def minutes_in_branch(visit: Visit) -> int | None:
    """Whole minutes from time in to time out (None while either is unknown)."""
    if visit.time_in and visit.time_out:
        return round((visit.time_out - visit.time_in).total_seconds() / 60)
    return None


def outside_wave(visit: Visit, branch: Branch, wave: Wave | None) -> bool:
    """Visited on a day, in the branch's zone, that is not one of its wave's days."""
    if wave is None or visit.time_in is None:
        return False
    day = visit.time_in.astimezone(ZoneInfo(branch.timezone or "UTC")).date()
    return not wave.starts_on <= day <= wave.ends_on


@dataclass
class PhotoCheck:
    photo: Photo
    flag: str  # "" | "outside" | "no_time"


@dataclass
class Plausibility:
    """What the checks found for one visit; `flags` are the ones raised."""

    distance: float | None
    duration_minutes: int | None
    median_minutes: float | None
    outside_wave: bool
    photos: dict[str, list[PhotoCheck]] = field(default_factory=dict)  # by item id
    clock_minutes: int | None = None  # the phone's time in minus the server's
    device_time_in: datetime | None = None
    photos_needed: dict[str, int] = field(default_factory=dict)  # by item id, checklist order

    @property
    def far(self) -> bool:
        return self.distance is not None and self.distance > FAR_METRES

    @property
    def clock_off(self) -> bool:
        tolerance = get_settings().time_in_tolerance_minutes
        return self.clock_minutes is not None and abs(self.clock_minutes) > tolerance

    @property
    def flagged_photos(self) -> int:
        return sum(1 for checks in self.photos.values() for check in checks if check.flag)

    @property
    def missing_photos(self) -> list[str]:
        """The items with fewer photos than they need, in checklist order."""
        return [
            item_id
            for item_id, needed in self.photos_needed.items()
            if len(self.photos.get(item_id, [])) < needed
        ]

    @property
    def duration_off(self) -> bool:
        if self.duration_minutes is None or not self.median_minutes:
            return False
        ratio = self.duration_minutes / self.median_minutes
        return ratio < SHORT or ratio > LONG

    @property
    def flags(self) -> list[Flag]:
        raised = {
            Flag.far: self.far,
            Flag.photo_time: self.flagged_photos > 0,
            Flag.photos_missing: bool(self.missing_photos),
            Flag.duration: self.duration_off,
            Flag.outside_wave: self.outside_wave,
            Flag.clock: self.clock_off,
        }
        return [flag for flag, on in raised.items() if on]


def median_minutes(db: Session, *, version_ids: Iterable[int]) -> dict[int, float]:
    """The median time in the branch per checklist version, over its submitted and approved
    visits with both times (versions with fewer than MEDIAN_SAMPLE such visits are left out)."""
    durations: dict[int, list[float]] = {}
    for version_id, time_in, time_out in db.exec(
        select(Visit.checklist_version_id, Visit.time_in, Visit.time_out).where(
            col(Visit.checklist_version_id).in_(sorted(set(version_ids))),
            col(Visit.status).in_(TIMED),
            col(Visit.time_in).is_not(None),
            col(Visit.time_out).is_not(None),
        )
    ):
        assert time_in is not None and time_out is not None  # filtered above
        durations.setdefault(version_id, []).append((time_out - time_in).total_seconds() / 60)
    return {v: statistics.median(d) for v, d in durations.items() if len(d) >= MEDIAN_SAMPLE}


def plausibility(db: Session, *, visits: Sequence[Visit]) -> dict[int, Plausibility]:
    """The checks of each visit (by id), with a few queries for all of them."""
    if not visits:
        return {}
    ids = [row_id(v) for v in visits]
    branches = {
        row_id(b): b
        for b in db.exec(select(Branch).where(col(Branch.id).in_({v.branch_id for v in visits})))
    }
    wave_ids = {v.wave_id for v in visits if v.wave_id is not None}
    waves = {row_id(w): w for w in db.exec(select(Wave).where(col(Wave.id).in_(wave_ids)))}
    photos: dict[int, list[Photo]] = {}
    for photo in db.exec(
        select(Photo)
        .where(col(Photo.visit_id).in_(ids))
        .order_by(col(Photo.captured_at), col(Photo.id))
    ):
        photos.setdefault(photo.visit_id, []).append(photo)
    answers: dict[int, list[Answer]] = {}
    for answer in db.exec(select(Answer).where(col(Answer.visit_id).in_(ids))):
        answers.setdefault(answer.visit_id, []).append(answer)
    medians = median_minutes(db, version_ids=(v.checklist_version_id for v in visits))
    out: dict[int, Plausibility] = {}
    for visit in visits:
        visit_id = row_id(visit)
        branch = branches[visit.branch_id]
        checks: dict[str, list[PhotoCheck]] = {}
        for photo in photos.get(visit_id, []):
            check = PhotoCheck(photo, photo_flag(photo, phone_start(visit), visit.time_out))
            checks.setdefault(photo.item_id, []).append(check)
        needed = photo_requirements(
            checklist_of(db, visit), engine_values(answers.get(visit_id, [])), visit.variant
        )
        out[visit_id] = Plausibility(
            distance=check_in_distance(visit, branch),
            duration_minutes=minutes_in_branch(visit),
            median_minutes=medians.get(visit.checklist_version_id),
            outside_wave=outside_wave(
                visit, branch, waves.get(visit.wave_id) if visit.wave_id else None
            ),
            photos=checks,
            photos_needed=needed,
            clock_minutes=clock_gap_minutes(visit),
            device_time_in=visit.device_time_in,
        )
    return out
