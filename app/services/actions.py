"""Corrective actions: what a branch commits to fix after a failed standard, and by when."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.errors import Invalid, NotFound
from app.i18n import _
from app.models import Branch, CorrectiveAction, User, Wave, utcnow
from app.models.base import row_id
from app.services.access import get_branch
from app.services.checklists import checklist_of

ORDER = ("overdue", "open", "done")


def branch_today(branch: Branch, now: datetime | None = None) -> date:
    """Today's date where the branch is: due dates are the branch's calendar days."""
    return (now or utcnow()).astimezone(ZoneInfo(branch.timezone or "UTC")).date()


def status_of(action: CorrectiveAction, today: date) -> str:
    """open, done, or overdue (open past its due date)."""
    if action.status == "done":
        return "done"
    return "overdue" if action.due_on < today else "open"


def create_action(
    db: Session,
    *,
    user: User | None,
    branch: Branch,
    wave: Wave,
    item_id: str,
    what: str,
    owner: str,
    due_on: date | str | None,
    now: datetime | None = None,
) -> CorrectiveAction:
    """Commit the branch to fixing one standard of a wave's checklist; every field is required."""
    if user is not None:
        get_branch(db, user, row_id(branch))
    document = checklist_of(db, wave)
    if not any(item.id == item_id and item.scored for item in document.all_items()):
        raise Invalid(_("This standard is not in the wave's checklist."), field="item_id")
    what, owner = (what or "").strip(), (owner or "").strip()
    if not what:
        raise Invalid(_("Describe what will be done."), field="what")
    if len(what) > 2000:
        raise Invalid(_("Keep the description under 2000 characters."), field="what")
    if not owner:
        raise Invalid(_("Name who is responsible."), field="owner")
    if len(owner) > 200:
        raise Invalid(_("Keep the owner under 200 characters."), field="owner")
    due = _parse_date(due_on)
    if due < branch_today(branch, now):
        raise Invalid(_("The due date cannot be in the past."), field="due_on")
    action = CorrectiveAction(
        branch_id=row_id(branch),
        wave_id=row_id(wave),
        item_id=item_id,
        what=what,
        owner=owner,
        due_on=due,
        status="open",
        created_by_id=user.id if user else None,
    )
    db.add(action)
    db.flush()
    return action


def _parse_date(value: date | str | None) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise Invalid(_("Give the due date as a date."), field="due_on") from None


def get_action(db: Session, *, user: User, action_id: int) -> CorrectiveAction:
    """The action if its branch is visible to the user, else NotFound."""
    action = db.get(CorrectiveAction, action_id)
    if action is None:
        raise NotFound(_("Not found."))
    get_branch(db, user, action.branch_id)
    return action


def set_done(db: Session, *, user: User, action: CorrectiveAction, done: bool) -> CorrectiveAction:
    """Mark an action done (or open it again when it turns out not to be)."""
    get_branch(db, user, action.branch_id)
    action.status = "done" if done else "open"
    action.done_at = utcnow() if done else None
    db.add(action)
    db.flush()
    return action


def branch_actions(db: Session, *, branch_id: int) -> list[CorrectiveAction]:
    """All of a branch's actions, newest first."""
    return list(
        db.exec(
            select(CorrectiveAction)
            .where(CorrectiveAction.branch_id == branch_id)
            .order_by(col(CorrectiveAction.created_at).desc(), col(CorrectiveAction.id).desc())
        )
    )


def sort_key(status: str, action: CorrectiveAction) -> tuple[int, date, int]:
    """Overdue first, then open by due date, then done."""
    return (ORDER.index(status), action.due_on, -(action.id or 0))


def open_actions(
    db: Session, *, now: datetime | None = None
) -> list[tuple[CorrectiveAction, Branch, str]]:
    """Every action not yet done, with its branch and status (overdue first), for HQ."""
    found = db.exec(
        select(CorrectiveAction, Branch)
        .join(Branch, col(Branch.id) == CorrectiveAction.branch_id)
        .where(CorrectiveAction.status != "done")
    ).all()
    rows = [(a, b, status_of(a, branch_today(b, now))) for a, b in found]
    rows.sort(key=lambda r: sort_key(r[2], r[0]))
    return rows
