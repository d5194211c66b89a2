"""Every office form refused through htmx: the message comes back for the place of the action.

office.js shows an error card's message at the form that sent the request and keeps the form
as typed; a form the server draws again (field errors) is swapped in, with what was typed.
These tests hold the server's half: the status, the message, and the typed values.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.models import VisitStatus
from tests.admin.factories import make_visit, make_wave, mini_version
from tests.conftest import csrf_of, login


@pytest.fixture
def visit(db, world):
    version = mini_version(db)
    wave = make_wave(db, version, [world["branches"]["E1"]])
    return make_visit(
        db, version, world["branches"]["E1"], wave=wave, shopper=world["users"]["shopper"]
    )


def _htmx(client, path: str, data: dict[str, str], page: str = "/"):
    token = csrf_of(client, page)
    return client.post(
        path,
        data={"csrf_token": token, **data},
        headers={"HX-Request": "true", "HX-Boosted": "true", "X-CSRF-Token": token},
    )


def _error_card(response, status: int, words: str) -> None:
    """The app's error fragment, aimed at the page's message area when no script runs."""
    assert response.status_code == status, response.text[:400]
    assert 'class="card error-card"' in response.text
    assert words in response.text
    assert response.headers["HX-Retarget"] == "#flash"
    assert "<header" not in response.text  # a fragment, not a page inside the page


def _form_again(response, status: int, *typed: str) -> None:
    """The whole page drawn again (a boosted swap replaces the body) with what was typed."""
    assert response.status_code == status, response.text[:400]
    assert "<header" in response.text and 'hx-boost="true"' in response.text
    for value in typed:
        assert f'value="{value}"' in response.text or f">{value}<" in response.text, value


def test_correction_with_a_bad_value(client, world, visit):
    login(client, "reviewer", "reviewer-pass")
    response = _htmx(
        client,
        f"/review/{visit.id}/correct",
        {"item_id": "wait", "value": "abc", "reason": "typo"},
        f"/review/{visit.id}",
    )
    _error_card(response, 422, "answers.wait")


def test_approve_and_return_of_a_decided_visit(client, db, world, visit):
    login(client, "reviewer", "reviewer-pass")
    page = f"/review/{visit.id}"
    assert _htmx(client, f"/review/{visit.id}/approve", {}, page).status_code == 204
    assert visit.status == VisitStatus.approved
    _error_card(_htmx(client, f"/review/{visit.id}/approve", {}, "/review"), 409, "")
    refused = _htmx(client, f"/review/{visit.id}/return", {"note-general": "x"}, "/review")
    assert refused.status_code in (403, 409) and 'class="card error-card"' in refused.text


def test_dispute_without_a_reason_keeps_the_proposed_value(client, db, world, visit):
    visit.status = VisitStatus.approved
    visit.approved_at = datetime.now(UTC)
    db.flush()
    login(client, "manager", "manager-pass")
    response = _htmx(
        client,
        "/disputes",
        {"visit": str(visit.id), "item": "wait", "reason": "", "proposed_value": "45"},
        f"/disputes/new?visit={visit.id}&item=wait",
    )
    _form_again(response, 422, "45")
    assert "Explain why the answer is wrong." in response.text


def test_dispute_decision_without_a_choice(client, db, world, visit):
    from app.services import disputes

    visit.status = VisitStatus.approved
    visit.approved_at = datetime.now(UTC)
    db.flush()
    dispute = disputes.raise_dispute(
        db, user=world["users"]["manager"], visit=visit, item_id="wait", reason="The clock says 20"
    )
    db.flush()
    login(client, "reviewer", "reviewer-pass")
    response = _htmx(
        client,
        f"/disputes/{dispute.id}/decision",
        {"decision": "reject", "explanation": "", "value": "45"},
        f"/disputes/{dispute.id}",
    )
    _form_again(response, 422)
    assert "Explain why the dispute is rejected." in response.text


def test_action_without_what_keeps_owner(client, db, world, visit):
    login(client, "manager", "manager-pass")
    branch = world["branches"]["E1"]
    response = _htmx(
        client,
        f"/scorecards/branches/{branch.id}/actions",
        {"wave": str(visit.wave_id), "item_id": "greet", "what": "", "owner": "Ann Typed"},
        "/scorecards",
    )
    _form_again(response, 422, "Ann Typed")


def test_action_on_a_branch_out_of_reach(client, db, world, visit):
    login(client, "manager", "manager-pass")
    south = world["branches"]["S1"]
    response = _htmx(
        client,
        f"/scorecards/branches/{south.id}/actions",
        {"wave": str(visit.wave_id), "item_id": "greet", "what": "Retrain", "owner": "Ann"},
        "/scorecards",
    )
    assert response.status_code in (403, 404)
    assert 'class="card error-card"' in response.text and response.headers["HX-Retarget"]


def test_wave_without_dates_keeps_its_name(client, world):
    login(client, "admin", "admin-pass")
    response = _htmx(client, "/admin/waves/new", {"name": "Autumn typed"}, "/admin/waves/new")
    _form_again(response, 422, "Autumn typed")


def test_user_without_username_keeps_the_name(client, world):
    login(client, "admin", "admin-pass")
    response = _htmx(
        client,
        "/admin/users/new",
        {"username": "", "name": "Typed Person", "role": "shopper"},
        "/admin/users/new",
    )
    _form_again(response, 422, "Typed Person")


def test_branch_without_code_keeps_the_name(client, world):
    login(client, "admin", "admin-pass")
    response = _htmx(
        client, "/admin/branches/new", {"code": "", "name": "Typed Branch"}, "/admin/branches/new"
    )
    _form_again(response, 422, "Typed Branch")


def test_an_expired_form_is_refused_with_its_reason(client, world):
    login(client, "admin", "admin-pass")
    response = client.post(
        "/admin/users/new",
        data={"csrf_token": "stale", "username": "x", "name": "y"},
        headers={"HX-Request": "true", "X-CSRF-Token": "stale"},
    )
    _error_card(response, 403, "This form has expired")


def test_a_page_out_of_a_role_is_an_error_card(client, world):
    login(client, "shopper", "shopper-pass")
    response = _htmx(client, "/admin/users/new", {"username": "x", "name": "y"})
    _error_card(response, 404, "")


def test_office_script_only_on_office_pages(client, world):
    login(client, "reviewer", "reviewer-pass")
    assert "/static/office.js" in client.get("/review").text
    client.post("/logout", data={"csrf_token": csrf_of(client, "/review")})
    login(client, "shopper", "shopper-pass")
    assert "/static/office.js" not in client.get("/", follow_redirects=True).text
