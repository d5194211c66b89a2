"""Object-level access: who may see which branch and which visit.

Every router that loads a branch, a visit or a photo goes through here, so the
rule lives in one place. Anything not visible is reported as not found.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.errors import NotFound
from app.i18n import _
from app.models import Branch, ManagerRegion, Role, User, Visit


def manager_region_ids(db: Session, user: User) -> list[int]:
    return list(db.exec(select(ManagerRegion.region_id).where(ManagerRegion.user_id == user.id)))


def branch_scope(db: Session, user: User):
    """A WHERE clause on Branch limiting it to what the user may see (None = everything)."""
    if user.role in (Role.admin, Role.reviewer):
        return None
    if user.role == Role.manager:
        return Branch.region_id.in_(manager_region_ids(db, user))
    return Branch.id == -1  # shoppers see branches only through their visits


def get_branch(db: Session, user: User, branch_id: int) -> Branch:
    """The branch if this user may see it, else NotFound."""
    query = select(Branch).where(Branch.id == branch_id)
    scope = branch_scope(db, user)
    if scope is not None:
        query = query.where(scope)
    branch = db.exec(query).first()
    if branch is None:
        raise NotFound(_("Not found."))
    return branch


def can_see_visit(db: Session, user: User, visit: Visit) -> bool:
    if user.role in (Role.admin, Role.reviewer):
        return True
    if user.role == Role.shopper:
        return visit.shopper_id == user.id
    if user.role == Role.manager:
        branch = db.get(Branch, visit.branch_id)
        return (
            branch is not None
            and branch.region_id in manager_region_ids(db, user)
            and visit.status == "approved"  # managers see only what counts
        )
    return False


def get_visit(db: Session, user: User, visit_id: int) -> Visit:
    """The visit if this user may see it, else NotFound (never a hint that it exists)."""
    visit = db.get(Visit, visit_id)
    if visit is None or not can_see_visit(db, user, visit):
        raise NotFound(_("Not found."))
    return visit
