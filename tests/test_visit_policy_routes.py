"""The visit policy through the web: a refused action answers with its status and reason,
pages offer only what the policy allows, and objects outside a user's scope are not found."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import Visit, VisitStatus, utcnow
from app.services import disputes, visit_policy
from tests.admin.factories import make_visit, make_wave, mini_version
from tests.conftest import csrf_of, login

JSON = {"accept": "application/json"}


@pytest.fixture
def version(db):
    return mini_version(db)


def visit_of(db, world, version, status, *, branch="E1", shopper="shopper", agency=None):
    visit = make_visit(
        db,
        version,
        world["branches"][branch],
        shopper=world["users"][shopper] if shopper else None,
        status=status,
    )
    if status == VisitStatus.approved:
        visit.approved_at = utcnow() - timedelta(days=1)
    if agency is not None:
        visit.agency_id, visit.external_id = agency.id, f"EXT-{visit.id}"
    db.add(visit)
    db.flush()
    return visit


def as_user(client, username: str, path: str = "/") -> str:
    login(client, username, f"{username}-pass")
    return csrf_of(client, path)


def test_the_shopper_cannot_change_a_submitted_visit(client, db, world, version):
    visit = visit_of(db, world, version, VisitStatus.submitted)
    token = as_user(client, "shopper")
    saved = client.post(
        f"/visits/{visit.id}/answers",
        data={"item_id": "greet", "value": "no", "client_id": "c1"},
        headers=JSON | {"x-csrf-token": token},
    )
    assert saved.status_code == 409
    assert saved.json() == {"detail": "This visit has been submitted; it can no longer be changed."}
    again = client.post(f"/visits/{visit.id}/submit", data={"csrf_token": token})
    assert again.status_code == 409
    assert "This visit has been submitted; it can no longer be changed." in again.text
    page = client.get(f"/visits/{visit.id}").text
    assert f'action="/visits/{visit.id}/start"' not in page and 'id="checklist"' not in page


def test_a_visit_not_started_cannot_be_submitted(client, db, world, version):
    visit = visit_of(db, world, version, VisitStatus.assigned)
    token = as_user(client, "shopper")
    refused = client.post(f"/visits/{visit.id}/submit", data={"csrf_token": token})
    assert refused.status_code == 409 and "Start the visit before submitting it." in refused.text
    assert db.get(Visit, visit.id).status == VisitStatus.assigned


def test_another_shoppers_visit_is_not_found(client, db, world, version):
    visit = visit_of(db, world, version, VisitStatus.in_progress)
    token = as_user(client, "shopper2")
    saved = client.post(
        f"/visits/{visit.id}/answers",
        data={"item_id": "greet", "value": "no", "client_id": "c1"},
        headers=JSON | {"x-csrf-token": token},
    )
    assert saved.status_code == 404 and saved.json() == {"detail": "Not found."}


def test_review_refusals_say_why(client, db, world, version):
    from app.services import agency as agencies

    approved = visit_of(db, world, version, VisitStatus.approved)
    returned = visit_of(db, world, version, VisitStatus.returned)
    acme = agencies.create_agency(db, name="Acme")
    delivered = visit_of(db, world, version, VisitStatus.submitted, shopper=None, agency=acme)
    token = as_user(client, "reviewer", "/review")
    approve = client.post(f"/review/{approved.id}/approve", data={"csrf_token": token})
    assert approve.status_code == 409 and "This visit is not waiting for review." in approve.text
    sent_back = client.post(
        f"/review/{delivered.id}/return", data={"csrf_token": token, "note-general": "Fix it"}
    )
    assert sent_back.status_code == 409
    assert "An agency delivery cannot be returned; correct its answers instead." in sent_back.text
    assert db.get(Visit, delivered.id).status == VisitStatus.submitted
    corrected = client.post(
        f"/review/{returned.id}/correct",
        data={"csrf_token": token, "item_id": "greet", "value": "no", "reason": "r"},
        headers={"HX-Request": "true"},
    )
    assert corrected.status_code == 409 and corrected.headers["HX-Retarget"] == "#flash"
    assert "Only submitted or approved visits can be corrected." in corrected.text


def test_the_review_page_offers_only_what_the_policy_allows(client, db, world, version):
    returned = visit_of(db, world, version, VisitStatus.returned)
    submitted = visit_of(db, world, version, VisitStatus.submitted)
    as_user(client, "reviewer", "/review")
    page = client.get(f"/review/{returned.id}").text
    assert f'action="/review/{returned.id}/approve"' not in page
    assert 'id="return-form"' not in page and "Correct this answer" not in page
    page = client.get(f"/review/{submitted.id}").text
    assert f'action="/review/{submitted.id}/approve"' in page and 'id="return-form"' in page
    assert "Correct this answer" in page and 'name="note-greet"' in page


def test_a_manager_cannot_decide_a_dispute(client, db, world, version):
    visit = visit_of(db, world, version, VisitStatus.approved)
    dispute = disputes.raise_dispute(
        db, user=world["users"]["manager"], visit=visit, item_id="greet", reason="They did."
    )
    db.flush()
    token = as_user(client, "manager", f"/disputes/{dispute.id}")
    decided = client.post(
        f"/disputes/{dispute.id}/decision",
        data={"decision": "accept", "explanation": "mine", "value": "no", "csrf_token": token},
    )
    assert decided.status_code == 403 and "Only reviewers can decide disputes." in decided.text
    assert "Accept and correct the answer" not in decided.text
    assert dispute.status == "open"


def test_a_decided_dispute_offers_no_decision(client, db, world, version):
    visit = visit_of(db, world, version, VisitStatus.approved)
    dispute = disputes.raise_dispute(
        db, user=world["users"]["manager"], visit=visit, item_id="greet", reason="They did."
    )
    disputes.decide(
        db, user=world["users"]["reviewer"], dispute=dispute, accept=False, explanation="No."
    )
    db.flush()
    token = as_user(client, "reviewer", f"/disputes/{dispute.id}")
    page = client.get(f"/disputes/{dispute.id}").text
    assert "Accept and correct the answer" not in page and f'href="/review/{visit.id}"' in page
    again = client.post(
        f"/disputes/{dispute.id}/decision",
        data={"decision": "accept", "explanation": "Yes.", "value": "no", "csrf_token": token},
    )
    assert again.status_code == 409 and "This dispute has already been decided." in again.text


def test_a_closed_window_is_explained_on_the_dispute_form(client, db, world, version):
    visit = visit_of(db, world, version, VisitStatus.approved)
    visit.approved_at = utcnow() - timedelta(days=400)
    db.add(visit)
    db.flush()
    as_user(client, "manager", "/scorecards")
    form = client.get(f"/disputes/new?visit={visit.id}&item=greet")
    assert form.status_code == 200
    assert "The time to dispute this visit has passed." in form.text
    assert "Send the dispute" not in form.text
    assert f'href="/scorecards/visits/{visit.id}#i-greet"' in form.text


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("manager", "/scorecards/visits/{south}"),  # another region
        ("manager", "/scorecards/visits/{pending}"),  # not approved yet
        ("manager", "/disputes/new?visit={south}&item=greet"),
        ("reviewer", "/disputes/new?visit={east}&item=greet"),  # reviewers decide, not raise
        ("shopper", "/disputes/new?visit={east}&item=greet"),
        ("shopper", "/disputes/{dispute}"),
        ("shopper2", "/visits/{mine}"),
    ],
)
def test_objects_outside_the_users_scope_are_not_found(client, db, world, version, username, path):
    east = visit_of(db, world, version, VisitStatus.approved)
    south = visit_of(db, world, version, VisitStatus.approved, branch="S1")
    pending = visit_of(db, world, version, VisitStatus.submitted)
    mine = visit_of(db, world, version, VisitStatus.in_progress)
    dispute = disputes.raise_dispute(
        db, user=world["users"]["manager"], visit=east, item_id="greet", reason="They did."
    )
    db.flush()
    ids = {"east": east.id, "south": south.id, "pending": pending.id, "mine": mine.id}
    as_user(client, username)
    response = client.get(path.format(dispute=dispute.id, **ids))
    assert response.status_code == 404


def test_the_wave_page_offers_what_each_visit_allows(client, db, world, version):
    wave = make_wave(db, version, [world["branches"]["E1"]])
    shopper = world["users"]["shopper"]
    branch = world["branches"]["E1"]
    started = make_visit(db, version, branch, shopper=shopper, wave=wave, status="in_progress")
    waiting = make_visit(db, version, branch, shopper=shopper, wave=wave)
    token = as_user(client, "admin", f"/admin/waves/{wave.id}")
    page = client.get(f"/admin/waves/{wave.id}").text
    assert f"/visits/{started.id}/cancel" in page and f"/visits/{started.id}/reassign" in page
    assert f"/visits/{waiting.id}/cancel" not in page and f'href="/review/{waiting.id}"' in page
    refused = client.post(
        f"/admin/waves/{wave.id}/visits/{waiting.id}/cancel", data={"csrf_token": token}
    )
    assert refused.status_code == 409
    assert "Only visits that are assigned or in progress can be cancelled." in refused.text
    assert db.get(Visit, waiting.id) is not None


def test_the_policy_reads_the_managers_regions_and_the_window(db, world, version):
    manager = world["users"]["manager"]
    east = visit_of(db, world, version, VisitStatus.approved)
    south = visit_of(db, world, version, VisitStatus.approved, branch="S1")
    assert visit_policy.for_visit(db, user=manager, visit=east).dispute
    assert not visit_policy.for_visit(db, user=manager, visit=south).view
    late = east.approved_at + timedelta(days=365)
    closed = visit_policy.for_visit(db, user=manager, visit=east, now=late)
    assert closed.view and not closed.dispute
    assert closed.reason("dispute") == "The time to dispute this visit has passed."
