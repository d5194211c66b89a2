"""Passwords: one rule for every place a password is set; a change ends the other sessions."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.models import User, UserSession
from app.services import users
from app.services.passwords import password_problem
from tests.conftest import csrf_of, login


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1", "at least 8 characters"),
        ("password1", "too common"),
        ("Password1", "too common"),  # case does not make it rarer
        ("iloveyou", "too common"),
        ("shopper-x", None),
        ("carla-1987", "may not be the username"),
    ],
)
def test_the_password_rule(password, problem):
    found = password_problem(password, username="carla-1987" if "carla" in password else "x")
    assert (found is None) if problem is None else (problem in found)


def test_hq_cannot_set_a_common_password_and_a_reset_ends_the_users_sessions(db, world, client):
    shopper = db.exec(select(User).where(User.username == "shopper")).one()
    login(client, "shopper", "shopper-pass")
    assert db.exec(select(UserSession).where(UserSession.user_id == shopper.id)).all()
    with pytest.raises(users.FieldErrors) as caught:
        users.save_user(db, user=shopper, fields={"password": "qwertyuiop"})
    assert "too common" in caught.value.errors["password"]
    users.save_user(db, user=shopper, fields={"password": "a-fresh-start-9"})
    db.flush()
    assert db.exec(select(UserSession).where(UserSession.user_id == shopper.id)).all() == []
    assert client.get("/").status_code in (302, 303)  # the phone is logged out


def _change(client, **fields):
    token = csrf_of(client, "/account/password")
    return client.post("/account/password", data={"csrf_token": token, **fields})


def test_a_user_changes_their_own_password_and_other_devices_are_logged_out(db, world, client, app):
    from fastapi.testclient import TestClient

    with TestClient(app, follow_redirects=False) as other_phone:
        login(other_phone, "manager", "manager-pass")
        login(client, "manager", "manager-pass")
        changed = _change(
            client, current="manager-pass", new="blue-lantern-41", confirm="blue-lantern-41"
        )
        assert changed.status_code == 303
        assert client.get("/").status_code == 200  # this device stays logged in
        assert other_phone.get("/").status_code in (302, 303)  # the other one does not
    client.cookies.clear()
    assert login(client, "manager", "blue-lantern-41").status_code == 303


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"current": "wrong-one", "new": "blue-lantern-41", "confirm": "blue-lantern-41"},
            "current",
            "not right",
        ),
        (
            {"current": "manager-pass", "new": "password1", "confirm": "password1"},
            "new",
            "too common",
        ),
        (
            {"current": "manager-pass", "new": "blue-lantern-41", "confirm": "blue-lantern-42"},
            "confirm",
            "differ",
        ),
    ],
)
def test_a_refused_change_says_why_beside_the_field(db, world, client, fields, field, message):
    login(client, "manager", "manager-pass")
    refused = _change(client, **fields)
    assert refused.status_code == 422
    assert f'id="{field}-error"' in refused.text and message in refused.text
    client.cookies.clear()
    assert login(client, "manager", "manager-pass").status_code == 303  # unchanged


def _last_seen(db, username: str, hours_ago: float) -> UserSession:
    from datetime import timedelta

    from app.models import utcnow

    user = db.exec(select(User).where(User.username == username)).one()
    session = db.exec(select(UserSession).where(UserSession.user_id == user.id)).one()
    session.last_seen_at = utcnow() - timedelta(hours=hours_ago)
    db.add(session)
    db.commit()
    return session


@pytest.mark.parametrize(
    ("username", "hours_ago", "still_in"),
    [("shopper", 11, True), ("shopper", 13, False), ("manager", 7, True), ("manager", 9, False)],
)
def test_an_idle_session_ends_after_its_roles_limit(
    db, world, client, username, hours_ago, still_in
):
    login(client, username, f"{username}-pass")
    _last_seen(db, username, hours_ago)
    response = client.get("/")
    assert (response.status_code == 200) is still_in


def test_a_used_session_records_when_it_was_last_seen(db, world, client):
    login(client, "shopper", "shopper-pass")
    before = _last_seen(db, "shopper", 1).last_seen_at
    assert client.get("/").status_code == 200
    db.expire_all()
    after = db.exec(select(UserSession)).one().last_seen_at
    assert after > before  # so a phone in use is never logged out for idleness
