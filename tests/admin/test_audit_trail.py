"""The audit trail of HQ's changes: what is recorded, what never is, and who may read it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.models import AdminChange, ApiToken, Branch
from app.services import audit_trail
from tests.admin.factories import MINI
from tests.conftest import csrf_of, login


def _post(client, path, data, page=None):
    return client.post(path, data={"csrf_token": csrf_of(client, page or path), **data})


def _trail(db, kind=None):
    query = select(AdminChange).order_by(AdminChange.id)
    if kind:
        query = query.where(AdminChange.kind == kind)
    return db.exec(query).all()


def test_a_user_change_keeps_before_and_after_but_never_the_password(client, db, world):
    login(client, "admin", "admin-pass")
    shopper = world["users"]["shopper"]
    old_hash = shopper.password_hash
    response = _post(
        client,
        f"/admin/users/{shopper.id}",
        {"name": "Sara Shopper", "role": "shopper", "password": "a-new-long-secret", "active": "1"},
    )
    assert response.status_code == 303
    (change,) = _trail(db, "user")
    assert (change.action, change.label, change.object_id) == ("update", "shopper", shopper.id)
    assert change.changes == {"name": ["Shopper", "Sara Shopper"], "password": None}
    assert change.user_id == world["users"]["admin"].id and change.address == "testclient"
    stored = repr(change.changes)
    assert old_hash not in stored and shopper.password_hash not in stored


def test_branch_region_and_manager_changes_are_recorded(client, db, world):
    login(client, "admin", "admin-pass")
    created = _post(
        client,
        "/admin/branches/new",
        {"code": "E9", "name": "East Nine", "region": "E", "timezone": "Asia/Shanghai"},
    )
    assert created.status_code == 303
    east = world["regions"]["E"]
    saved = _post(
        client,
        f"/admin/regions/{east.id}",
        {"code": "E", "name": "East Coast", "managers": str(world["users"]["manager"].id)},
    )
    assert saved.status_code == 303
    branch_change = _trail(db, "branch")[0]
    assert branch_change.action == "create" and branch_change.label == "E9"
    assert branch_change.changes["name"] == [None, "East Nine"]
    region_changes = [c.changes for c in _trail(db, "region")]
    assert region_changes == [{"name": ["East", "East Coast"]}]  # the managers stayed the same
    _post(client, f"/admin/regions/{east.id}", {"code": "E", "name": "East Coast"})
    assert _trail(db, "region")[-1].changes == {"managers": [["manager"], []]}


def test_a_token_is_recorded_without_its_secret_and_its_revocation_too(client, db, world):
    login(client, "admin", "admin-pass")
    _post(client, "/admin/agencies", {"name": "Acme"})
    acme = _trail(db, "agency")[0]
    page = _post(
        client, f"/admin/agencies/{acme.object_id}/tokens", {"name": "feed"}, page="/admin/agencies"
    )
    token = db.exec(select(ApiToken)).one()
    secret = page.text.split("smk_", 1)[1].split("<", 1)[0]
    created = _trail(db, "token")[0]
    assert created.changes["token"] is None and created.changes["name"] == [None, "feed"]
    assert secret not in repr(created.changes) and token.token_hash not in repr(created.changes)
    _post(client, f"/admin/agencies/tokens/{token.id}/revoke", {}, page="/admin/agencies")
    revoked = _trail(db, "token")[-1]
    assert revoked.action == "update" and revoked.changes["revoked_at"][0] is None


def test_checklists_and_waves_are_recorded(client, db, world):
    login(client, "admin", "admin-pass")
    assert _post(client, "/admin/checklists", {"text": MINI}).status_code == 303
    labels = [(c.action, c.label) for c in _trail(db, "checklist")]
    assert ("create", "mini") in labels and ("create", "mini v1") in labels
    version_id = next(c.object_id for c in _trail(db, "checklist") if c.label == "mini v1")
    response = _post(
        client,
        "/admin/waves/new",
        {
            "name": "Spring",
            "checklist_version_id": str(version_id),
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-31",
            "visits_per_branch": "1",
            "branches": [str(world["branches"]["E1"].id)],
        },
    )
    assert response.status_code == 303, response.text
    waves = _trail(db, "wave")
    assert waves[0].label == "Spring" and waves[0].changes["starts_on"] == [None, "2026-03-01"]
    assert any(c.changes.get("branch_id") == [None, world["branches"]["E1"].id] for c in waves)


def test_changes_by_other_roles_are_not_admin_changes(client, db, world):
    login(client, "shopper", "shopper-pass")
    token = csrf_of(client, "/")
    client.post("/language", data={"language": "zh_CN", "csrf_token": token})
    assert _trail(db) == []


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_hq_reads_the_trail_newest_first_filtered_and_paged(
    client, db, world, monkeypatch, language
):
    monkeypatch.setattr(audit_trail, "PAGE_SIZE", 2)
    login(client, "admin", "admin-pass")
    client.cookies.set("sm_lang", language)
    for code in ("E1", "E2", "S1"):
        branch = world["branches"][code]
        _post(
            client, f"/admin/branches/{branch.id}/active", {"active": "0"}, page="/admin/branches"
        )
    first = client.get("/admin/audit?kind=branch").text
    assert first.index(">S1<") < first.index(">E2<") and ">E1<" not in first
    assert ("Page 1 of 2" if language == "en" else "第 1 页，共 2 页") in first
    assert ("Audit trail" if language == "en" else "审计记录") in first
    second = client.get("/admin/audit?kind=branch&page=2").text
    assert ">E1<" in second and ">S1<" not in second
    assert client.get("/admin/audit?kind=user").text.count("<tr>") == 0
    assert db.exec(select(Branch).where(Branch.active)).all() == []


@pytest.mark.parametrize("username", ["manager", "reviewer", "shopper"])
def test_nobody_but_hq_reads_the_trail_or_the_log(client, db, world, username):
    login(client, "admin", "admin-pass")
    _post(
        client,
        f"/admin/branches/{world['branches']['E1'].id}/active",
        {"active": "0"},
        page="/admin/branches",
    )
    client.cookies.clear()
    login(client, username, f"{username}-pass")
    for path in ("/admin/audit", "/admin/security", "/admin/audit?kind=branch&page=1"):
        response = client.get(path)
        assert response.status_code == 404 and "E1" not in response.text
