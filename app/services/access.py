"""Object-level access: which branches, visits and disputes a user may load.

Every router that loads a branch, a wave, a visit, a photo or a dispute goes through
here, so nothing is fetched by id without the check. Whether a user may see a visit is
the visit policy's `view` answer (`app.services.visit_policy`); anything not visible
is reported as not found.
"""

from __future__ import annotations

from typing import Any, NoReturn

from sqlmodel import Session, col, select

from app.errors import Denied, Forbidden, NotFound
from app.i18n import _
from app.models import Agency, AgencyBranch, Branch, Dispute, Role, User, Visit, Wave
from app.services import visit_lock, visit_policy
from app.services.visit_policy import manager_region_ids

__all__ = [
    "agency_branch_ids",
    "branch_scope",
    "can_see_visit",
    "get_agency_visit",
    "get_branch",
    "get_dispute",
    "get_visit",
    "get_wave",
    "manager_region_ids",
    "require_agency_branch",
    "visit_scope",
]


def branch_scope(db: Session, user: User) -> Any:
    """A WHERE clause on Branch limiting it to what the user may see (None = everything)."""
    if user.role in (Role.admin, Role.reviewer):
        return None
    if user.role == Role.manager:
        return col(Branch.region_id).in_(manager_region_ids(db, user))
    return col(Branch.id) == -1  # shoppers see branches only through their visits


def visit_scope(user: User | None) -> Any:
    """A WHERE clause on Visit for the visits a user's lists may show (None = no limit)."""
    if user is not None and visit_policy.counted_only(user):
        return col(Visit.status).in_([s.value for s in visit_policy.COUNTED])
    return None


def get_branch(db: Session, user: User, branch_id: int) -> Branch:
    """The branch if this user may see it, else NotFound."""
    query = select(Branch).where(Branch.id == branch_id)
    scope = branch_scope(db, user)
    if scope is not None:
        query = query.where(scope)
    branch = db.exec(query).first()
    if branch is None:
        _refuse(db.get(Branch, branch_id) is not None)
    return branch


def _refuse(exists: bool) -> NoReturn:
    """Not found either way; a refusal of something that exists is a `Denied` (logged)."""
    raise Denied(_("Not found.")) if exists else NotFound(_("Not found."))


def can_see_visit(db: Session, user: User, visit: Visit) -> bool:
    return visit_policy.for_visit(db, user=user, visit=visit).view


def get_visit(db: Session, user: User, visit_id: int, *, lock: bool = False) -> Visit:
    """The visit if this user may see it, else NotFound (never a hint that it exists).

    `lock=True` reads it under its row lock, for a request that changes it: the change's
    own `lock` then keeps this read instead of reading the visit again (`visit_lock`).
    """
    visit = visit_lock.load_locked(db, visit_id) if lock else db.get(Visit, visit_id)
    if visit is None or not can_see_visit(db, user, visit):
        _refuse(visit is not None)
    return visit


def get_dispute(db: Session, user: User, dispute_id: int) -> Dispute:
    """The dispute if the user works with disputes and may see its visit, else NotFound."""
    dispute = db.get(Dispute, dispute_id)
    if dispute is None or not visit_policy.sees_disputes(user):
        _refuse(dispute is not None)
    get_visit(db, user, dispute.visit_id)
    return dispute


def get_wave(db: Session, wave_id: int) -> Wave:
    """A wave (plans are not secret to anyone who reaches a scorecard), else NotFound."""
    wave = db.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("Not found."))
    return wave


def agency_branch_ids(db: Session, agency: Agency) -> set[int] | None:
    """The branches HQ limited an agency to; None when it is not limited (every branch)."""
    ids = set(db.exec(select(AgencyBranch.branch_id).where(AgencyBranch.agency_id == agency.id)))
    return ids or None


def require_agency_branch(db: Session, agency: Agency, branch: Branch) -> None:
    """Refuse (403, the branch named) a delivery or read at a branch the agency is not
    limited to; the agency already knows the branch, from its own document or delivery."""
    allowed = agency_branch_ids(db, agency)
    if allowed is not None and branch.id not in allowed:
        raise Forbidden(
            f"branch: this agency may not deliver or read visits of branch {branch.code!r}",
            field="branch",
        )


def get_agency_delivery(db: Session, agency: Agency, external_id: str) -> Visit:
    """The visit this agency delivered under its own id, else NotFound (another agency's
    external_id included: nothing says that it exists); 403 outside its branches."""
    visit = db.exec(
        select(Visit).where(Visit.external_id == external_id, Visit.agency_id == agency.id)
    ).first()
    if visit is None:
        raise NotFound(_("Not found."))
    _require_visit_branch(db, agency, visit)
    return visit


def get_agency_visit(db: Session, agency: Agency, visit_id: int) -> Visit:
    """A visit this agency delivered, else NotFound (another agency's visit included);
    403 when HQ has since limited the agency to other branches."""
    visit = db.get(Visit, visit_id)
    if visit is None or visit.agency_id != agency.id:
        _refuse(visit is not None)
    _require_visit_branch(db, agency, visit)
    return visit


def _require_visit_branch(db: Session, agency: Agency, visit: Visit) -> None:
    branch = db.get(Branch, visit.branch_id)
    assert branch is not None  # a visit's branch is a foreign key
    require_agency_branch(db, agency, branch)
