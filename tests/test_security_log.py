"""The security event log: logins, failed logins kept through a rollback, refusals, changes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.errors import Invalid
from app.models import SecurityEvent, SecurityEventKind, VisitStatus
from app.services import auth
from tests.admin.factories import make_visit, mini_version
from tests.conftest import csrf_of, login


def _events(db, kind):
    return db.exec(
        select(SecurityEvent).where(SecurityEvent.kind == kind).order_by(SecurityEvent.id)
    ).all()


def test_a_login_is_logged_with_who_and_where(client, db, world):
    login(client, "manager", "manager-pass")
    (event,) = _events(db, SecurityEventKind.login)
    assert event.user_id == world["users"]["manager"].id
    assert event.username == "manager" and event.address == "testclient"
    assert _events(db, SecurityEventKind.login_failed) == []


def test_a_failed_login_survives_the_rollback_of_its_transaction(db, world):
    with pytest.raises(Invalid):
        auth.authenticate(
            db, username="Manager", password="wrong", address="203.0.113.9", known_device=False
        )
    db.rollback()  # what a failed request does to its session
    (event,) = _events(db, SecurityEventKind.login_failed)
    assert (event.username, event.address, event.user_id) == ("manager", "203.0.113.9", None)


def test_a_failed_login_over_http_names_the_username_typed(client, db, world):
    login(client, "nobody-here", "whatever")
    (event,) = _events(db, SecurityEventKind.login_failed)
    assert event.username == "nobody-here" and event.address == "testclient"


def test_a_visit_outside_the_managers_regions_is_a_logged_404(client, db, world):
    version = mini_version(db)
    visit = make_visit(db, version, world["branches"]["S1"], status=VisitStatus.approved)
    login(client, "manager", "manager-pass")
    response = client.get(f"/scorecards/visits/{visit.id}")
    assert response.status_code == 404
    (event,) = _events(db, SecurityEventKind.denied)
    assert event.user_id == world["users"]["manager"].id
    assert event.detail == f"GET /scorecards/visits/{visit.id}"
    assert event.address == "testclient"


def test_a_role_refused_a_page_and_a_forged_form_are_logged(client, db, world):
    login(client, "shopper", "shopper-pass")
    assert client.get("/admin/users").status_code == 404
    token = csrf_of(client, "/")
    assert client.post("/logout", data={"csrf_token": token + "x"}).status_code == 403
    details = [e.detail for e in _events(db, SecurityEventKind.denied)]
    assert details == ["GET /admin/users", "POST /logout"]


def test_a_missing_object_is_not_a_refusal(client, db, world):
    login(client, "manager", "manager-pass")
    assert client.get("/scorecards/visits/999999").status_code == 404
    assert _events(db, SecurityEventKind.denied) == []


def test_an_admin_change_is_logged_with_its_address(client, db, world):
    login(client, "admin", "admin-pass")
    branch = world["branches"]["E1"]
    data = {"csrf_token": csrf_of(client, f"/admin/branches/{branch.id}"), "active": "0"}
    assert client.post(f"/admin/branches/{branch.id}/active", data=data).status_code == 303
    (event,) = _events(db, SecurityEventKind.admin_change)
    assert event.detail == "update branch E1" and event.address == "testclient"
    assert event.user_id == world["users"]["admin"].id


def test_hq_reads_the_log_filtered_by_kind(client, db, world):
    login(client, "nobody-here", "whatever")
    login(client, "admin", "admin-pass")
    everything = client.get("/admin/security").text
    assert "nobody-here" in everything and "testclient" in everything
    failed = client.get("/admin/security?kind=login_failed").text
    assert "nobody-here" in failed and "Failed login" in failed
    assert "1 event" in failed
    client.cookies.set("sm_lang", "zh_CN")
    assert "安全日志" in client.get("/admin/security").text
