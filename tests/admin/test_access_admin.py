"""Admin and review pages: only their roles get in; everyone else gets a plain 404."""

from __future__ import annotations

import pytest

from tests.admin.factories import make_visit, mini_version
from tests.conftest import csrf_of, login

ADMIN_PAGES = [
    "/admin/checklists",
    "/admin/checklists/mini",
    "/admin/checklists/mini/1",
    "/admin/checklists/mini/1/download",
    "/admin/branches",
    "/admin/branches/new",
    "/admin/branches/import",
    "/admin/regions",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/import",
    "/admin/waves",
    "/admin/waves/new",
    "/admin/agencies",
]
REVIEW_PAGES = ["/review", "/review/{visit}"]
ROLES = ("shopper", "manager", "reviewer", "admin")


@pytest.fixture
def visit(db, world):
    version = mini_version(db)
    return make_visit(db, version, world["branches"]["E1"], shopper=world["users"]["shopper"])


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_are_for_admins_only(client, world, visit, role):
    login(client, role, f"{role}-pass")
    for path in ADMIN_PAGES:
        expected = 200 if role == "admin" else 404
        assert client.get(path).status_code == expected, (role, path)


@pytest.mark.parametrize("role", ROLES)
def test_review_pages_are_for_reviewers_and_admins(client, world, visit, role):
    login(client, role, f"{role}-pass")
    for path in REVIEW_PAGES:
        expected = 200 if role in ("reviewer", "admin") else 404
        assert client.get(path.format(visit=visit.id)).status_code == expected, (role, path)


@pytest.mark.parametrize("role", ("shopper", "manager"))
def test_state_changes_are_refused_to_other_roles(client, world, visit, role):
    login(client, role, f"{role}-pass")
    token = csrf_of(client, "/")
    for path in (
        f"/review/{visit.id}/approve",
        "/admin/branches/new",
        "/admin/agencies",
        f"/admin/users/{world['users']['admin'].id}/active",
    ):
        response = client.post(path, data={"csrf_token": token, "name": "x", "active": "0"})
        assert response.status_code == 404, (role, path)
    assert world["users"]["admin"].active


def test_anonymous_visitors_are_sent_to_log_in(client, world, visit):
    for path in ["/admin/branches", f"/review/{visit.id}"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["location"].startswith("/login?next=")


def test_navigation_lists_the_admin_areas(client, world):
    login(client, "admin", "admin-pass")
    page = client.get("/").text
    for path in (
        "/admin/checklists",
        "/admin/waves",
        "/admin/branches",
        "/admin/users",
        "/review",
        "/admin/agencies",
    ):
        assert f'href="{path}"' in page
    login(client, "reviewer", "reviewer-pass")
    assert 'href="/admin/branches"' not in client.get("/").text
