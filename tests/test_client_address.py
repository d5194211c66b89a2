"""X-Forwarded-For is believed only from TRUSTED_PROXIES: the address throttling and the
security log see cannot be chosen by the client."""

from __future__ import annotations

import argparse

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.client_address import parse_networks, resolve
from app.models import SecurityEvent, SecurityEventKind
from app.settings import SettingsError, get_settings
from tests.conftest import csrf_of

PROXIES = parse_networks(["10.0.0.0/8", "2001:db8::1"])


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),  # not a proxy: the header is ignored
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1, 10.0.0.3"], "198.51.100.1"),  # rightmost untrusted
        ("10.0.0.2", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # two header lines
        ("10.0.0.2", ["not-an-ip, 10.0.0.9"], "10.0.0.9"),  # garbage stops the walk
        ("10.0.0.2", [], "10.0.0.2"),
        ("2001:db8::1", ["2001:db8::77"], "2001:db8::77"),
        ("testclient", ["198.51.100.1"], "testclient"),
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_the_client_is_the_rightmost_hop_no_trusted_proxy_added(peer, header, expected):
    assert resolve(peer, header, PROXIES) == expected


def test_a_bad_proxy_setting_stops_the_app_naming_the_variable(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1, nonsense")
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        get_settings()
    get_settings.cache_clear()


@pytest.fixture
def behind_proxy(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    get_settings.cache_clear()
    assert get_settings().trusted_proxies == ("10.0.0.0/8",)
    yield
    get_settings.cache_clear()


def _client(app, peer: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(peer, 50000))


def _fail_login(client: TestClient, forwarded_for: str | None = None, username="manager"):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/login",
        data={"username": username, "password": "wrong", "csrf_token": csrf_of(client, "/login")},
        headers=headers,
    )


def _failed_addresses(db) -> list[str]:
    events = db.exec(
        select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.login_failed)
    ).all()
    return [event.address for event in events]


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(app, db, world, behind_proxy):
    with _client(app, "203.0.113.7") as client:
        _fail_login(client, "198.51.100.1")
    assert _failed_addresses(db) == ["203.0.113.7"]


def test_a_trusted_proxy_says_who_the_client_is(app, db, world, behind_proxy):
    with _client(app, "10.1.2.3") as client:
        _fail_login(client, "6.6.6.6, 198.51.100.1")
    assert _failed_addresses(db) == ["198.51.100.1"]


def test_without_trusted_proxies_even_loopback_is_not_believed(app, db, world):
    with _client(app, "127.0.0.1") as client:
        _fail_login(client, "198.51.100.1")
    assert _failed_addresses(db) == ["127.0.0.1"]


def test_a_guesser_cannot_escape_the_throttle_by_changing_the_header(app, db, world):
    with _client(app, "203.0.113.7") as client:
        statuses = [_fail_login(client, f"198.51.100.{n}").status_code for n in range(8)]
    assert statuses[:5] == [400] * 5 and 429 in statuses[5:]


def test_clients_behind_one_proxy_are_throttled_apart(app, db, world, behind_proxy):
    with _client(app, "10.0.0.1") as client:
        guesser = [_fail_login(client, "198.51.100.66").status_code for _ in range(6)]
        assert guesser[-1] == 429
        # a colleague behind the same proxy, same username, is not held up by the guesser
        assert _fail_login(client, "198.51.100.5").status_code == 400


def test_serve_does_not_let_uvicorn_trust_forwarded_headers(monkeypatch):
    import uvicorn

    from app import cli

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    cli.cmd_serve(argparse.Namespace(host="127.0.0.1", port=8001, workers=1))
    assert seen["proxy_headers"] is False
