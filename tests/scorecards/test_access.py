"""A manager sees only their regions: other regions' branches, visits, photos, exports are 404."""

from __future__ import annotations

import pytest

from app.models import CorrectiveAction, Dispute, Photo
from tests.conftest import csrf_of, login
from tests.scorecards.conftest import add_visit


@pytest.fixture
def south(db, scdata):
    """A visit, a photo, an action and a dispute in the South region (not the manager's)."""
    s1, w2 = scdata["branches"]["S1"], scdata["waves"]["W2"]
    visit = add_visit(
        db,
        wave=w2,
        branch=s1,
        answers={"greet": "no", "wait": 30, "receipt": "yes", "name": "no", "clean": "yes"},
    )
    photo = Photo(
        visit_id=visit.id,
        item_id="clean",
        path="x.jpg",
        thumb_path="x-t.jpg",
        size=10,
        width=1,
        height=1,
        sha256="0" * 64,
    )
    action = CorrectiveAction(
        branch_id=s1.id,
        wave_id=w2.id,
        item_id="greet",
        what="Train",
        owner="Lead",
        due_on=w2.ends_on,
    )
    dispute = Dispute(visit_id=visit.id, item_id="greet", reason="Wrong")
    db.add_all([photo, action, dispute])
    db.flush()
    return {"visit": visit, "photo": photo, "action": action, "dispute": dispute}


def test_manager_gets_404_for_everything_of_another_region(client, scdata, south):
    login(client, "manager", "manager-pass")
    s1, w2 = scdata["branches"]["S1"], scdata["waves"]["W2"]
    region_s = scdata["regions"]["S"]
    visit = south["visit"]
    for path in (
        f"/scorecards/branches/{s1.id}?wave={w2.id}",
        f"/scorecards/branches/{s1.id}/standards/greet?wave={w2.id}",
        f"/scorecards/visits/{visit.id}",
        f"/scorecards?wave={w2.id}&region={region_s.id}",
        f"/exports/waves/{w2.id}.xlsx?region={region_s.id}",
        f"/exports/waves/{w2.id}.csv?region={region_s.id}&level=visits",
        f"/disputes/new?visit={visit.id}&item=greet",
        f"/disputes/{south['dispute'].id}",
        f"/visits/{visit.id}/photos/{south['photo'].id}",
        f"/visits/{visit.id}/photos/{south['photo'].id}/thumb",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_of(client, "/scorecards")
    posts = {
        f"/scorecards/branches/{s1.id}/actions": {
            "wave": w2.id,
            "item_id": "greet",
            "what": "x",
            "owner": "y",
            "due_on": "2099-01-01",
        },
        f"/scorecards/actions/{south['action'].id}": {"done": "1"},
        "/disputes": {"visit": visit.id, "item": "greet", "reason": "no"},
        f"/disputes/{south['dispute'].id}/decision": {"decision": "reject", "explanation": "x"},
    }
    for path, data in posts.items():
        assert client.post(path, data=data | {"csrf_token": token}).status_code == 404, path


def test_manager_pages_and_exports_leave_other_regions_out(client, scdata, south):
    login(client, "manager", "manager-pass")
    w2 = scdata["waves"]["W2"]
    page = client.get(f"/scorecards?wave={w2.id}").text
    assert "East One" in page and "South One" not in page
    assert "South" not in page
    csv = client.get(f"/exports/waves/{w2.id}.csv?level=visits").text
    assert "E1" in csv and "S1" not in csv
    disputes = client.get("/disputes?status=all").text
    assert "Wrong" not in disputes


def test_manager_never_sees_unapproved_visits_or_shopper_names(client, scdata):
    login(client, "manager", "manager-pass")
    assert client.get(f"/scorecards/visits/{scdata['pending'].id}").status_code == 404
    e1, w2 = scdata["branches"]["E1"], scdata["waves"]["W2"]
    visit = scdata["visits"][5]
    for path in (
        f"/scorecards/branches/{e1.id}?wave={w2.id}",
        f"/scorecards/branches/{e1.id}/standards/receipt?wave={w2.id}",
        f"/scorecards/visits/{visit.id}",
        f"/exports/waves/{w2.id}.csv?level=visits",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        for secret in ("Shopper", "shopper"):  # the shopper's name and username
            assert secret not in response.text, path


@pytest.mark.parametrize("role", ["shopper", "reviewer"])
def test_scorecards_and_exports_are_for_managers_and_hq(client, scdata, role):
    login(client, role, f"{role}-pass")
    w2 = scdata["waves"]["W2"]
    assert client.get("/scorecards").status_code == 404
    assert client.get(f"/exports/waves/{w2.id}.xlsx").status_code == 404


def test_shoppers_have_no_disputes(client, scdata):
    login(client, "shopper", "shopper-pass")
    assert client.get("/disputes").status_code == 404


def test_admin_sees_all_regions(client, scdata, south):
    login(client, "admin", "admin-pass")
    w2 = scdata["waves"]["W2"]
    page = client.get(f"/scorecards?wave={w2.id}").text
    assert "South One" in page and "East One" in page
    s1 = scdata["branches"]["S1"]
    assert client.get(f"/scorecards/branches/{s1.id}?wave={w2.id}").status_code == 200
