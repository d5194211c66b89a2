"""HQ records, per branch, when and by whom staff were told that mystery shopping happens."""

from __future__ import annotations

from datetime import date

from app.models import utcnow
from tests.conftest import csrf_of, login


def _record(client, branch_id, **fields):
    data = {"csrf_token": csrf_of(client, f"/admin/branches/{branch_id}"), **fields}
    return client.post(f"/admin/branches/{branch_id}/staff-informed", data=data)


def test_hq_records_it_on_the_branch_page_and_the_list_shows_it(client, db, world):
    login(client, "admin", "admin-pass")
    branch = world["branches"]["E1"]
    assert "Not recorded yet" in client.get(f"/admin/branches/{branch.id}").text
    saved = _record(
        client, branch.id, staff_informed_on="2026-01-05", staff_informed_by="Zhang (RM)"
    )
    assert saved.status_code == 303
    assert (branch.staff_informed_on, branch.staff_informed_by) == (date(2026, 1, 5), "Zhang (RM)")
    page = client.get(f"/admin/branches/{branch.id}").text
    assert "Informed on 2026-01-05 by Zhang (RM)." in page
    listing = client.get("/admin/branches").text
    row = listing[listing.index(">E1<") : listing.index(">E2<")]
    assert "2026-01-05" in row and "Zhang (RM)" in row
    assert "not recorded" in listing[listing.index(">E2<") :]


def test_errors_name_the_field_and_keep_what_was_typed(client, db, world):
    login(client, "admin", "admin-pass")
    branch = world["branches"]["E1"]
    future = date(utcnow().year + 1, 1, 1).isoformat()
    bad = _record(client, branch.id, staff_informed_on=future, staff_informed_by="")
    assert bad.status_code == 422
    assert 'id="staff_informed_on-error">The date cannot be in the future.' in bad.text
    assert 'id="staff_informed_by-error">Say who informed them' in bad.text
    assert f'value="{future}"' in bad.text
    garbled = _record(client, branch.id, staff_informed_on="5 Jan", staff_informed_by="Li")
    assert 'id="staff_informed_on-error">Give the date staff were informed' in garbled.text
    assert branch.staff_informed_on is None


def test_only_hq_may_record_it(client, db, world):
    login(client, "manager", "manager-pass")
    branch = world["branches"]["E1"]
    token = csrf_of(client, "/")
    response = client.post(
        f"/admin/branches/{branch.id}/staff-informed",
        data={"csrf_token": token, "staff_informed_on": "2026-01-05", "staff_informed_by": "x"},
    )
    assert response.status_code == 404 and branch.staff_informed_on is None
