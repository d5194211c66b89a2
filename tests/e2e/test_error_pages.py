"""Error pages on a real server: the request's session is closed by the time they render."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.conftest import PASSWORDS


def _logged_in(server, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post(
        "/login", data={"username": username, "password": PASSWORDS[username], "csrf_token": token}
    )
    return client


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("shopper", "/visits/999999", 404),  # a domain error raised inside a handler
        ("shopper", "/admin/waves", 404),  # a role check
        ("manager", "/scorecards/branches/999999", 404),
        ("admin", "/no-such-page", 404),
        ("admin", "/scorecards?wave=not-a-number", 422),  # request validation
    ],
)
def test_error_pages_render_for_logged_in_users(live_server, username, path, status):
    client = _logged_in(live_server, username)
    try:
        response = client.get(path)
    finally:
        client.close()
    assert response.status_code == status
    assert 'class="mainnav"' in response.text  # the full page, navigation included
    assert "Log out" in response.text
