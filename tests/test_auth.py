"""Accounts: argon2id hashes, sessions, throttling, CSRF, cookie flags."""

from __future__ import annotations

from argon2 import extract_parameters
from sqlmodel import select

from app.models import LoginThrottle, User, UserSession
from app.security import token_digest
from tests.conftest import csrf_of, login


def test_passwords_are_stored_as_argon2id_with_owasp_parameters(world):
    stored = world["users"]["shopper"].password_hash
    assert stored.startswith("$argon2id$")
    params = extract_parameters(stored)
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2
    assert "shopper-pass" not in stored


def test_login_sets_a_protected_session_cookie_and_logout_ends_it(client, world, db):
    response = login(client, "shopper", "shopper-pass")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "sm_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = client.cookies["sm_session"]
    assert db.get(UserSession, token_digest(token)) is not None
    assert db.exec(select(UserSession).where(UserSession.id == token)).first() is None

    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert db.get(UserSession, token_digest(token)) is None
    client.cookies.set("sm_session", token)  # a stolen old cookie no longer works
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client, world):
    wrong_user = login(client, "nobody", "shopper-pass")
    wrong_password = login(client, "shopper", "nope-nope")
    assert wrong_user.status_code == wrong_password.status_code == 400
    assert "Wrong username or password." in wrong_user.text
    assert "Wrong username or password." in wrong_password.text
    assert "sm_session" not in client.cookies


def test_login_is_throttled_after_repeated_failures(client, world, db):
    for _ in range(5):
        assert login(client, "shopper", "guess-guess").status_code == 400
    blocked = login(client, "shopper", "shopper-pass")  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many failed attempts. Try again in 15 seconds." in blocked.text
    assert "sm_session" not in client.cookies
    pair = db.get(LoginThrottle, "pair:shopper|testclient")  # stored, not kept in memory
    assert pair is not None and pair.failures == 5


def test_a_successful_login_clears_earlier_failures(client, world, db):
    for _ in range(3):
        login(client, "shopper", "guess-guess")
    assert login(client, "shopper", "shopper-pass").status_code == 303
    assert db.get(LoginThrottle, "pair:shopper|testclient") is None
    assert db.get(LoginThrottle, "user:shopper").failures == 3  # others' guesses still count


def test_inactive_accounts_cannot_log_in(client, world, db):
    user = db.exec(select(User).where(User.username == "shopper")).one()
    user.active = False
    db.add(user)
    db.flush()
    assert login(client, "shopper", "shopper-pass").status_code == 400


def test_csrf_is_required_on_every_state_changing_request(client, world):
    login(client, "admin", "admin-pass")
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/language", data={"language": "en"}).status_code == 403
    token = csrf_of(client)
    htmx = client.post(
        "/language",
        data={"language": "zh_CN"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/"


def test_the_login_form_itself_is_csrf_protected(client, world):
    response = client.post("/login", data={"username": "shopper", "password": "shopper-pass"})
    assert response.status_code == 403
    assert "sm_session" not in client.cookies


def test_login_only_redirects_to_local_pages(client, world):
    token = csrf_of(client, "/login")
    response = client.post(
        "/login",
        data={
            "username": "shopper",
            "password": "shopper-pass",
            "csrf_token": token,
            "next": "//evil.example",
        },
    )
    assert response.headers["location"] == "/"


def test_admin_creates_users_with_hashed_passwords(db, world):
    from app.services.auth import create_user

    user = create_user(
        db, username="NewShopper ", name="New", role="shopper", password="long-enough"
    )
    assert user.username == "newshopper"
    assert user.password_hash.startswith("$argon2id$")
