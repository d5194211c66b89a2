"""Where the login form sends the user afterwards: back to the page they came from, never off-site.

The phone's "Log in" button (a session that ended while changes wait) passes the open visit's
path as `next`, so the shopper returns to that visit and its changes are sent.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_of


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/visits/12", "/visits/12"),
        ("/visits/12?missing=1#problems", "/visits/12?missing=1#problems"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("visits/12", "/"),
        ("", "/"),
    ],
)
def test_login_returns_to_a_path_on_this_site_only(client, world, target, lands):
    token = csrf_of(client, "/login")
    response = client.post(
        "/login",
        data={
            "username": "shopper",
            "password": "shopper-pass",
            "csrf_token": token,
            "next": target,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == lands


def test_the_login_form_keeps_a_safe_next_and_drops_another(client, world):
    assert 'name="next" value="/visits/12"' in client.get("/login?next=/visits/12").text
    assert 'name="next" value="/"' in client.get("/login?next=//evil.example").text
