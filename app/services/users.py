"""User accounts as HQ manages them: list, form, CSV import, manager regions, deactivation."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, delete, or_, select

from app.errors import Conflict, NotFound
from app.i18n import _
from app.models import AdminObjectKind, ManagerRegion, Region, Role, User, UserSession
from app.models.base import row_id
from app.security import hash_password
from app.services import audit_trail
from app.services.auth import USERNAME_MAX
from app.services.csv_import import (
    Change,
    FieldErrors,
    ImportPlan,
    RowError,
    diff,
    parse_bool,
    read_rows,
    typed_values,
)
from app.services.passwords import password_problem

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
USER_COLUMNS = (
    "username",
    "name",
    "email",
    "role",
    "language",
    "home_region",
    "regions",
    "password",
    "active",
)
LANGUAGE_CODES = ("", "en", "zh_CN")


@dataclass
class UserRow:
    user: User
    home_region: Region | None
    regions: list[Region]


def list_users(
    db: Session, *, role: str = "", query: str = "", active: bool | None = None
) -> list[UserRow]:
    """Accounts with their home region and, for managers, their regions."""
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.active == active)
    if query.strip():
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(col(User.username).ilike(like), col(User.name).ilike(like)))
    regions = {r.id: r for r in db.exec(select(Region))}
    links: dict[int, list[Region]] = {}
    for link in db.exec(select(ManagerRegion)):
        links.setdefault(link.user_id, []).append(regions[link.region_id])
    return [
        UserRow(
            user,
            regions.get(user.home_region_id),
            sorted(links.get(row_id(user), []), key=lambda r: r.code),
        )
        for user in db.exec(stmt.order_by(col(User.role), col(User.username)))
    ]


def get_user(db: Session, *, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(_("Not found."))
    return user


def region_codes_of(db: Session, user: User) -> list[str]:
    return list(
        db.exec(
            select(Region.code)
            .join(ManagerRegion, col(ManagerRegion.region_id) == Region.id)
            .where(ManagerRegion.user_id == user.id)
            .order_by(col(Region.code))
        )
    )


def user_form_values(db: Session, user: User) -> dict[str, Any]:
    """A stored user as the edit form shows it: home region and regions by code, no hash."""
    values = user.model_dump(exclude={"password_hash"})
    home = db.get(Region, user.home_region_id) if user.home_region_id else None
    values["home_region"] = home.code if home else ""
    values["regions"] = region_codes_of(db, user)
    return values


def user_values(
    db: Session,
    *,
    fields: Mapping[str, str],
    current: User | None,
    regions: Mapping[str, Region] | None = None,
) -> dict[str, Any]:
    """Check text fields (form or CSV line) and return typed values; a password is kept plain."""
    regions = regions if regions is not None else {r.code: r for r in db.exec(select(Region))}
    values, errors = typed_values(
        fields,
        columns=USER_COLUMNS,
        required=("username", "role", "password") if current is None else (),
        convert=lambda name, raw: _user_value(db, name, raw, current, regions),
    )
    if current is None and "password" in fields and "password" not in values:
        errors.setdefault("password", _("is required"))
    role = values.get("role", current.role if current else "")
    if values.get("regions") and role != Role.manager:
        errors.setdefault("regions", _("only managers are responsible for regions"))
    if errors:
        raise FieldErrors(errors)
    return values


def _user_value(
    db: Session, name: str, raw: str, current: User | None, regions: Mapping[str, Region]
) -> dict[str, Any]:
    value = raw.strip()
    if name == "username":
        value = value.lower()
        if len(value) > USERNAME_MAX:
            raise ValueError(_("Username: at most %(num)s characters.", num=USERNAME_MAX))
        if not USERNAME_RE.match(value):
            raise ValueError(_("Use lower-case letters, digits, '.', '_' or '-' (at most 64)."))
        taken = db.exec(select(User).where(User.username == value, User.id != _id(current)))
        if taken.first():
            raise ValueError(_("That username is taken."))
        return {"username": value}
    if name == "name":
        if len(value) > 200:
            raise ValueError(_("At most 200 characters."))
        return {"name": value} if value else {}
    if name == "email":
        if value and (len(value) > 200 or not re.match(r"^[^@\s]+@[^@\s]+$", value)):
            raise ValueError(_("not an e-mail address"))
        return {"email": value}
    if name == "role":
        if value not in Role.__members__:
            raise ValueError(_("unknown role '%(role)s'", role=value))
        return {"role": value}
    if name == "language":
        if value not in LANGUAGE_CODES:
            raise ValueError(_("use en, zh_CN or leave blank"))
        return {"language": value}
    if name == "home_region":
        if value and value not in regions:
            raise ValueError(_("unknown region '%(code)s'", code=value))
        return {"home_region_id": regions[value].id if value else None}
    if name == "regions":
        codes = sorted({c for c in re.split(r"[;,\s]+", value) if c})
        unknown = [c for c in codes if c not in regions]
        if unknown:
            raise ValueError(_("unknown region '%(code)s'", code=unknown[0]))
        return {"regions": codes}
    if name == "password":
        owner = current.username if current else ""
        problem = password_problem(value, username=owner) if value else None
        if problem:
            raise ValueError(problem)
        return {"password": value} if value else {}
    return {"active": parse_bool(value) if value else True}


def _id(obj: Any) -> int:
    return obj.id if obj is not None and obj.id is not None else -1


def _store(
    db: Session,
    user: User | None,
    values: dict[str, Any],
    regions: Mapping[str, Region],
    *,
    acting: User | None,
    password_hash: str | None = None,
) -> User:
    """Write a checked record; `password_hash` is the plain password's hash made earlier
    (an import hashes outside the write transaction: each hash takes tens of ms)."""
    values = dict(values)
    codes = values.pop("regions", None)
    password = values.pop("password", None)
    if (
        user is not None
        and acting is not None
        and user.id == acting.id  # nobody locks themselves out
        and (values.get("active") is False or values.get("role", user.role) != user.role)
    ):
        raise Conflict(_("You cannot deactivate yourself or change your own role."))
    user = user or User(username="", name="", role="", password_hash="")
    for name, value in values.items():
        setattr(user, name, value)
    user.name = user.name or user.username
    if password:
        user.password_hash = password_hash or hash_password(password)
        if user.id is not None:  # a reset by HQ ends every session the user had
            db.exec(delete(UserSession).where(col(UserSession.user_id) == user.id))
    db.add(user)
    db.flush()
    if user.role != Role.manager:
        codes = []
    if codes is not None:
        user_id = row_id(user)
        before = region_codes_of(db, user)
        db.exec(delete(ManagerRegion).where(col(ManagerRegion.user_id) == user_id))
        db.add_all(ManagerRegion(user_id=user_id, region_id=row_id(regions[c])) for c in codes)
        audit_trail.note(
            db, kind=AdminObjectKind.user, obj=user, field="regions", before=before, after=codes
        )
    if not user.active:
        db.exec(delete(UserSession).where(col(UserSession.user_id) == user.id))
    db.flush()
    return user


def save_user(
    db: Session, *, user: User | None, fields: Mapping[str, str], acting: User | None = None
) -> User:
    """Create or change an account from form fields; a deactivated user is logged out."""
    regions = {r.code: r for r in db.exec(select(Region))}
    values = user_values(db, fields=fields, current=user, regions=regions)
    return _store(db, user, values, regions, acting=acting)


def set_user_active(db: Session, *, user: User, active: bool, acting: User) -> User:
    """Deactivate instead of delete: visits and audit trails keep their author."""
    regions = {r.code: r for r in db.exec(select(Region))}
    return _store(db, user, {"active": active}, regions, acting=acting)


def _snapshot(db: Session, user: User, regions_by_id: Mapping[int, Region]) -> dict[str, Any]:
    data = user.model_dump(exclude={"password_hash"})
    home = regions_by_id.get(user.home_region_id or -1)
    data["home_region"] = home.code if home else ""
    data["regions"] = region_codes_of(db, user)
    return data


def import_users(
    db: Session,
    *,
    source: str | bytes,
    apply: bool,
    acting: User | None = None,
    password_hashes: Mapping[str, str] | None = None,
) -> ImportPlan:
    """Dry run or apply a users CSV (new users need a password); all lines or none.

    `password_hashes` (username -> hash of that line's password, from
    `hash_import_passwords`) lets a large import hash before its write transaction."""
    rows, errors = read_rows(source, columns=USER_COLUMNS, required=("username",))
    plan = ImportPlan(errors=errors)
    regions = {r.code: r for r in db.exec(select(Region))}
    by_id = {row_id(r): r for r in regions.values()}
    existing = {u.username: u for u in db.exec(select(User))}
    seen: dict[str, int] = {}
    pending: list[tuple[User | None, dict[str, Any]]] = []
    for line, cells in rows:
        username = cells.get("username", "").lower()
        if username in seen:
            plan.errors.append(
                RowError(line, "username", _("repeats line %(line)s", line=seen[username]))
            )
            continue
        seen[username] = line
        current = existing.get(username)
        try:
            values = user_values(db, fields=cells, current=current, regions=regions)
        except FieldErrors as exc:
            plan.errors += [RowError(line, name, msg) for name, msg in exc.errors.items()]
            continue
        before = _snapshot(db, current, by_id) if current else {}
        after = {k: v for k, v in values.items() if k not in ("home_region_id", "password")}
        if "home_region" in cells:
            after["home_region"] = cells["home_region"]
        changes = diff(before, after)
        if "password" in values:
            changes.append(("password", "", "••••••••"))
        action = "create" if current is None else ("update" if changes else "unchanged")
        plan.changes.append(Change(line, username, action, changes))
        pending.append((current, values))
    if apply and plan.ok:
        hashes = password_hashes or {}
        for current, values in pending:
            made = hashes.get(str(values.get("username") or (current.username if current else "")))
            _store(db, current, values, regions, acting=acting, password_hash=made)
        plan.applied = True
    return plan


def hash_import_passwords(
    source: str | bytes, *, progress: Callable[[int, int], None]
) -> dict[str, str]:
    """Username -> hash of the password its line sets, for a checked users CSV; no database.

    Each hash costs what a login costs (tens of ms), so a thousand users take tens of
    seconds: done before the import's write transaction, reporting each step."""
    rows, _errors = read_rows(source, columns=USER_COLUMNS, required=("username",))
    wanted = [(c["username"].lower(), c["password"]) for _line, c in rows if c.get("password")]
    hashes: dict[str, str] = {}
    for done, (username, password) in enumerate(wanted, 1):
        hashes[username] = hash_password(password)
        progress(done, len(wanted))
    return hashes
