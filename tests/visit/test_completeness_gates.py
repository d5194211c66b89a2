"""One completeness rule at every gate: a shopper's submit, an agency delivery, the approval."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlmodel import select

from app.models import Visit, VisitStatus
from app.services import agency as agencies
from tests.conftest import csrf_of, login
from tests.visit.helpers import jpeg

DELIVERY = {
    "format": 1,
    "external_id": "ACME-7",
    "checklist": "visit-test",
    "branch": "E1",
    "visited_at": "2026-01-10T10:15:00+08:00",
    "time_out": "2026-01-10T10:41:00+08:00",
    "answers": {
        "greet-time": {"value": 42},
        "smile": {"value": "yes"},
        "tidy": {"value": 4},
        "offer": {"value": "none"},
        "price": {"value": "yes"},
        "queue": {"value": "na"},
        "story": {"value": "A calm and friendly visit overall."},
    },
}


@pytest.fixture
def agency_client(db, world, version, client):
    acme = agencies.create_agency(db, name="Acme")
    _token, secret = agencies.create_token(db, agency=acme, name="upload")
    db.commit()
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def _approve_as_reviewer(client, visit_id: int):
    client.headers.pop("Authorization", None)
    login(client, "reviewer", "reviewer-pass")
    token = csrf_of(client, f"/review/{visit_id}")
    return client.post(f"/review/{visit_id}/approve", data={"csrf_token": token})


def test_a_delivery_without_its_required_photos_cannot_be_approved(db, agency_client):
    delivered = agency_client.post("/api/v1/visits", json=DELIVERY)
    assert delivered.status_code == 201, delivered.text  # photos travel as files, later
    visit_id = delivered.json()["id"]

    refused = _approve_as_reviewer(agency_client, visit_id)

    assert refused.status_code == 409
    assert "This visit is not complete" in refused.text
    assert "storefront (Photos needed: 1)" in refused.text  # a required photo item
    assert "price (Photos needed: 1)" in refused.text  # evidence for a "yes"
    db.expire_all()
    assert db.get(Visit, visit_id).status == VisitStatus.submitted


def test_a_delivery_with_its_photos_is_approved(db, agency_client):
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("visits.json", json.dumps([DELIVERY]))
        archive.writestr("photos/ACME-7/storefront/s.jpg", jpeg((200, 150)))
        archive.writestr("photos/ACME-7/price/p.jpg", jpeg((200, 150)))
    report = agency_client.post(
        "/api/v1/visits/bulk",
        content=bundle.getvalue(),
        headers={"Content-Type": "application/zip"},
    ).json()
    assert report["created"] == 1, report
    visit_id = report["results"][0]["visit_id"]

    approved = _approve_as_reviewer(agency_client, visit_id)

    assert approved.status_code == 303
    db.expire_all()
    assert db.get(Visit, visit_id).status == VisitStatus.approved


def test_a_delivery_missing_an_answer_or_with_a_short_text_is_refused(db, agency_client):
    answers = {k: v for k, v in DELIVERY["answers"].items() if k != "smile"}
    answers["story"] = {"value": "Too short"}
    response = agency_client.post("/api/v1/visits", json=DELIVERY | {"answers": answers})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        "answers.smile: is required",
        "answers.story: must be at least 20 characters",
    ]
    assert db.exec(select(Visit).where(Visit.external_id == "ACME-7")).first() is None
