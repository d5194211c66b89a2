"""One completeness rule at every gate: a shopper's submit, an agency delivery, the approval."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from sqlmodel import select

from app.models import Answer, Photo, Visit, VisitStatus
from app.scoring import completeness_rules
from app.services import agency as agencies
from app.services.checklists import document_of
from tests.admin.factories import make_wave
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
    make_wave(db, version, [world["branches"]["E1"]])  # January 2026: the deliveries' days
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


def _deliver_zip(client, photos: dict[str, bytes]):
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("visits.json", json.dumps([DELIVERY]))
        for path, data in photos.items():
            archive.writestr(path, data)
    return client.post(
        "/api/v1/visits/bulk",
        content=bundle.getvalue(),
        headers={"Content-Type": "application/zip"},
    ).json()


def test_a_delivery_without_its_required_photos_is_refused_as_a_submit_would_be(db, agency_client):
    response = agency_client.post("/api/v1/visits", json=DELIVERY)  # JSON carries no photos
    assert response.status_code == 422
    assert response.json()["errors"] == [
        "photos/ACME-7/price/: needs 1 photo(s); deliver this visit in a ZIP with its photos",
        "photos/ACME-7/storefront/: needs 1 photo(s); deliver this visit in a ZIP with its photos",
    ]
    report = _deliver_zip(agency_client, {"photos/ACME-7/storefront/s.jpg": jpeg((200, 150))})
    assert report["results"][0]["status"] == "invalid"
    assert report["results"][0]["errors"] == [
        "photos/ACME-7/price/: needs 1 photo(s); deliver this visit in a ZIP with its photos"
    ]
    assert db.exec(select(Visit).where(Visit.external_id == "ACME-7")).first() is None


def test_a_delivered_visit_whose_photos_are_gone_cannot_be_approved(db, agency_client):
    report = _deliver_zip(
        agency_client,
        {
            "photos/ACME-7/storefront/s.jpg": jpeg((200, 150)),
            "photos/ACME-7/price/p.jpg": jpeg((200, 150)),
        },
    )
    visit_id = report["results"][0]["visit_id"]
    for photo in db.exec(select(Photo).where(Photo.visit_id == visit_id)):
        db.delete(photo)  # evidence lost after delivery (e.g. purged files)
    db.commit()

    refused = _approve_as_reviewer(agency_client, visit_id)

    assert refused.status_code == 409
    assert "This visit is not complete" in refused.text
    assert "storefront (Photos needed: 1)" in refused.text  # a required photo item
    assert "price (Photos needed: 1)" in refused.text  # evidence for a "yes"
    db.expire_all()
    assert db.get(Visit, visit_id).status == VisitStatus.submitted


def test_a_delivery_with_its_photos_is_approved(db, agency_client):
    report = _deliver_zip(
        agency_client,
        {
            "photos/ACME-7/storefront/s.jpg": jpeg((200, 150)),
            "photos/ACME-7/price/p.jpg": jpeg((200, 150)),
        },
    )
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
    errors = response.json()["errors"]
    assert [e for e in errors if e.startswith("answers.")] == [
        "answers.smile: is required",
        "answers.story: must be at least 20 characters",
    ]
    assert db.exec(select(Visit).where(Visit.external_id == "ACME-7")).first() is None


def test_the_checklist_page_gives_its_script_the_cores_rules(client, db, world, version, visit):
    login(client, "shopper", "shopper-pass")
    page = client.get(f"/visits/{visit.id}").text
    found = re.search(
        r'<script type="application/json" id="visit-rules">(.*?)</script>', page, re.S
    )
    assert found, "no rules for the page's script"
    assert json.loads(found.group(1)) == completeness_rules(document_of(version))
    assert "data-min-chars" not in page and "data-when" not in page  # no second copy


def test_the_page_counts_an_item_done_only_when_nothing_about_it_blocks_submission(
    client, db, world, version, visit
):
    visit.status = VisitStatus.in_progress
    db.add(Answer(visit_id=visit.id, item_id="smile", value="yes"))
    db.add(Answer(visit_id=visit.id, item_id="price", value="yes"))  # its photo is missing
    db.add(Answer(visit_id=visit.id, item_id="story", value="Too short"))
    db.commit()
    login(client, "shopper", "shopper-pass")
    page = client.get(f"/visits/{visit.id}").text
    assert "1 of 8 required answers" in page
    assert 'data-count="arrival">1/4<' in page and 'data-count="checkout">0/4<' in page
