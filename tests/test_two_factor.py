"""TOTP two-factor login for office accounts: turning it on, the login's second step,
recovery codes, throttling, HQ's obligation under REQUIRE_TOTP_FOR_HQ, and HQ's reset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlmodel import select

from app.errors import Invalid
from app.models import SecurityEvent, User, utcnow
from app.services import two_factor
from app.settings import get_settings
from tests.conftest import csrf_of, login

NOON = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SETUP_RE = re.compile(r'name="setup" value="([^"]+)"')
SECRET_RE = re.compile(r"data-secret>([A-Z2-7 ]+)<")
CODES_RE = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")


def _on(db, user, now=NOON) -> tuple[str, list[str]]:
    secret = two_factor.new_secret()
    codes = two_factor.enable(
        db, user=user, secret=secret, code=pyotp.TOTP(secret).at(now), now=now
    )
    db.flush()
    return secret, codes


def test_turning_it_on_needs_a_right_code_and_gives_ten_single_use_recovery_codes(db, world):
    manager = world["users"]["manager"]
    secret = two_factor.new_secret()
    with pytest.raises(Invalid, match="not right"):
        two_factor.enable(db, user=manager, secret=secret, code="000000", now=NOON)
    assert not two_factor.enabled(manager)
    codes = two_factor.enable(
        db, user=manager, secret=secret, code=pyotp.TOTP(secret).at(NOON), now=NOON
    )
    db.flush()
    assert two_factor.enabled(manager) and len(set(codes)) == 10
    assert two_factor.unused_recovery_codes(db, user=manager) == 10


def test_a_code_is_good_once_and_within_one_step_of_drift(db, world):
    manager = world["users"]["manager"]
    secret, _codes = _on(db, manager)
    totp = pyotp.TOTP(secret)
    later = NOON + timedelta(minutes=5)
    with pytest.raises(Invalid):  # the code used to turn it on: never again
        two_factor.check(db, user=manager, code=totp.at(NOON), now=NOON)
    assert (
        two_factor.check(db, user=manager, code=totp.at(later - timedelta(seconds=30)), now=later)
        == "app"
    )
    with pytest.raises(Invalid):  # replayed
        two_factor.check(db, user=manager, code=totp.at(later - timedelta(seconds=30)), now=later)
    with pytest.raises(Invalid):  # two steps old
        two_factor.check(db, user=manager, code=totp.at(later - timedelta(minutes=2)), now=later)


def test_a_recovery_code_logs_in_once(db, world):
    manager = world["users"]["manager"]
    _secret, codes = _on(db, manager)
    assert two_factor.check(db, user=manager, code=codes[3].upper(), now=NOON) == "recovery code"
    db.flush()
    with pytest.raises(Invalid):
        two_factor.check(db, user=manager, code=codes[3], now=NOON)
    assert two_factor.unused_recovery_codes(db, user=manager) == 9


def test_shoppers_have_no_two_factor_page_nor_a_link_to_it(client, world):
    login(client, "shopper", "shopper-pass")
    assert client.get("/account/two-factor").status_code == 404
    assert "two-factor" not in client.get("/").text.lower()


def test_a_manager_turns_it_on_from_the_account_page(client, db, world):
    login(client, "manager", "manager-pass")
    page = client.get("/account/two-factor").text
    assert "<svg" in page  # the QR code, drawn by the app
    setup, secret = SETUP_RE.search(page).group(1), SECRET_RE.search(page).group(1)
    code = pyotp.TOTP(secret.replace(" ", "")).at(utcnow())
    token = csrf_of(client, "/account/two-factor")
    wrong = client.post(
        "/account/two-factor/enable", data={"setup": setup, "code": "123", "csrf_token": token}
    )
    assert wrong.status_code == 422 and 'id="code-error"' in wrong.text
    # the same key is kept on the page after the mistake, so the app need not be set up again
    assert SECRET_RE.search(wrong.text).group(1) == secret
    done = client.post(
        "/account/two-factor/enable", data={"setup": setup, "code": code, "csrf_token": token}
    )
    assert done.status_code == 200 and "Two-factor login is on." in done.text
    assert len(CODES_RE.findall(done.text)) == 10
    assert done.headers["cache-control"] == "no-store"
    # the request's own copy changed the row (the fixture's was detached by the login lookup)
    assert two_factor.enabled(db.get(User, world["users"]["manager"].id))


def test_a_setup_token_of_another_account_is_refused(client, db, world):
    login(client, "manager", "manager-pass")
    page = client.get("/account/two-factor").text
    setup = SETUP_RE.search(page).group(1)
    client.post("/logout", data={"csrf_token": csrf_of(client, "/")})
    login(client, "reviewer", "reviewer-pass")
    response = client.post(
        "/account/two-factor/enable",
        data={
            "setup": setup,
            "code": "123456",
            "csrf_token": csrf_of(client, "/account/two-factor"),
        },
    )
    assert response.status_code == 422 and "setup expired" in response.text
    assert not two_factor.enabled(world["users"]["reviewer"])


def test_the_login_asks_for_the_code_after_the_password(client, db, world):
    manager = world["users"]["manager"]
    _secret, codes = _on(db, manager, now=utcnow() - timedelta(minutes=10))
    first = login(client, "manager", "manager-pass")
    assert first.status_code == 303 and first.headers["location"].startswith("/login/code")
    assert "sm_session" not in first.cookies  # no session before the code
    assert client.get("/scorecards", follow_redirects=False).status_code == 302
    token = csrf_of(client, "/login/code")
    wrong = client.post("/login/code", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 400 and "not right" in wrong.text
    right = client.post("/login/code", data={"code": codes[0], "csrf_token": token})
    assert right.status_code == 303 and "sm_session" in right.cookies
    assert client.get("/scorecards").status_code == 200
    events = db.exec(select(SecurityEvent).where(SecurityEvent.user_id == manager.id)).all()
    assert {(e.kind, e.detail) for e in events} >= {
        ("login_failed", "two-factor code"),
        ("login", "two-factor: recovery code"),
    }


def test_the_code_step_without_a_right_password_goes_back_to_the_login(client, world):
    token = csrf_of(client, "/login")
    response = client.post("/login/code", data={"code": "123456", "csrf_token": token})
    assert response.status_code == 303 and response.headers["location"].startswith("/login?")
    assert client.get("/login/code", follow_redirects=False).status_code == 303


def test_wrong_codes_are_throttled_like_passwords(client, db, world):
    _on(db, world["users"]["manager"], now=utcnow() - timedelta(minutes=10))
    login(client, "manager", "manager-pass")
    token = csrf_of(client, "/login/code")
    statuses = [
        client.post("/login/code", data={"code": "000000", "csrf_token": token}).status_code
        for _ in range(get_settings().login_max_failures + 1)
    ]
    assert statuses[:-1] == [400] * get_settings().login_max_failures
    assert statuses[-1] == 429


@pytest.fixture
def hq_must(monkeypatch):
    monkeypatch.setenv("REQUIRE_TOTP_FOR_HQ", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("hq_must")
def test_hq_must_turn_it_on_before_any_hq_page_when_the_setting_says_so(client, db, world):
    first = login(client, "admin", "admin-pass")
    assert first.headers["location"] == "/account/two-factor"
    refused = client.get("/admin/users", follow_redirects=False)
    assert refused.status_code == 302 and refused.headers["location"] == "/account/two-factor"
    assert client.get("/", follow_redirects=False).status_code == 302
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "before anything else" in page.text
    _on(db, world["users"]["admin"])
    assert client.get("/admin/users").status_code == 200
    # managers are not obliged
    assert not two_factor.setup_required(world["users"]["manager"])


def test_hq_turns_it_off_for_a_lost_phone_and_the_user_turns_it_off_with_a_password(
    client, db, world
):
    manager, reviewer = world["users"]["manager"], world["users"]["reviewer"]
    _on(db, manager)
    _on(db, reviewer)
    login(client, "admin", "admin-pass")
    path = f"/admin/users/{manager.id}"
    assert "data-two-factor-reset" in client.get(path).text
    reset = client.post(path + "/two-factor/reset", data={"csrf_token": csrf_of(client, path)})
    assert reset.status_code == 303 and not two_factor.enabled(db.get(User, manager.id))
    assert two_factor.unused_recovery_codes(db, user=manager) == 0
    with pytest.raises(Invalid, match="Wrong password"):
        two_factor.disable(db, user=reviewer, password="nope")
    two_factor.disable(db, user=reviewer, password="reviewer-pass")
    assert not two_factor.enabled(reviewer)
