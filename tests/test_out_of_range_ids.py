"""Ids no row can have (over 2^31, over 2^63) are "not found", never a server error."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_of, login

HUGE = [str(2**31), str(2**63 + 5), "9" * 30]
PAGES = {
    "shopper": ["/visits/{n}", "/visits/{n}/photos/{n}", "/visits/{n}/photos/{n}/thumb"],
    "reviewer": ["/review/{n}", "/disputes/{n}"],
    "manager": [
        "/scorecards/branches/{n}",
        "/scorecards?wave={n}",
        "/scorecards?region={n}",
        "/disputes/{n}",
    ],
    "admin": [
        "/admin/waves/{n}",
        "/admin/branches/{n}",
        "/admin/users/{n}",
        "/admin/regions/{n}",
        "/admin/agencies/{n}",
        "/reports?wave={n}",
        "/review/{n}",
    ],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_a_huge_id_in_a_path_or_query_is_not_found(client, world, role):
    login(client, role, f"{role}-pass")
    for template in PAGES[role]:
        for number in HUGE:
            path = template.format(n=number)
            response = client.get(path)
            assert response.status_code == 404, (path, response.status_code)
            assert "Page not found" in response.text or "Not found" in response.text


def test_a_huge_id_posted_to_a_visit_action_is_not_found(client, world):
    login(client, "shopper", "shopper-pass")
    token = csrf_of(client, "/")
    for number in HUGE:
        response = client.post(f"/visits/{number}/start", data={"csrf_token": token})
        assert response.status_code == 404, number


def test_the_api_answers_a_huge_visit_id_with_404(client, world, db):
    from app.services import agency as agencies

    acme = agencies.create_agency(db, name="Acme")
    _token, secret = agencies.create_token(db, agency=acme, name="t")
    db.commit()
    for number in HUGE:
        response = client.get(
            f"/api/v1/visits/{number}/score", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 404, number
