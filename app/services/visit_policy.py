"""Who may do what to a visit: the one place that weighs roles and visit states.

Services enforce it (`permissions.require(Action.approve)` raises the app's domain
error with the reason), templates only read it (`page.perms.correct`), and the access
functions load visits through its `view` answer. Three questions, in this order:

1. May the role ever do this? (a shopper never approves) -> Forbidden
2. May this user see the visit at all? (another shopper's visit) -> NotFound, no hint
3. Does the visit's state allow it now? (already submitted, not due yet, dispute window
   passed) -> Conflict

A visit's due window (`due_from` .. `due_until`) is judged here too: before it opens the
shopper can neither start the visit nor answer nor add photos (the visit is planned for a
day, and a visit done early measures the wrong day); once it has closed the visit stays open
to finish and submit, as it always was (a late visit is better than none, and the reviewer
sees its times), and the page says that the window has closed.

Disputes are invisible to the roles that can neither raise nor decide them, so a
shopper or a reviewer raising one is told "not found", as for a visit they cannot see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.i18n import _, current_language
from app.models import Branch, Dispute, ManagerRegion, Role, User, Visit, VisitStatus, utcnow
from app.settings import get_settings


class Action(StrEnum):
    view = "view"
    edit = "edit"  # the shopper answers, uploads or deletes photos, starts the visit
    submit = "submit"
    correct = "correct"  # a reviewer changes an answer (audited, rescored)
    return_ = "return"  # a reviewer sends the visit back to its shopper
    approve = "approve"
    reject = "reject"  # a reviewer refuses an agency delivery, with a reason
    dispute = "dispute"  # a manager challenges an answer
    decide = "decide"  # a reviewer accepts or rejects a dispute
    reassign = "reassign"  # HQ gives the visit to another shopper
    cancel = "cancel"  # HQ drops a visit not yet submitted


EDITABLE = frozenset({VisitStatus.assigned, VisitStatus.in_progress, VisitStatus.returned})
SUBMITTABLE = frozenset({VisitStatus.in_progress, VisitStatus.returned})
CORRECTABLE = frozenset({VisitStatus.submitted, VisitStatus.approved})  # approved: disputes
REASSIGNABLE = EDITABLE
CANCELLABLE = frozenset({VisitStatus.assigned, VisitStatus.in_progress})
COUNTED = frozenset({VisitStatus.approved})  # what managers see; only these count
# Not yet submitted: past its due date, such a visit is overdue (a returned visit was submitted
# on time once; it waits for the shopper's fix, which the review queue tracks, not the due date).
NOT_SUBMITTED = frozenset({VisitStatus.assigned, VisitStatus.in_progress})

REVIEWERS = frozenset({Role.reviewer, Role.admin})
RAISERS = frozenset({Role.manager, Role.admin})
DISPUTE_ROLES = RAISERS | REVIEWERS
SEE_EVERYTHING = frozenset({Role.admin, Role.reviewer})


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused, as the user reads it, and the domain error that carries it."""

    error: type[DomainError]
    message: str

    def exception(self) -> DomainError:
        return self.error(self.message)


@dataclass(frozen=True)
class Facts:
    """What the policy needs to know about a user and a visit (read from the database once)."""

    role: str
    status: str
    own: bool = False  # the user is the visit's shopper
    in_region: bool = False  # the visit's branch is in one of the manager's regions
    has_shopper: bool = True  # False for an agency delivery (nobody to return it to)
    window_open: bool = False  # approved, and the dispute window has not passed
    dispute_status: str | None = None  # the dispute being decided, if any
    returned_after: datetime | None = None  # a returned visit: its last submission
    opens_at: datetime | None = None  # the due window opens then, still in the future
    closed_at: datetime | None = None  # the due window closed then, already past
    timezone: str = "UTC"  # the branch's, for the dates in messages


@dataclass(frozen=True)
class VisitPermissions:
    """The policy's answers for one user and one visit; `reason(action)` says why not."""

    refusals: Mapping[Action, Refusal] = field(default_factory=lambda: MappingProxyType({}))
    returned_after: datetime | None = None
    opens_at: datetime | None = None  # not due yet: the visit opens then
    closed_at: datetime | None = None  # still open to the shopper, but its window closed then

    def can(self, action: Action | str) -> bool:
        return Action(action) not in self.refusals

    def reason(self, action: Action | str) -> str:
        """The refusal's message for the user ('' when the action is allowed)."""
        refusal = self.refusals.get(Action(action))
        return refusal.message if refusal else ""

    def require(self, action: Action, *, client_time: datetime | None = None) -> None:
        """Raise the refusal's domain error; an edit made before a return is refused too."""
        refusal = self.refusals.get(action)
        if refusal is not None:
            raise refusal.exception()
        before = self.returned_after
        if action == Action.edit and client_time and before and client_time < before:
            raise Conflict(
                _("This change was made before the visit was submitted and returned. Answer again.")
            )

    @property
    def view(self) -> bool:
        return self.can(Action.view)

    @property
    def edit(self) -> bool:
        return self.can(Action.edit)

    @property
    def submit(self) -> bool:
        return self.can(Action.submit)

    @property
    def correct(self) -> bool:
        return self.can(Action.correct)

    @property
    def return_(self) -> bool:
        return self.can(Action.return_)

    @property
    def approve(self) -> bool:
        return self.can(Action.approve)

    @property
    def reject(self) -> bool:
        return self.can(Action.reject)

    @property
    def dispute(self) -> bool:
        return self.can(Action.dispute)

    @property
    def decide(self) -> bool:
        return self.can(Action.decide)

    @property
    def reassign(self) -> bool:
        return self.can(Action.reassign)

    @property
    def cancel(self) -> bool:
        return self.can(Action.cancel)


def day_label(moment: datetime, timezone: str) -> str:
    """A day as the reader says it ("7 Dec", "12月7日"), in the branch's time zone."""
    local = moment.astimezone(ZoneInfo(timezone or "UTC"))
    return format_skeleton("MMMd", local, locale=current_language.get())


def _not_due(facts: Facts) -> Refusal:
    assert facts.opens_at is not None
    day = day_label(facts.opens_at, facts.timezone)
    return Refusal(Conflict, _("This visit is not due yet. It opens on %(date)s.", date=day))


def _not_found() -> Refusal:
    return Refusal(NotFound, _("Not found."))


def _submitted() -> Refusal:
    return Refusal(Conflict, _("This visit has been submitted; it can no longer be changed."))


def _role_refusal(action: Action, role: str) -> Refusal | None:
    """Actions a role can never take, whatever the visit."""
    if action in (Action.edit, Action.submit) and role != Role.shopper:
        return Refusal(Forbidden, _("Only the visit's shopper can do this."))
    if (
        action in (Action.correct, Action.return_, Action.approve, Action.reject)
        and role not in REVIEWERS
    ):
        return Refusal(Forbidden, _("Only reviewers can do this."))
    if action == Action.dispute and role not in RAISERS:
        return _not_found()
    if action == Action.decide and role not in REVIEWERS:
        return Refusal(Forbidden, _("Only reviewers can decide disputes."))
    if action in (Action.reassign, Action.cancel) and role != Role.admin:
        return Refusal(Forbidden, _("Only administrators can do this."))
    return None


def sees(facts: Facts) -> bool:
    """HQ and reviewers see every visit, shoppers their own, managers what counts in theirs."""
    if facts.role in SEE_EVERYTHING:
        return True
    if facts.role == Role.shopper:
        return facts.own
    if facts.role == Role.manager:
        return facts.in_region and facts.status in COUNTED
    return False


def state_refusal(action: Action, facts: Facts) -> Refusal | None:
    """What the visit's state (and a dispute's) says about an action, whoever asks."""
    status = facts.status
    if action == Action.edit and status not in EDITABLE:
        return _submitted()
    if action == Action.edit and facts.opens_at is not None:
        return _not_due(facts)
    if action == Action.submit and status == VisitStatus.assigned:
        return Refusal(Conflict, _("Start the visit before submitting it."))
    if action == Action.submit and status not in SUBMITTABLE:
        return _submitted()
    if action == Action.submit and facts.opens_at is not None:
        return _not_due(facts)
    if action == Action.correct and status not in CORRECTABLE:
        return Refusal(Conflict, _("Only submitted or approved visits can be corrected."))
    if (
        action in (Action.return_, Action.approve, Action.reject)
        and status != VisitStatus.submitted
    ):
        return Refusal(Conflict, _("This visit is not waiting for review."))
    if action == Action.reject and facts.has_shopper:
        return Refusal(
            Conflict, _("Only an agency delivery can be rejected; return this visit instead.")
        )
    if action == Action.return_ and not facts.has_shopper:
        return Refusal(
            Conflict, _("An agency delivery cannot be returned; correct its answers instead.")
        )
    if action == Action.dispute and status != VisitStatus.approved:
        return Refusal(Conflict, _("Only approved visits can be disputed."))
    if action == Action.dispute and not facts.window_open:
        return Refusal(Conflict, _("The time to dispute this visit has passed."))
    if action == Action.decide and facts.dispute_status is None:
        return Refusal(Conflict, _("There is no dispute to decide."))
    if action == Action.decide and facts.dispute_status != "open":
        return Refusal(Conflict, _("This dispute has already been decided."))
    if action == Action.reassign and status not in REASSIGNABLE:
        return Refusal(
            Conflict, _("Only visits that are not submitted or approved can be reassigned.")
        )
    if action == Action.cancel and status not in CANCELLABLE:
        return Refusal(
            Conflict, _("Only visits that are assigned or in progress can be cancelled.")
        )
    return None


def judge(facts: Facts) -> VisitPermissions:
    """Every action's answer for these facts: role first, then sight, then the visit's state."""
    visible = sees(facts)
    refusals: dict[Action, Refusal] = {}
    for action in Action:
        refusal = _role_refusal(action, facts.role)
        if refusal is None and not visible:
            refusal = _not_found()
        refusal = refusal or state_refusal(action, facts)
        if refusal is not None:
            refusals[action] = refusal
    returned = facts.status == VisitStatus.returned
    still_open = facts.status in EDITABLE
    return VisitPermissions(
        refusals=MappingProxyType(refusals),
        returned_after=facts.returned_after if returned else None,
        opens_at=facts.opens_at if still_open and visible else None,
        closed_at=facts.closed_at if still_open and visible else None,
    )


def clock() -> datetime:
    """Now, for due windows and the worklists built on them: the one function tests pin."""
    return utcnow()


def due_window(
    visit: Visit, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """(opens at, still ahead; closed at, already past) of the visit's due window."""
    now = now or clock()
    opens = visit.due_from if visit.due_from is not None and visit.due_from > now else None
    closed = visit.due_until if visit.due_until is not None and visit.due_until < now else None
    return opens, closed


def overdue(visit: Visit, now: datetime | None = None) -> bool:
    """Past its due date and not yet submitted: what "overdue" means on every page."""
    _opens, closed = due_window(visit, now)
    return closed is not None and visit.status in NOT_SUBMITTED


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """The same rule as `overdue`, as a query condition (to count and list without loading)."""
    return and_(col(Visit.due_until) < now, col(Visit.status).in_([*NOT_SUBMITTED]))


def _timezone(db: Session, visit: Visit) -> str:
    branch = db.get(Branch, visit.branch_id)
    return branch.timezone if branch is not None and branch.timezone else "UTC"


def deadline(visit: Visit) -> datetime | None:
    """The last moment an answer of this visit may be disputed (None: not approved)."""
    if visit.approved_at is None:
        return None
    return visit.approved_at + timedelta(days=get_settings().dispute_window_days)


def window_open(visit: Visit, now: datetime | None = None) -> bool:
    """Approved, and still within the dispute window (the same for everyone)."""
    end = deadline(visit)
    return visit.status == VisitStatus.approved and end is not None and (now or utcnow()) <= end


def manager_region_ids(db: Session, user: User) -> list[int]:
    return list(db.exec(select(ManagerRegion.region_id).where(ManagerRegion.user_id == user.id)))


def _in_region(db: Session, user: User, visit: Visit) -> bool:
    if user.role != Role.manager:
        return False
    branch = db.get(Branch, visit.branch_id)
    return branch is not None and branch.region_id in manager_region_ids(db, user)


def facts_of(
    db: Session,
    *,
    user: User,
    visit: Visit,
    dispute: Dispute | None = None,
    now: datetime | None = None,
) -> Facts:
    opens, closed = due_window(visit, now)
    return Facts(
        role=user.role,
        status=visit.status,
        own=visit.shopper_id is not None and visit.shopper_id == user.id,
        in_region=_in_region(db, user, visit),
        has_shopper=visit.shopper_id is not None,
        window_open=window_open(visit, now),
        dispute_status=dispute.status if dispute is not None else None,
        returned_after=visit.submitted_at,
        opens_at=opens,
        closed_at=closed,
        timezone=_timezone(db, visit) if opens or closed else "UTC",
    )


def for_visit(
    db: Session,
    *,
    user: User,
    visit: Visit,
    dispute: Dispute | None = None,
    now: datetime | None = None,
) -> VisitPermissions:
    """What this user may do to this visit now (and to `dispute`, one of its disputes)."""
    return judge(facts_of(db, user=user, visit=visit, dispute=dispute, now=now))


def _state_facts(visit: Visit) -> Facts:
    opens, closed = due_window(visit)
    return Facts(
        role="",
        status=visit.status,
        has_shopper=visit.shopper_id is not None,
        window_open=window_open(visit),
        opens_at=opens,
        closed_at=closed,
    )


def check_state(visit: Visit, action: Action) -> None:
    """Refuse what the visit's state forbids, where the router has already checked the role."""
    refusal = state_refusal(action, _state_facts(visit))
    if refusal is not None:
        raise refusal.exception()


def state_allows(visit: Visit, action: Action) -> bool:
    """Whether the visit's state allows the action (for pages whose router checked the role)."""
    return state_refusal(action, _state_facts(visit)) is None


QUARTER_HOUR = 15 * 60  # seconds


def quarter_hour(moment: datetime) -> datetime:
    """The nearest quarter hour (7½ minutes past rounds up): zone offsets are whole quarters."""
    seconds = (int(moment.timestamp()) + QUARTER_HOUR // 2) // QUARTER_HOUR * QUARTER_HOUR
    return datetime.fromtimestamp(seconds, tz=moment.tzinfo)


def visit_time(moment: datetime | None, user: User | None) -> datetime | None:
    """A visit's time in or out as this reader may see it.

    Reviewers, HQ and the shopper see the exact time; managers, and the branch-facing PDF
    (no reader: `user=None`), see it to the quarter hour, so a time cannot single out the
    customer the shopper was among.
    """
    if moment is None:
        return None
    return moment if user is not None and user.role != Role.manager else quarter_hour(moment)


def counted_only(user: User) -> bool:
    """Managers see only approved visits (the ones that count); everyone else is not limited so."""
    return user.role == Role.manager


def sees_disputes(user: User) -> bool:
    """Disputes are for managers (who raise them), reviewers (who decide) and HQ."""
    return user.role in DISPUTE_ROLES


def raises_disputes(user: User) -> bool:
    return user.role in RAISERS


def decides_disputes(user: User) -> bool:
    return user.role in REVIEWERS
