"""Branches, regions and users: field checks shared by forms and CSV, dry run, apply."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.errors import Conflict
from app.models import Branch, ManagerRegion, User, UserSession
from app.services import auth, branches, users
from app.services.csv_import import FieldErrors, read_rows

BRANCH_CSV = """code,name,address,region,timezone,latitude,longitude,competitor
E1,East One renamed,1 Main St,E,Asia/Shanghai,31.2,121.4,no
N9,New Nine,,S,Asia/Hong_Kong,,,yes
"""


def test_branch_fields_are_checked_together(db, world):
    with pytest.raises(FieldErrors) as caught:
        branches.save_branch(
            db,
            branch=None,
            fields={
                "code": "bad code",
                "name": "",
                "region": "ZZ",
                "timezone": "Mars/Base",
                "latitude": "95",
                "longitude": "",
                "competitor": "maybe",
            },
        )
    assert set(caught.value.errors) == {
        "code",
        "name",
        "region",
        "timezone",
        "latitude",
        "competitor",
    }
    with pytest.raises(FieldErrors) as caught:
        branches.save_branch(db, branch=None, fields={"code": "E1", "name": "x", "region": "E"})
    assert caught.value.errors == {"code": "Another branch has this code."}


def test_branch_import_dry_run_changes_nothing_then_apply(db, world):
    plan = branches.import_branches(db, source=BRANCH_CSV.encode("utf-8-sig"), apply=False)
    assert plan.ok and not plan.applied
    assert [(c.line, c.key, c.action) for c in plan.changes] == [
        (2, "E1", "update"),
        (3, "N9", "create"),
    ]
    changed = dict((name, (old, new)) for name, old, new in plan.changes[0].fields)
    assert changed["name"] == ("East One", "East One renamed")
    assert changed["latitude"] == ("", "31.2")
    db.expire_all()
    assert db.exec(select(Branch).where(Branch.code == "N9")).first() is None
    assert world["branches"]["E1"].name == "East One"

    plan = branches.import_branches(db, source=BRANCH_CSV, apply=True)
    assert plan.applied
    new = db.exec(select(Branch).where(Branch.code == "N9")).one()
    assert (new.competitor, new.timezone, new.region_id) == (
        True,
        "Asia/Hong_Kong",
        world["regions"]["S"].id,
    )
    assert world["branches"]["E1"].latitude == 31.2
    again = branches.import_branches(db, source=BRANCH_CSV, apply=False)
    assert [c.action for c in again.changes] == ["unchanged", "unchanged"]


def test_branch_import_reports_bad_lines_by_number_and_applies_nothing(db, world):
    source = (
        "code,name,region,latitude,longitude\n"
        "X1,Fine,E,,\n"
        "X2,,E,,\n"
        "\n"
        "X3,Somewhere,NOPE,10,\n"
        "X1,Again,E,,\n"
    )
    plan = branches.import_branches(db, source=source, apply=True)
    assert not plan.ok and not plan.applied
    found = [(e.line, e.field) for e in plan.errors]
    assert found == [(3, "name"), (5, "region"), (5, "latitude"), (6, "code")]
    assert "unknown region 'NOPE'" in [e.message for e in plan.errors]
    assert "line 6: code: repeats line 2" in [str(e) for e in plan.errors]
    assert db.exec(select(Branch).where(Branch.code == "X1")).first() is None


def test_csv_header_problems_are_line_one(db):
    rows, errors = read_rows("code,colour\nA,red\n", columns=("code", "name"), required=("name",))
    assert rows == [] and [(e.line, e.field) for e in errors] == [(1, "colour"), (1, "name")]
    _rows, errors = read_rows(b"", columns=("code",), required=("code",))
    assert errors[0].field == "file"
    rows, _errors = read_rows(
        "code;name\nA;Semi\n".encode("gb18030"), columns=("code", "name"), required=()
    )
    assert rows == [(2, {"code": "A", "name": "Semi"})]


def test_user_import_creates_updates_and_checks(db, world):
    source = (
        "username,name,role,home_region,regions,password\n"
        "newbie,New Shopper,shopper,E,,first-pass-1\n"
        "manager,Manager Renamed,manager,,E;S,\n"
        "nopass,No Password,shopper,,,\n"
        "boss,Boss,king,,,long-enough-1\n"
        "shopper9,S9,shopper,,E,long-enough-1\n"
    )
    plan = users.import_users(db, source=source, apply=False)
    assert [(e.line, e.field) for e in plan.errors] == [
        (4, "password"),
        (5, "role"),
        (6, "regions"),
    ]
    fixed = "\n".join(source.splitlines()[:3]) + "\n"
    plan = users.import_users(db, source=fixed, apply=True)
    assert plan.applied and [c.action for c in plan.changes] == ["create", "update"]
    newbie = db.exec(select(User).where(User.username == "newbie")).one()
    assert newbie.home_region_id == world["regions"]["E"].id
    assert auth.authenticate(
        db, username="newbie", password="first-pass-1", address="t", known_device=False
    )
    manager = world["users"]["manager"]
    assert users.region_codes_of(db, manager) == ["E", "S"]
    assert manager.name == "Manager Renamed"
    # the manager kept the old password (blank cell)
    assert auth.authenticate(
        db, username="manager", password="manager-pass", address="t", known_device=False
    )


def test_user_form_rules_and_deactivation(db, world):
    admin, shopper = world["users"]["admin"], world["users"]["shopper"]
    with pytest.raises(FieldErrors) as caught:
        users.save_user(
            db,
            user=None,
            fields={
                "username": "Bad Name!",
                "role": "shopper",
                "password": "short",
                "email": "nope",
            },
        )
    assert set(caught.value.errors) == {"username", "password", "email"}
    db.add(
        UserSession(id="x" * 64, user_id=shopper.id, csrf_token="t", expires_at=shopper.created_at)
    )
    db.flush()
    users.set_user_active(db, user=shopper, active=False, acting=admin)
    assert not shopper.active
    assert not db.exec(select(UserSession).where(UserSession.user_id == shopper.id)).all()
    with pytest.raises(Conflict):
        users.set_user_active(db, user=admin, active=False, acting=admin)
    with pytest.raises(Conflict):
        users.save_user(db, user=admin, fields={"role": "shopper"}, acting=admin)


def test_managers_lose_regions_when_they_change_role(db, world):
    manager = world["users"]["manager"]
    users.save_user(db, user=manager, fields={"role": "reviewer"}, acting=world["users"]["admin"])
    assert not db.exec(select(ManagerRegion).where(ManagerRegion.user_id == manager.id)).all()


def test_region_managers_and_codes(db, world):
    south = world["regions"]["S"]
    manager = world["users"]["manager"]
    branches.set_region_managers(db, region=south, manager_ids=[manager.id])
    rows = {row.region.code: row for row in branches.list_regions(db)}
    assert [u.username for u in rows["S"].managers] == ["manager"]
    assert rows["E"].branches == 2
    with pytest.raises(Exception, match="manager"):
        branches.set_region_managers(db, region=south, manager_ids=[world["users"]["admin"].id])
    with pytest.raises(FieldErrors):
        branches.save_region(db, region=None, code="E", name="Duplicate")
