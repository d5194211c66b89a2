"""Each role reaches exactly its pages; objects outside a user's scope are 404."""

from __future__ import annotations

import pytest

from app.errors import NotFound
from app.models import Visit
from app.services import access
from tests.conftest import login

# URL -> expected status per role (302 = sent to the login page).
PAGES = {
    "/": {"anonymous": 302, "shopper": 200, "reviewer": 200, "manager": 200, "admin": 200},
    "/login": {"anonymous": 200, "shopper": 303, "reviewer": 303, "manager": 303, "admin": 303},
    "/healthz": {"anonymous": 200, "shopper": 200, "reviewer": 200, "manager": 200, "admin": 200},
    "/no-such-page": {
        "anonymous": 404,
        "shopper": 404,
        "reviewer": 404,
        "manager": 404,
        "admin": 404,
    },
}
ROLES = ("anonymous", "shopper", "reviewer", "manager", "admin")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(PAGES))
def test_role_page_table(client, world, role, path):
    if role != "anonymous":
        login(client, role, f"{role}-pass")
    response = client.get(path)
    assert response.status_code == PAGES[path][role], (role, path)
    if response.status_code == 302:
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        ("shopper", "My visits"),
        ("reviewer", "Review queue"),
        ("manager", "My regions"),
        ("admin", "Dashboard"),
    ],
)
def test_each_role_lands_on_its_own_home(client, world, role, heading):
    login(client, role, f"{role}-pass")
    assert f"<h1>{heading}</h1>" in client.get("/").text


def _visit(db, world, branch="E1", shopper="shopper", status="approved") -> Visit:
    from app.models import Checklist, ChecklistVersion

    checklist = Checklist(code=f"c-{branch}-{status}-{shopper}", latest_version=1)
    db.add(checklist)
    db.flush()
    version = ChecklistVersion(
        checklist_id=checklist.id, version=1, name="c", content_hash="x", document={}
    )
    db.add(version)
    db.flush()
    visit = Visit(
        branch_id=world["branches"][branch].id,
        checklist_version_id=version.id,
        shopper_id=world["users"][shopper].id,
        status=status,
    )
    db.add(visit)
    db.flush()
    return visit


def test_shoppers_see_only_their_own_visits(db, world):
    visit = _visit(db, world, shopper="shopper")
    assert access.get_visit(db, world["users"]["shopper"], visit.id) is visit
    with pytest.raises(NotFound):
        access.get_visit(db, world["users"]["shopper2"], visit.id)


def test_managers_see_only_their_regions(db, world):
    manager = world["users"]["manager"]
    assert access.get_branch(db, manager, world["branches"]["E1"].id).code == "E1"
    with pytest.raises(NotFound):
        access.get_branch(db, manager, world["branches"]["S1"].id)
    with pytest.raises(NotFound):
        access.get_visit(db, manager, _visit(db, world, branch="S1").id)
    assert access.get_visit(db, manager, _visit(db, world, branch="E1").id)


def test_managers_never_see_unapproved_visits(db, world):
    visit = _visit(db, world, branch="E1", status="submitted")
    with pytest.raises(NotFound):
        access.get_visit(db, world["users"]["manager"], visit.id)
