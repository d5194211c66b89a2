"""Regions and branches: HQ's list of where visits happen, kept by form or CSV import."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, delete, func, or_, select

from app.errors import Invalid, NotFound
from app.i18n import _
from app.models import AdminObjectKind, Branch, ManagerRegion, Region, Role, User
from app.models.base import row_id
from app.services import audit_trail
from app.services.csv_import import (
    Change,
    FieldErrors,
    ImportPlan,
    RowError,
    diff,
    parse_bool,
    parse_float,
    read_rows,
    typed_values,
)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
BRANCH_COLUMNS = (
    "code",
    "name",
    "address",
    "region",
    "timezone",
    "latitude",
    "longitude",
    "competitor",
    "active",
)
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass
class RegionRow:
    region: Region
    branches: int
    managers: list[User]


def list_regions(db: Session) -> list[RegionRow]:
    """Regions with their branch count and managers, for the regions page."""
    counts = dict(
        db.exec(select(Branch.region_id, func.count()).group_by(col(Branch.region_id))).all()
    )
    managers: dict[int, list[User]] = {}
    for link, user in db.exec(
        select(ManagerRegion, User)
        .join(User, col(User.id) == ManagerRegion.user_id)
        .order_by(col(User.name))
    ):
        managers.setdefault(link.region_id, []).append(user)
    return [
        RegionRow(region, counts.get(row_id(region), 0), managers.get(row_id(region), []))
        for region in db.exec(select(Region).order_by(col(Region.code)))
    ]


def get_region(db: Session, *, region_id: int) -> Region:
    region = db.get(Region, region_id)
    if region is None:
        raise NotFound(_("Not found."))
    return region


def save_region(db: Session, *, region: Region | None, code: str, name: str) -> Region:
    """Create or rename a region; codes stay unique because imports refer to them."""
    code, name = code.strip(), name.strip()
    errors: dict[str, str] = {}
    if not CODE_RE.match(code) or len(code) > 40:
        errors["code"] = _("Use letters, digits, '.', '_' or '-' (at most 40).")
    elif db.exec(select(Region).where(Region.code == code, Region.id != _id(region))).first():
        errors["code"] = _("Another region has this code.")
    if not name or len(name) > 200:
        errors["name"] = _("A name is required (at most 200 characters).")
    if errors:
        raise FieldErrors(errors)
    region = region or Region(code=code, name=name)
    region.code, region.name = code, name
    db.add(region)
    db.flush()
    return region


def set_region_managers(db: Session, *, region: Region, manager_ids: list[int]) -> None:
    """Replace the managers responsible for a region (only manager accounts qualify)."""
    managers = db.exec(select(User).where(col(User.id).in_(manager_ids))).all()
    if any(user.role != Role.manager for user in managers) or len(managers) != len(
        set(manager_ids)
    ):
        raise Invalid(_("Only manager accounts can be responsible for a region."), field="managers")
    region_id = row_id(region)
    before = sorted(
        db.exec(
            select(User.username)
            .join(ManagerRegion, col(ManagerRegion.user_id) == User.id)
            .where(ManagerRegion.region_id == region_id)
        )
    )
    db.exec(delete(ManagerRegion).where(col(ManagerRegion.region_id) == region_id))
    db.add_all(ManagerRegion(user_id=row_id(user), region_id=region_id) for user in managers)
    db.flush()
    after = sorted(user.username for user in managers)
    audit_trail.note(
        db, kind=AdminObjectKind.region, obj=region, field="managers", before=before, after=after
    )


def list_branches(
    db: Session, *, region_id: int | None = None, query: str = "", active: bool | None = None
) -> list[tuple[Branch, Region]]:
    """Branches with their region, filtered for the list page."""
    stmt = select(Branch, Region).join(Region, col(Region.id) == Branch.region_id)
    if region_id:
        stmt = stmt.where(Branch.region_id == region_id)
    if active is not None:
        stmt = stmt.where(Branch.active == active)
    if query.strip():
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(col(Branch.code).ilike(like), col(Branch.name).ilike(like)))
    return list(
        db.exec(stmt.order_by(col(Region.code), col(Branch.competitor), col(Branch.code))).all()
    )


def get_branch(db: Session, *, branch_id: int) -> Branch:
    branch = db.get(Branch, branch_id)
    if branch is None:
        raise NotFound(_("Not found."))
    return branch


def _id(obj: Any) -> int:
    return obj.id if obj is not None and obj.id is not None else -1


def branch_values(
    db: Session,
    *,
    fields: Mapping[str, str],
    current: Branch | None,
    regions: Mapping[str, Region] | None = None,
) -> dict[str, Any]:
    """Check text fields (from a form or a CSV line) and return typed branch values."""
    regions = regions if regions is not None else {r.code: r for r in db.exec(select(Region))}
    values, errors = typed_values(
        fields,
        columns=BRANCH_COLUMNS,
        required=("code", "name", "region") if current is None else (),
        convert=lambda name, raw: _branch_value(db, name, raw, current, regions),
    )
    lat = values.get("latitude", current.latitude if current else None)
    lon = values.get("longitude", current.longitude if current else None)
    if (lat is None) != (lon is None) and "latitude" not in errors:
        errors["latitude"] = _("Give both latitude and longitude, or neither.")
    if errors:
        raise FieldErrors(errors)
    return values


def _branch_value(
    db: Session, name: str, raw: str, current: Branch | None, regions: Mapping[str, Region]
) -> dict[str, Any]:
    value = raw.strip()
    if name == "code":
        if not CODE_RE.match(value) or len(value) > 40:
            raise ValueError(_("Use letters, digits, '.', '_' or '-' (at most 40)."))
        if db.exec(select(Branch).where(Branch.code == value, Branch.id != _id(current))).first():
            raise ValueError(_("Another branch has this code."))
        return {"code": value}
    if name == "name":
        if not value or len(value) > 200:
            raise ValueError(_("A name is required (at most 200 characters)."))
        return {"name": value}
    if name == "address":
        if len(value) > 500:
            raise ValueError(_("At most 500 characters."))
        return {"address": value}
    if name == "region":
        if value not in regions:
            raise ValueError(_("unknown region '%(code)s'", code=value))
        return {"region_id": regions[value].id}
    if name == "timezone":
        return {"timezone": _timezone(value or DEFAULT_TIMEZONE)}
    if name == "latitude":
        return {"latitude": parse_float(value, low=-90, high=90)}
    if name == "longitude":
        return {"longitude": parse_float(value, low=-180, high=180)}
    if name == "competitor":
        return {"competitor": parse_bool(value)}
    return {"active": parse_bool(value) if value else True}


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(_("unknown time zone '%(zone)s'", zone=value)) from None
    return value


def save_branch(db: Session, *, branch: Branch | None, fields: Mapping[str, str]) -> Branch:
    """Create a branch or change one from form fields (all checks of branch_values)."""
    values = branch_values(db, fields=fields, current=branch)
    branch = branch or Branch(code="", name="", region_id=0)
    for name, value in values.items():
        setattr(branch, name, value)
    db.add(branch)
    db.flush()
    return branch


def branch_form_values(db: Session, branch: Branch) -> dict[str, Any]:
    """A stored branch as its edit form shows it (the region by code)."""
    values = branch.model_dump()
    region = db.get(Region, branch.region_id)
    values["region"] = region.code if region else ""
    return values


def set_branch_active(db: Session, *, branch: Branch, active: bool) -> Branch:
    """Deactivate instead of delete: past visits and scorecards keep their branch."""
    branch.active = active
    db.add(branch)
    return branch


def record_staff_informed(
    db: Session, *, branch: Branch, informed_on: str, informed_by: str, today: date
) -> Branch:
    """Record when, and by whom, the branch's staff were told that mystery shopping happens.

    The ESOMAR/MSPA guidelines ask that staff know they may be shopped; both fields empty
    clear the record (it was entered for the wrong branch).
    """
    informed_on, informed_by = informed_on.strip(), informed_by.strip()
    errors: dict[str, str] = {}
    day: date | None = None
    if informed_on or informed_by:
        try:
            day = date.fromisoformat(informed_on)
        except ValueError:
            errors["staff_informed_on"] = _("Give the date staff were informed (YYYY-MM-DD).")
        else:
            if day > today:
                errors["staff_informed_on"] = _("The date cannot be in the future.")
        if not informed_by or len(informed_by) > 200:
            errors["staff_informed_by"] = _("Say who informed them (at most 200 characters).")
    if errors:
        raise FieldErrors(errors)
    branch.staff_informed_on, branch.staff_informed_by = day, informed_by
    db.add(branch)
    db.flush()
    return branch


def _snapshot(branch: Branch, regions_by_id: Mapping[int, Region]) -> dict[str, Any]:
    data = branch.model_dump()
    region = regions_by_id.get(branch.region_id)
    data["region"] = region.code if region else ""
    return data


def import_branches(db: Session, *, source: str | bytes, apply: bool) -> ImportPlan:
    """Dry run (apply=False) or apply a branches CSV; nothing changes while any line is wrong."""
    rows, errors = read_rows(source, columns=BRANCH_COLUMNS, required=("code",))
    plan = ImportPlan(errors=errors)
    regions = {r.code: r for r in db.exec(select(Region))}
    by_id = {row_id(r): r for r in regions.values()}
    existing = {b.code: b for b in db.exec(select(Branch))}
    seen: dict[str, int] = {}
    pending: list[tuple[Branch | None, dict[str, Any]]] = []
    for line, cells in rows:
        code = cells.get("code", "")
        if code in seen:
            plan.errors.append(RowError(line, "code", _("repeats line %(line)s", line=seen[code])))
            continue
        seen[code] = line
        current = existing.get(code)
        try:
            values = branch_values(db, fields=cells, current=current, regions=regions)
        except FieldErrors as exc:
            plan.errors += [RowError(line, name, msg) for name, msg in exc.errors.items()]
            continue
        before = _snapshot(current, by_id) if current else {}
        after = {k: v for k, v in values.items() if k != "region_id"}
        if "region" in cells:
            after["region"] = cells["region"]
        changes = diff(before, after)
        action = "create" if current is None else ("update" if changes else "unchanged")
        plan.changes.append(Change(line, code, action, changes))
        pending.append((current, values))
    if apply and plan.ok:
        for current, values in pending:
            branch = current or Branch(code="", name="", region_id=0)
            for name, value in values.items():
                setattr(branch, name, value)
            db.add(branch)
        db.flush()
        plan.applied = True
    return plan
