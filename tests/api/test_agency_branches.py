"""An agency HQ limits to branches delivers and reads only there; the limit is audited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from sqlmodel import select

from app.models import AdminChange, ChecklistVersion, Visit
from app.services import agency as agencies
from tests.admin.factories import make_wave
from tests.api.test_agency_api import DOC, _doc, api  # noqa: F401  (the fixture)
from tests.conftest import csrf_of, login


@pytest.fixture
def limited(db, api, world):  # noqa: F811
    """Acme may deliver at E2 only; E1 (where DOC is) is closed to it."""
    version = db.get(ChecklistVersion, api["wave"].checklist_version_id)
    make_wave(db, version, [world["branches"]["E2"]], starts=date(2026, 1, 1), name="E2 wave")
    agencies.set_agency_branches(db, agency=api["agency"], codes="E2")
    db.commit()
    return api


def test_a_delivery_for_another_branch_is_refused_naming_it(db, limited):
    response = limited["client"].post("/api/v1/visits", json=DOC)
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "branch: this agency may not deliver or read visits of branch 'E1'"
    )
    assert db.exec(select(Visit).where(Visit.external_id == "ACME-1")).first() is None
    allowed = limited["client"].post("/api/v1/visits", json=_doc(external_id="A-2", branch="E2"))
    assert allowed.status_code == 201, allowed.text


def test_a_bulk_line_for_another_branch_is_refused_and_the_others_delivered(limited):
    documents = [DOC, _doc(external_id="A-2", branch="E2")]
    report = limited["client"].post("/api/v1/visits/bulk", json=documents).json()
    assert [line["status"] for line in report["results"]] == ["invalid", "created"]
    assert report["results"][0]["errors"] == [
        "branch: this agency may not deliver or read visits of branch 'E1'"
    ]


def test_a_zip_for_another_branch_is_refused(limited):
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("visits.json", json.dumps([DOC]))
    response = limited["client"].post(
        "/api/v1/visits/bulk",
        content=bundle.getvalue(),
        headers={"Content-Type": "application/zip"},
    )
    (line,) = response.json()["results"]
    assert line["status"] == "invalid" and "branch 'E1'" in line["errors"][0]


def test_reads_of_a_branch_closed_since_are_refused_naming_it(db, api):  # noqa: F811
    delivered = api["client"].post("/api/v1/visits", json=DOC).json()
    assert api["client"].get("/api/v1/visits/ACME-1").status_code == 200
    agencies.set_agency_branches(db, agency=api["agency"], codes="E2")
    db.commit()
    for path in ("/api/v1/visits/ACME-1", f"/api/v1/visits/{delivered['id']}/score"):
        response = api["client"].get(path)
        assert response.status_code == 403, path
        assert "branch 'E1'" in response.json()["detail"]
    assert api["client"].post("/api/v1/visits", json=DOC).status_code == 403  # the repeat too


def test_hq_limits_an_agency_on_its_page_and_the_trail_records_it(db, api):  # noqa: F811
    office = api["client"]
    del office.headers["Authorization"]
    login(office, "admin", "admin-pass")
    token = csrf_of(office, "/admin/agencies")
    url = f"/admin/agencies/{api['agency'].id}/branches"
    bad = office.post(url, data={"branches": "E1, NOPE", "csrf_token": token})
    assert bad.status_code == 422 and "Unknown branch code: NOPE" in bad.text
    done = office.post(url, data={"branches": "E2 E1", "csrf_token": token})
    assert done.status_code == 303
    assert 'value="E1, E2"' in office.get("/admin/agencies").text
    assert agencies.branch_codes_of(db, api["agency"]) == ["E1", "E2"]
    (change,) = db.exec(select(AdminChange).where(AdminChange.kind == "agency")).all()
    assert change.changes == {"branches": [[], ["E1", "E2"]]} and change.label == "Acme"
