"""Every response carries the security headers; a logged-in user's pages are never cached."""

from __future__ import annotations

import pytest

from tests.conftest import login


def test_a_logged_in_page_is_not_stored_and_says_what_the_page_may_use(client, world):
    login(client, "manager", "manager-pass")
    page = client.get("/scorecards")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "geolocation=(self)" in page.headers["permissions-policy"]
    assert "camera=()" in page.headers["permissions-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in page.headers  # plain http: no HSTS


def test_the_login_page_and_static_files_keep_their_own_caching(client):
    assert "no-store" not in client.get("/login").headers.get("cache-control", "")
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")


@pytest.fixture
def https(monkeypatch):
    from app.settings import get_settings

    monkeypatch.setenv("BASE_URL", "https://shopmirror.example")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_behind_https_hsts_is_sent_and_every_cookie_is_secure(https, client, world):
    login_page = client.get("/login")
    assert login_page.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "Secure" in login_page.headers["set-cookie"]
    response = login(client, "manager", "manager-pass")
    cookies = response.headers.get_list("set-cookie")
    assert cookies and all("Secure" in c for c in cookies)


def test_the_favicon_is_served_at_the_root(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/png"
    assert icon.content.startswith(b"\x89PNG")


def test_behind_https_the_session_cookie_is_host_prefixed_and_read_back(https, app, world):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        response = login(client, "manager", "manager-pass")
        assert response.status_code == 303
        session = next(c for c in response.headers.get_list("set-cookie") if "sm_session=" in c)
        name, _sep, rest = session.partition("=")
        assert name == "__Host-sm_session"
        attributes = rest.lower()
        assert "secure" in attributes and "path=/" in attributes and "domain" not in attributes
        assert client.get("/scorecards").status_code == 200  # read back under that name
        token = rest.split(";", 1)[0]
        client.cookies.clear()
        plain = client.get("/scorecards", headers={"cookie": f"sm_session={token}"})
        assert plain.status_code == 302  # the unprefixed name is not taken over https
