"""Waves: audit periods HQ plans, their progress, and changes to single assignments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, delete, func, select

from app import storage
from app.errors import Invalid, NotFound
from app.i18n import _, ngettext
from app.models import (
    AdminObjectKind,
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
from app.services import audit_trail, visit_policy, wave_brief
from app.services.assignments import Bar, Eligibility, bar_count_label, bar_label, eligibility
from app.services.checklists import checklist_of, document_of
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


def name_taken(db: Session, *, name: str, checklist_id: int) -> bool:
    """Whether a wave of the checklist (any version) has this name, ignoring letter case."""
    same = (
        select(Wave.id)
        .join(ChecklistVersion, col(ChecklistVersion.id) == Wave.checklist_version_id)
        .where(
            ChecklistVersion.checklist_id == checklist_id,
            func.lower(Wave.name) == name.strip().lower(),
        )
    )
    return db.exec(same).first() is not None


def proposed_version_id(db: Session) -> int | None:
    """The checklist version the newest wave uses: the next wave is usually comparable to it."""
    newest = db.exec(
        select(Wave.checklist_version_id).order_by(col(Wave.starts_on).desc(), col(Wave.id).desc())
    ).first()
    return newest


def planned_mix(db: Session, *, wave: Wave) -> list[tuple[str, int]]:
    """The wave's mix of variants in its checklist's order (the order visits take them in).

    The stored mapping keeps no order of its own (PostgreSQL's JSONB sorts its keys).
    """
    if not wave.variant_mix:
        return []
    order = checklist_of(db, wave).variant_ids
    return [(v, wave.variant_mix[v]) for v in order if v in wave.variant_mix]


def parse_mix(text: str) -> dict[str, int] | None:
    """A mix as written ("enquiry: 1, call: 2"): {} when empty, None when unreadable."""
    mix: dict[str, int] = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        key, sep, count = part.partition(":")
        key, count = key.strip(), count.strip()
        if not sep or not key or not count.isdigit() or key in mix:
            return None
        mix[key] = int(count)
    return mix


def _mix_error(variants: tuple[str, ...], mix: dict[str, int], per_branch: int | None) -> str:
    """Why a planned mix of variants cannot be used ("" when it can)."""
    if not variants:
        return _("This checklist has no kinds of visit: leave this empty.")
    unknown = [v for v in mix if v not in variants]
    if unknown:
        return _(
            "Unknown kind of visit %(id)s (the checklist's: %(ids)s).",
            id=unknown[0],
            ids=", ".join(variants),
        )
    if per_branch is not None and sum(mix.values()) != per_branch:
        return _(
            "The kinds of visit add up to %(total)s, not the %(visits)s visits per branch.",
            total=sum(mix.values()),
            visits=per_branch,
        )
    return ""


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
    scenario_translations: Mapping[str, str] | None = None,
    variant_mix: str = "",
) -> Wave:
    """Plan a wave; its checklist version is fixed so every visit in it is comparable.

    ``variant_mix`` ("enquiry: 1, transaction: 2": visits per branch of each kind) plans
    the kinds of visit when the checklist has variants; left empty, each branch's visits
    take them in turn. ``scenario_translations`` ({language tag: text}) carries the brief
    in further languages than the default ``scenario``.
    """
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
    version = db.get(ChecklistVersion, checklist_version_id) if checklist_version_id else None
    if version is None:
        errors["checklist_version_id"] = _("Choose a checklist version.")
    elif "name" not in errors and name_taken(db, name=name, checklist_id=version.checklist_id):
        errors["name"] = _(
            "A wave of this checklist is already named %(name)s: trends and reports tell waves "
            "apart by name, so choose another.",
            name=name,
        )
    if visits_per_branch is None or not 1 <= visits_per_branch <= MAX_VISITS_PER_BRANCH:
        errors["visits_per_branch"] = _("Between 1 and 20.")
    ids = sorted(set(branch_ids))
    found = db.exec(select(Branch.id).where(col(Branch.id).in_(ids), Branch.active)).all()
    if not ids or len(found) != len(ids):
        errors["branches"] = _("Choose at least one active branch.")
    errors |= wave_brief.brief_errors(scenario, scenario_translations or {})
    mix = parse_mix(variant_mix)
    if mix is None:
        errors["variant_mix"] = _("Write each kind of visit with its number: enquiry: 1, call: 2")
    elif mix and version is not None:
        problem = _mix_error(document_of(version).variant_ids, mix, visits_per_branch)
        if problem:
            errors["variant_mix"] = problem
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
        scenario_translations=wave_brief.cleaned(scenario_translations or {}),
        variant_mix=mix or None,
    )
    db.add(wave)
    db.flush()
    db.add_all(WaveBranch(wave_id=row_id(wave), branch_id=branch_id) for branch_id in ids)
    db.flush()
    return wave


# The wave page's columns, one per visit: "assigned" only with a shopper (one without is
# "unassigned"), so the columns add up to the visits created. "overdue" is counted besides them.
PROGRESS_STATES = ("unassigned", "assigned", "in_progress", "submitted", "returned", "approved")


def progress_state(visit: Visit) -> str:
    """The one column a visit is counted in (and the status its row shows)."""
    return _state_of(visit.status, visit.shopper_id is not None)


def _state_of(status: str, has_shopper: bool) -> str:
    return "unassigned" if status == VisitStatus.assigned and not has_shopper else status


@dataclass
class RegionProgress:
    """A region's visits in the wave (region None: the whole wave)."""

    region: Region | None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROGRESS_STATES, 0))
    planned: int = 0
    overdue: int = 0  # of the counted visits: past the due date and not yet submitted

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unassigned(self) -> int:
        return self.counts["unassigned"]

    @property
    def not_created(self) -> int:
        """Planned visits that generating the assignments has not made yet."""
        return max(self.planned - self.total, 0)

    @property
    def done(self) -> float:
        """Approved visits as a percentage of the planned ones."""
        return 100 * self.counts["approved"] / self.planned if self.planned else 0.0


def wave_progress(db: Session, *, wave: Wave, now: datetime | None = None) -> list[RegionProgress]:
    """Visits per region and progress column (plus planned and overdue), for the wave page."""
    now = now or visit_policy.clock()
    progress: dict[int, RegionProgress] = {}
    for region, branches in db.exec(
        select(Region, func.count())
        .join(Branch, col(Branch.region_id) == Region.id)
        .join(WaveBranch, col(WaveBranch.branch_id) == Branch.id)
        .where(WaveBranch.wave_id == wave.id)
        .group_by(col(Region.id))
        .order_by(Region.code)
    ):
        progress[row_id(region)] = RegionProgress(region, planned=branches * wave.visits_per_branch)
    for region_id, status, unassigned, count in db.exec(
        select(Branch.region_id, Visit.status, col(Visit.shopper_id).is_(None), func.count())
        .join(Branch, col(Branch.id) == Visit.branch_id)
        # a rejected agency delivery is no visit of the wave's plan: counted in no column
        .where(Visit.wave_id == wave.id, Visit.status != VisitStatus.rejected)
        .group_by(col(Branch.region_id), col(Visit.status), col(Visit.shopper_id).is_(None))
    ):
        _row(db, progress, region_id).counts[_state_of(status, not unassigned)] += count
    for region_id, count in db.exec(
        select(Branch.region_id, func.count())
        .select_from(Visit)
        .join(Branch, col(Branch.id) == Visit.branch_id)
        .where(Visit.wave_id == wave.id, visit_policy.overdue_clause(now))
        .group_by(col(Branch.region_id))
    ):
        _row(db, progress, region_id).overdue = count
    return list(progress.values())


def _row(db: Session, progress: dict[int, RegionProgress], region_id: int) -> RegionProgress:
    row = progress.get(region_id)
    if row is None:  # a branch dropped from the wave after visits were made
        dropped = db.get(Region, region_id)
        assert dropped is not None  # branch.region_id is a non-null foreign key
        row = progress[region_id] = RegionProgress(dropped)
    return row


def wave_total(rows: list[RegionProgress]) -> RegionProgress:
    """The whole wave: the sum of its regions' rows (each count defined once, above)."""
    total = RegionProgress(None)
    for row in rows:
        for state, count in row.counts.items():
            total.counts[state] += count
        total.planned += row.planned
        total.overdue += row.overdue
    return total


@dataclass
class ShopperChoice:
    """A shopper HQ may give the visit to, with the visits they already have in the wave."""

    shopper: User
    load: int
    barred: Bar | None = None  # only for the current shopper, kept selectable as they are

    @property
    def label(self) -> str:
        text = ngettext(
            "%(name)s · %(num)s visit",
            "%(name)s · %(num)s visits",
            self.load,
            name=self.shopper.name,
        )
        return f"{text} · {bar_label(self.barred)}" if self.barred else text


@dataclass
class WaveVisit:
    visit: Visit
    branch: Branch
    shopper: User | None
    state: str = ""  # its progress column (progress_state)
    overdue: bool = False
    choices: list[ShopperChoice] = field(default_factory=list)
    bars: Counter[Bar] = field(default_factory=Counter)  # shoppers each rule keeps away

    @property
    def reassignable(self) -> bool:
        return state_allows(self.visit, Action.reassign)

    @property
    def cancellable(self) -> bool:
        return state_allows(self.visit, Action.cancel)

    @property
    def reviewable(self) -> bool:
        return state_allows(self.visit, Action.approve)

    @property
    def eligible(self) -> int:
        return sum(1 for c in self.choices if c.barred is None)

    @property
    def why_unassigned(self) -> str:
        """Why no shopper has it (the rules that keep each one away), or how many could."""
        if self.eligible:
            return ngettext("%(num)s eligible shopper", "%(num)s eligible shoppers", self.eligible)
        if not self.bars:
            return _("No eligible shopper: there is no active shopper.")
        parts = [bar_count_label(bar, count) for bar, count in sorted(self.bars.items())]
        return _("No eligible shopper: %(reasons)s.", reasons="; ".join(parts))


def wave_visits(
    db: Session,
    *,
    wave: Wave,
    region_id: int | None = None,
    status: str = "",
    now: datetime | None = None,
) -> list[WaveVisit]:
    """The wave's visits with branch, shopper and the shoppers eligible for each, by branch."""
    now = now or visit_policy.clock()
    stmt = (
        select(Visit, Branch, User)
        .join(Branch, col(Branch.id) == Visit.branch_id)
        .outerjoin(User, col(User.id) == Visit.shopper_id)
        .where(Visit.wave_id == wave.id)
    )
    if region_id:
        stmt = stmt.where(Branch.region_id == region_id)
    has_shopper = col(Visit.shopper_id).is_not(None)
    if status == "unassigned":
        stmt = stmt.where(~has_shopper, Visit.status == VisitStatus.assigned)
    elif status == "assigned":
        stmt = stmt.where(has_shopper, Visit.status == VisitStatus.assigned)
    elif status == "overdue":
        stmt = stmt.where(visit_policy.overdue_clause(now))
    elif status:
        stmt = stmt.where(Visit.status == status)
    rows = db.exec(stmt.order_by(col(Branch.code), col(Visit.due_from), col(Visit.id))).all()
    rules = eligibility(db, wave=wave)
    out = []
    for visit, branch, user in rows:
        late = visit_policy.overdue(visit, now)
        row = WaveVisit(visit, branch, user, progress_state(visit), late)
        if row.reassignable:
            row.choices = _choices(rules, visit, user)
            row.bars = rules.bars(visit.branch_id, visit)
        out.append(row)
    return out


def _choices(rules: Eligibility, visit: Visit, current: User | None) -> list[ShopperChoice]:
    """The eligible shoppers, least busy first; the current one too, even if now barred."""
    choices = [
        ShopperChoice(s, rules.load[row_id(s)]) for s in rules.eligible(visit.branch_id, visit)
    ]
    if current is not None and all(c.shopper.id != current.id for c in choices):
        barred = rules.bar(current, visit.branch_id, visit)
        choices.append(ShopperChoice(current, rules.load[row_id(current)], barred))
    choices.sort(key=lambda c: (c.load, c.shopper.name, row_id(c.shopper)))
    return choices


def get_wave_visit(db: Session, *, wave: Wave, visit_id: int) -> Visit:
    visit = db.get(Visit, visit_id)
    if visit is None or visit.wave_id != wave.id:
        raise NotFound(_("Not found."))
    return visit


def reassign(db: Session, *, visit: Visit, shopper_id: int | None) -> User | None:
    """Give an unfinished visit to another eligible shopper (or leave it open); its shopper.

    The assignment rules (home region, no repeat at a branch) hold for a hand-made choice
    as they do for generated ones; keeping the shopper a visit already has is always allowed.
    """
    check_state(visit, Action.reassign)
    shopper = db.get(User, shopper_id) if shopper_id is not None else None
    if shopper_id is not None and shopper_id != visit.shopper_id:
        if shopper is None or shopper.role != Role.shopper or not shopper.active:
            raise Invalid(_("Choose an active shopper."), field="shopper_id")
        wave = db.get(Wave, visit.wave_id) if visit.wave_id is not None else None
        bar = eligibility(db, wave=wave).bar(shopper, visit.branch_id, visit) if wave else None
        if bar is not None:
            raise Invalid(
                _(
                    "%(name)s cannot take this visit: %(reason)s.",
                    name=shopper.name,
                    reason=bar_label(bar),
                ),
                field="shopper_id",
            )
    before = db.get(User, visit.shopper_id) if visit.shopper_id is not None else None
    _note_visit(
        db,
        visit,
        "shopper",
        before.username if before else None,
        shopper.username if shopper else None,
    )
    visit.shopper_id = shopper_id
    db.add(visit)
    return shopper


def _note_visit(db: Session, visit: Visit, what: str, before: object, after: object) -> None:
    """A change to one of a wave's visits, in HQ's audit trail under the wave."""
    wave = db.get(Wave, visit.wave_id) if visit.wave_id is not None else None
    if wave is not None:
        field = f"visit {visit.id} {what}"
        audit_trail.note(
            db, kind=AdminObjectKind.wave, obj=wave, field=field, before=before, after=after
        )


def cancel(db: Session, *, visit: Visit) -> None:
    """Drop a visit that has not been submitted (a branch closed, a wave shrank)."""
    check_state(visit, Action.cancel)
    _note_visit(db, visit, "cancelled", False, True)
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
