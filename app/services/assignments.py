"""Generating a wave's visits and choosing their shoppers.

The rules: each branch gets the wave's number of visits, spread over the wave's
dates (visit k of n is due in the k-th of n equal stretches of the wave); shoppers
get equal shares; a shopper is never sent to a branch they shopped in the wave
just before or just after (nor twice to it in one wave), because staff learn to
recognise them; a shopper with a home region only shops branches of that region.
A visit no shopper can take under these rules is left unassigned and reported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import combinations
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.i18n import _, ngettext
from app.models import (
    AdminObjectKind,
    Branch,
    ChecklistVersion,
    Role,
    User,
    Visit,
    VisitStatus,
    Wave,
    WaveBranch,
)
from app.models.base import row_id
from app.services import audit_trail, wave_brief
from app.services.checklists import document_of
from app.services.fair_share import share

DAY_STARTS, DAY_ENDS = time(9, 0), time(21, 0)  # shops are visited in opening hours


@dataclass
class GenerationReport:
    created: int = 0
    assigned: int = 0
    unassigned: list[Visit] = field(default_factory=list)


def windows(starts_on: date, ends_on: date, count: int) -> list[tuple[date, date]]:
    """`count` consecutive stretches covering the wave (they overlap only when days run out)."""
    days = (ends_on - starts_on).days + 1
    out = []
    for k in range(count):
        first = k * days // count
        last = max((k + 1) * days // count - 1, first)
        out.append((starts_on + timedelta(days=first), starts_on + timedelta(days=last)))
    return out


def _local(day: date, at: time, branch: Branch) -> datetime:
    return datetime.combine(day, at, ZoneInfo(branch.timezone)).astimezone(UTC)


def _neighbour_shoppers(db: Session, wave: Wave, branch_ids: list[int]) -> dict[int, set[int]]:
    """Per branch: shoppers of its visits in the waves just before and after this one."""
    earlier: dict[int, tuple[date, int]] = {}
    later: dict[int, tuple[date, int]] = {}
    key = (wave.starts_on, row_id(wave))
    for branch_id, other in db.exec(
        select(WaveBranch.branch_id, Wave)
        .join(Wave, col(Wave.id) == WaveBranch.wave_id)
        .where(col(WaveBranch.branch_id).in_(branch_ids), Wave.id != wave.id)
    ):
        other_key = (other.starts_on, row_id(other))
        if other_key < key and other_key > earlier.get(branch_id, (date.min, 0)):
            earlier[branch_id] = other_key
        if other_key > key and other_key < later.get(branch_id, (date.max, 0)):
            later[branch_id] = other_key
    pairs = {(b, k[1]) for side in (earlier, later) for b, k in side.items()}
    blocked: dict[int, set[int]] = defaultdict(set)
    if not pairs:
        return blocked
    wave_ids = {w for _b, w in pairs}
    for branch_id, wave_id, shopper_id in db.exec(
        select(Visit.branch_id, Visit.wave_id, Visit.shopper_id).where(
            col(Visit.wave_id).in_(wave_ids), col(Visit.shopper_id).is_not(None)
        )
    ):
        assert shopper_id is not None  # the query keeps visits that have a shopper
        if (branch_id, wave_id) in pairs:
            blocked[branch_id].add(shopper_id)
    return blocked


def variant_plan(
    variants: tuple[str, ...], mix: dict[str, int] | None, per_branch: int
) -> list[str]:
    """The variant of each of a branch's visits in the wave, slot by slot.

    With a mix ({variant: visits}) the kinds alternate while each has visits left
    (enquiry, transaction, enquiry for 2 + 1), so they spread over the wave's windows;
    without one, the visits take the checklist's variants in turn. None without variants.
    """
    if not variants:
        return []
    if not mix:
        return [variants[slot % len(variants)] for slot in range(per_branch)]
    left = {v: int(mix.get(v, 0)) for v in variants}
    plan: list[str] = []
    while any(left.values()):
        for variant in variants:
            if left[variant]:
                plan.append(variant)
                left[variant] -= 1
    return plan


def _create_missing(db: Session, wave: Wave, branches: list[Branch]) -> int:
    """Add visits until each branch has the wave's number; returns how many were added."""
    version = db.get(ChecklistVersion, wave.checklist_version_id)
    assert version is not None  # wave.checklist_version_id is a non-null foreign key
    document = document_of(version)
    channel = document.channel
    variants = variant_plan(document.variant_ids, wave.variant_mix, wave.visits_per_branch)
    have = Counter(db.exec(select(Visit.branch_id).where(Visit.wave_id == wave.id)).all())
    slots = windows(wave.starts_on, wave.ends_on, wave.visits_per_branch)
    created = 0
    for branch in branches:
        branch_id = row_id(branch)
        for slot, (first, last) in enumerate(slots[have[branch_id] :], start=have[branch_id]):
            db.add(
                Visit(
                    branch_id=branch_id,
                    wave_id=wave.id,
                    checklist_version_id=row_id(version),
                    status=VisitStatus.assigned,
                    channel=channel,
                    **wave_brief.visit_brief(wave),
                    variant=variants[slot] if slot < len(variants) else None,
                    due_from=_local(first, DAY_STARTS, branch),
                    due_until=_local(last, DAY_ENDS, branch),
                )
            )
            created += 1
    db.flush()
    return created


class Bar(StrEnum):
    """Why a shopper may not take a visit at a branch (the rules in this module's docstring)."""

    home_region = "home_region"  # the shopper only shops their own home region
    neighbour_wave = "neighbour_wave"  # shopped the branch in the wave before or after
    same_wave = "same_wave"  # already has a visit at the branch in this wave


def bar_label(bar: Bar) -> str:
    """What keeps one shopper from a visit, as HQ reads it on the wave page."""
    if bar == Bar.home_region:
        return _("home region: shops only branches of another region")
    if bar == Bar.neighbour_wave:
        return _("repeat rule: shopped this branch in the wave before or after")
    return _("repeat rule: already shops this branch in this wave")


def bar_count_label(bar: Bar, count: int) -> str:
    """How many shoppers one rule keeps from a visit."""
    if bar == Bar.home_region:
        return ngettext(
            "home region: %(num)s shopper shops only another region",
            "home region: %(num)s shoppers shop only other regions",
            count,
        )
    if bar == Bar.neighbour_wave:
        return ngettext(
            "repeat rule: %(num)s shopper shopped this branch in the wave before or after",
            "repeat rule: %(num)s shoppers shopped this branch in the wave before or after",
            count,
        )
    return ngettext(
        "repeat rule: %(num)s shopper already shops this branch in this wave",
        "repeat rule: %(num)s shoppers already shop this branch in this wave",
        count,
    )


@dataclass
class Eligibility:
    """Who may take a visit where in one wave, and each shopper's load in it.

    Read once per wave (four queries); generation and HQ's reassign form ask it the same
    question, so the rules are applied in one place.
    """

    shoppers: list[User]
    regions: dict[int, int]  # branch id -> region id
    neighbours: dict[int, set[int]]  # branch id -> shoppers of the waves just before and after
    at_branch: dict[int, Counter[int]]  # branch id -> shopper id -> visits there in this wave
    load: Counter[int]  # shopper id -> visits in this wave

    def bar(self, shopper: User, branch_id: int, visit: Visit | None = None) -> Bar | None:
        """Why `shopper` may not take a visit at the branch (`visit`: the one being moved)."""
        if shopper.home_region_id not in (None, self.regions.get(branch_id)):
            return Bar.home_region
        if shopper.id in self.neighbours.get(branch_id, set()):
            return Bar.neighbour_wave
        own = 1 if visit is not None and visit.shopper_id == shopper.id else 0
        if self.at_branch.get(branch_id, Counter())[row_id(shopper)] - own > 0:
            return Bar.same_wave
        return None

    def eligible(self, branch_id: int, visit: Visit | None = None) -> list[User]:
        return [s for s in self.shoppers if self.bar(s, branch_id, visit) is None]

    def bars(self, branch_id: int, visit: Visit | None = None) -> Counter[Bar]:
        """How many active shoppers each rule keeps away from this visit."""
        found = (self.bar(s, branch_id, visit) for s in self.shoppers)
        return Counter(bar for bar in found if bar is not None)


def eligibility(db: Session, *, wave: Wave) -> Eligibility:
    """The rules' facts for a wave: active shoppers, regions, neighbour waves, loads."""
    planned = select(WaveBranch.branch_id).where(WaveBranch.wave_id == wave.id)
    visited = select(Visit.branch_id).where(Visit.wave_id == wave.id)  # also dropped branches
    regions = {
        row_id(branch): branch.region_id
        for branch in db.exec(
            select(Branch).where(col(Branch.id).in_(planned) | col(Branch.id).in_(visited))
        )
    }
    shoppers = list(
        db.exec(select(User).where(User.role == Role.shopper, User.active).order_by(col(User.id)))
    )
    at_branch: dict[int, Counter[int]] = defaultdict(Counter)
    load: Counter[int] = Counter()
    for branch_id, shopper_id in db.exec(
        select(Visit.branch_id, Visit.shopper_id).where(
            Visit.wave_id == wave.id, col(Visit.shopper_id).is_not(None)
        )
    ):
        assert shopper_id is not None  # the query keeps visits that have a shopper
        at_branch[branch_id][shopper_id] += 1
        load[shopper_id] += 1
    neighbours = _neighbour_shoppers(db, wave, list(regions))
    return Eligibility(shoppers, regions, neighbours, at_branch, load)


def generate_assignments(db: Session, *, wave: Wave) -> GenerationReport:
    """Create the wave's missing visits and give every open one a shopper by the rules above."""
    branches = list(
        db.exec(
            select(Branch)
            .join(WaveBranch, col(WaveBranch.branch_id) == Branch.id)
            .where(WaveBranch.wave_id == wave.id, Branch.active)
            .order_by(Branch.code)
        )
    )
    report = GenerationReport(created=_create_missing(db, wave, branches))
    by_id = {row_id(b): b for b in branches}
    visits = list(db.exec(select(Visit).where(Visit.wave_id == wave.id).order_by(col(Visit.id))))
    rules = eligibility(db, wave=wave)
    load = Counter(rules.load)
    window_load: Counter[tuple[int, datetime | None]] = Counter()
    for visit in visits:
        if visit.shopper_id is not None:
            window_load[visit.shopper_id, visit.due_from] += 1
    open_visits: dict[int, list[Visit]] = defaultdict(list)
    for visit in visits:
        is_open = visit.shopper_id is None and visit.status == VisitStatus.assigned
        if is_open and visit.branch_id in by_id:
            open_visits[visit.branch_id].append(visit)
    eligible = {b: [row_id(s) for s in rules.eligible(b)] for b in open_visits}
    chosen = share({b: len(v) for b, v in open_visits.items()}, eligible, load)
    placed: dict[int, list[Visit]] = defaultdict(list)
    for branch_id, pending in open_visits.items():
        team = list(chosen[branch_id])
        for visit in sorted(pending, key=lambda v: (v.due_from is None, v.due_from, v.id)):
            if not team:
                report.unassigned.append(visit)
                continue
            shopper = min(team, key=lambda s: (window_load[s, visit.due_from], load[s], s))
            team.remove(shopper)
            visit.shopper_id = shopper
            load[shopper] += 1
            window_load[shopper, visit.due_from] += 1
            placed[branch_id].append(visit)
            report.assigned += 1
    _balance_windows(placed, window_load)
    db.add_all(v for group in placed.values() for v in group)
    db.flush()
    audit_trail.note(
        db,
        kind=AdminObjectKind.wave,
        obj=wave,
        field="generated",
        before=None,
        after={"created": report.created, "assigned": report.assigned},
    )
    return report


def _balance_windows(
    placed: dict[int, list[Visit]], window_load: Counter[tuple[int, datetime | None]]
) -> None:
    """Swap shoppers between a branch's stretches while that evens out their calendars.

    A swap is kept when it lowers the sum of squared visits per shopper and stretch,
    so nobody ends up with all their visits in the same weeks.
    """
    for _round in range(50):
        improved = False
        for group in placed.values():
            for first, second in combinations(group, 2):
                x, y = first.due_from, second.due_from
                a, b = first.shopper_id, second.shopper_id
                if x == y or a == b:
                    continue
                assert a is not None and b is not None  # every placed visit has its shopper
                change = (
                    window_load[a, y]
                    - window_load[a, x]
                    + window_load[b, x]
                    - window_load[b, y]
                    + 2
                )
                if change < 0:
                    first.shopper_id, second.shopper_id = b, a
                    window_load[a, x] -= 1
                    window_load[a, y] += 1
                    window_load[b, y] -= 1
                    window_load[b, x] += 1
                    improved = True
        if not improved:
            return
