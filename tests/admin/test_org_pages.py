"""Branch, region, user, wave and agency pages: forms, CSV dry run and apply, generation."""

from __future__ import annotations

import hashlib
import re

from sqlmodel import select

from app.models import ApiToken, Branch, User, Visit, Wave
from app.services.auth import create_user
from tests.admin.factories import mini_version
from tests.conftest import csrf_of, login


def _post(client, path, data, page=None, files=None):
    data = {"csrf_token": csrf_of(client, page or path), **data}
    return client.post(path, data=data, files=files)


def test_branch_form_create_error_and_deactivate(client, db, world):
    login(client, "admin", "admin-pass")
    bad = _post(client, "/admin/branches/new", {"code": "E1", "name": "", "region": "E"})
    assert bad.status_code == 422
    assert "Another branch has this code." in bad.text and 'aria-invalid="true"' in bad.text
    good = _post(
        client,
        "/admin/branches/new",
        {
            "code": "E3",
            "name": "East Three",
            "region": "E",
            "timezone": "Asia/Shanghai",
            "latitude": "31.1",
            "longitude": "121.3",
            "competitor": "1",
            "active": "1",
        },
    )
    assert good.status_code == 303
    branch = db.exec(select(Branch).where(Branch.code == "E3")).one()
    assert branch.competitor and branch.latitude == 31.1
    response = _post(
        client, f"/admin/branches/{branch.id}/active", {"active": "0"}, page="/admin/branches"
    )
    assert response.status_code == 303 and not branch.active
    listing = client.get("/admin/branches?status=inactive").text
    assert "E3" in listing and "East One" not in listing


def test_list_filters_render_only_the_results_for_htmx(client, db, world):
    login(client, "admin", "admin-pass")
    fragment = client.get("/admin/branches?q=South", headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<div id="results">')
    # The codes as the table shows them: a bare "E1" also turns up in random CSRF tokens.
    assert ">S1<" in fragment and ">E1<" not in fragment and "<html" not in fragment
    users = client.get("/admin/users?role=shopper", headers={"HX-Request": "true"}).text
    assert users.lstrip().startswith('<div id="results">') and "Mystery shopper" in users
    assert "shopper2" in users and "reviewer" not in users
    wave_id = _wave_with_visits(client, db, world)
    visits = client.get(
        f"/admin/waves/{wave_id}?status=assigned", headers={"HX-Request": "true"}
    ).text
    assert visits.lstrip().startswith('<div id="visit-list">') and "E1" in visits


def _wave_with_visits(client, db, world) -> int:
    from app.services.assignments import generate_assignments
    from tests.admin.factories import make_wave

    wave = make_wave(db, mini_version(db), list(world["branches"].values()))
    generate_assignments(db, wave=wave)
    return wave.id


def test_csv_import_pages_dry_run_then_apply(client, db, world):
    login(client, "admin", "admin-pass")
    csv_text = "code,name,region\nE1,East One,E\nE4,East Four,E\n"
    dry = _post(
        client,
        "/admin/branches/import",
        {},
        files={"file": ("b.csv", csv_text.encode(), "text/csv")},
    )
    assert dry.status_code == 200
    assert "E4" in dry.text and "Apply these changes" in dry.text
    assert db.exec(select(Branch).where(Branch.code == "E4")).first() is None
    applied = _post(client, "/admin/branches/import", {"text": csv_text, "apply": "1"})
    assert applied.status_code == 303
    assert db.exec(select(Branch).where(Branch.code == "E4")).one().name == "East Four"
    bad = _post(
        client, "/admin/users/import", {"text": "username,role,password\nx1,wizard,abcdefgh1\n"}
    )
    assert bad.status_code == 422
    assert "Line 2" in bad.text and "unknown role" in bad.text
    assert "Apply these changes" not in bad.text


def test_user_form_and_manager_regions(client, db, world):
    login(client, "admin", "admin-pass")
    response = _post(
        client,
        "/admin/users/new",
        {
            "username": "mgr2",
            "name": "Second Manager",
            "role": "manager",
            "language": "zh_CN",
            "password": "manager-2-pass",
            "regions": ["E", "S"],
            "active": "1",
        },
    )
    assert response.status_code == 303
    mgr = db.exec(select(User).where(User.username == "mgr2")).one()
    assert mgr.language == "zh_CN"
    regions = client.get("/admin/regions").text
    assert regions.count("Second Manager") == 2
    region = world["regions"]["S"]
    _post(client, f"/admin/regions/{region.id}", {"code": "S", "name": "South", "managers": []})
    assert client.get("/admin/regions").text.count("Second Manager") == 1
    edit = _post(
        client, f"/admin/users/{mgr.id}", {"name": "M2", "role": "manager", "password": "short"}
    )
    assert edit.status_code == 422 and "at least 8" in edit.text


def test_wave_pages_create_generate_reassign_cancel(client, db, world):
    login(client, "admin", "admin-pass")
    version = mini_version(db)
    form = _post(
        client,
        "/admin/waves/new",
        {
            "name": "2027 Q1",
            "starts_on": "2027-01-01",
            "ends_on": "2027-03-31",
            "checklist_version_id": str(version.id),
            "visits_per_branch": "2",
            "branches": [str(b.id) for b in world["branches"].values()],
            "scenario": "",
        },
    )
    assert form.status_code == 303
    wave = db.exec(select(Wave).where(Wave.name == "2027 Q1")).one()
    generated = _post(
        client, f"/admin/waves/{wave.id}/generate", {}, page=f"/admin/waves/{wave.id}"
    )
    assert generated.status_code == 303
    visits = db.exec(select(Visit).where(Visit.wave_id == wave.id)).all()
    assert len(visits) == 6 and all(v.shopper_id for v in visits)
    page = client.get(f"/admin/waves/{wave.id}").text
    assert "East" in page and "Generate assignments" in page
    target = visits[0]
    other = next(s for s in ("shopper", "shopper2") if world["users"][s].id != target.shopper_id)
    path = f"/admin/waves/{wave.id}/visits/{target.id}"
    # both shoppers shop each branch once already: the other one may not take a second visit
    barred = _post(
        client,
        path + "/reassign",
        {"shopper_id": str(world["users"][other].id)},
        page=f"/admin/waves/{wave.id}",
    )
    assert barred.status_code == 422
    assert "repeat rule: already shops this branch in this wave" in barred.text
    newcomer = create_user(
        db, username="shopper3", name="Newcomer", role="shopper", password="secret-pass"
    )
    moved = _post(
        client,
        path + "/reassign?region=0&status=",
        {"shopper_id": str(newcomer.id)},
        page=f"/admin/waves/{wave.id}",
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith("#visits")
    assert target.shopper_id == newcomer.id
    manager = str(world["users"]["manager"].id)
    unknown = _post(
        client, path + "/reassign", {"shopper_id": manager}, page=f"/admin/waves/{wave.id}"
    )
    assert unknown.status_code == 422
    cancelled = _post(client, path + "/cancel", {}, page=f"/admin/waves/{wave.id}")
    assert cancelled.status_code == 303
    assert db.get(Visit, target.id) is None
    invalid = _post(
        client, "/admin/waves/new", {"name": "", "starts_on": "soon"}, page="/admin/waves/new"
    )
    assert invalid.status_code == 422 and "is required" in invalid.text


def test_agency_tokens_shown_once_stored_hashed_and_revocable(client, db, world):
    login(client, "admin", "admin-pass")
    assert _post(client, "/admin/agencies", {"name": "Acme Research"}).status_code == 303
    page = client.get("/admin/agencies").text
    agency_id = re.search(r"/admin/agencies/(\d+)/tokens", page).group(1)
    created = _post(
        client, f"/admin/agencies/{agency_id}/tokens", {"name": "upload"}, page="/admin/agencies"
    )
    secret = re.search(r"(smk_[A-Za-z0-9_-]+)", created.text).group(1)
    assert created.headers["cache-control"] == "no-store"
    token = db.exec(select(ApiToken)).one()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get("/admin/agencies").text
    revoke = _post(client, f"/admin/agencies/tokens/{token.id}/revoke", {}, page="/admin/agencies")
    assert revoke.status_code == 303 and token.revoked_at is not None
    assert "Revoked" in client.get("/admin/agencies").text
