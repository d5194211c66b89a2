"""The agency import API: bearer tokens, one visit, repeats, invalid documents, scores, bulk."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from PIL import Image
from sqlmodel import select

from app.models import Answer, AuditEvent, ChecklistVersion, Photo, Visit, VisitStatus
from app.services import agency as agencies
from tests.admin.factories import make_wave, mini_version

DOC = {
    "format": 1,
    "external_id": "ACME-1",
    "checklist": "mini",
    "checklist_version": 1,
    "branch": "E1",
    "visited_at": "2026-01-10T10:15:00+08:00",
    "time_out": "2026-01-10T10:41:00+08:00",
    "answers": {
        "greet": {"value": "yes", "comment": "Big smile"},
        "wait": {"value": 60},
        "receipt": {"value": "yes"},
        "name": {"value": "yes"},
        "clean": {"value": "na"},
    },
}


@pytest.fixture
def api(db, world, client):
    version = mini_version(db)
    wave = make_wave(db, version, [world["branches"]["E1"]], starts=date(2026, 1, 1))
    acme = agencies.create_agency(db, name="Acme")
    token, secret = agencies.create_token(db, agency=acme, name="upload")
    db.commit()  # as in production: a failed request must not roll back the set-up
    client.headers["Authorization"] = f"Bearer {secret}"
    return {"agency": acme, "token": token, "secret": secret, "wave": wave, "client": client}


def _doc(**changes):
    return json.loads(json.dumps(DOC)) | changes


def test_a_delivered_visit_is_scored_and_waits_for_review(db, api):
    response = api["client"].post("/api/v1/visits", json=DOC)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] is True and body["status"] == "submitted"
    assert round(body["score"]["score"], 2) == 77.78 and body["score"]["band"] == "within"
    assert body["wave_id"] == api["wave"].id
    visit = db.get(Visit, body["id"])
    assert (visit.agency_id, visit.external_id, visit.shopper_id) == (
        api["agency"].id,
        "ACME-1",
        None,
    )
    assert visit.status == VisitStatus.submitted
    greet = db.exec(
        select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == "greet")
    ).one()
    assert greet.comment == "Big smile"
    assert visit.time_in.isoformat() == "2026-01-10T02:15:00+00:00"
    event = db.exec(select(AuditEvent).where(AuditEvent.visit_id == visit.id)).one()
    assert event.action == "submitted" and event.after == {"agency": "Acme"}
    assert api["token"].last_used_at is not None


def test_a_repeated_delivery_returns_the_first_one(db, api):
    first = api["client"].post("/api/v1/visits", json=DOC).json()
    changed = _doc(answers={**DOC["answers"], "greet": {"value": "no"}})
    again = api["client"].post("/api/v1/visits", json=changed)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["created"] is False
    assert again.json()["score"] == first["score"]
    assert len(db.exec(select(Visit).where(Visit.external_id == "ACME-1")).all()) == 1


def test_invalid_documents_name_every_path(db, api):
    bad = _doc(
        branch="NOPE",
        answers={**DOC["answers"], "offer": {"value": "gold"}, "greet": {"value": "na"}},
    )
    response = api["client"].post("/api/v1/visits", json=bad)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "answers.offer: unknown option 'gold'" in errors
    assert "branch: unknown branch 'NOPE'" in errors
    assert any(e.startswith("answers.greet: N/A is not allowed") for e in errors)
    assert "answers.offer: unknown option 'gold'" in response.json()["detail"]
    missing = _doc(answers={"greet": {"value": "yes"}})
    errors = api["client"].post("/api/v1/visits", json=missing).json()["errors"]
    assert "answers.wait: is required" in errors and "answers.receipt: is required" in errors
    for doc, expected in (
        (_doc(external_id=None), "external_id: is required"),
        (_doc(checklist="other"), "checklist: unknown checklist 'other'"),
        (_doc(checklist_version=7), "checklist_version: 'mini' has no version 7"),
        (_doc(visited_at="yesterday"), "visited_at: must be a date-time"),
    ):
        response = api["client"].post("/api/v1/visits", json=doc)
        assert response.status_code == 422
        assert any(e.startswith(expected) for e in response.json()["errors"]), response.json()
    listed = api["client"].post("/api/v1/visits", json=[DOC])
    assert listed.status_code == 422
    assert listed.json()["errors"] == ["document: must be a JSON object"]
    garbled = api["client"].post("/api/v1/visits", content=b'{"format": 1,')
    assert garbled.status_code == 422
    assert garbled.json()["errors"][0].startswith("body: invalid JSON at line 1")
    assert not db.exec(select(Visit)).all()


def test_tokens_are_required_and_revocation_is_immediate(db, api):
    client = api["client"]
    assert client.post("/api/v1/visits", json=DOC, headers={"Authorization": ""}).status_code == 401
    wrong = client.post("/api/v1/visits", json=DOC, headers={"Authorization": "Bearer smk_nope"})
    assert wrong.status_code == 401 and "detail" in wrong.json()
    assert wrong.headers["WWW-Authenticate"] == "Bearer"
    agencies.revoke_token(db, token_id=api["token"].id)
    db.commit()
    assert client.post("/api/v1/visits", json=DOC).status_code == 401
    _token, fresh = agencies.create_token(db, agency=api["agency"], name="second")
    db.commit()
    client.headers["Authorization"] = f"Bearer {fresh}"
    assert client.post("/api/v1/visits", json=DOC).status_code == 201
    agencies.set_agency_active(db, agency=api["agency"], active=False)
    db.commit()
    assert client.get("/api/v1/visits/1/score").status_code == 401
    assert not db.exec(select(Visit).where(Visit.agency_id.is_(None))).all()


def test_scores_are_read_back_only_by_their_agency(db, api):
    visit_id = api["client"].post("/api/v1/visits", json=DOC).json()["id"]
    score = api["client"].get(f"/api/v1/visits/{visit_id}/score")
    assert score.status_code == 200
    assert (
        score.json()["status"] == "submitted" and round(score.json()["score"]["score"], 2) == 77.78
    )
    other = agencies.create_agency(db, name="Other")
    _t, secret = agencies.create_token(db, agency=other, name="x")
    db.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api["client"].get(f"/api/v1/visits/{visit_id}/score", headers=headers).status_code == 404
    taken = api["client"].post("/api/v1/visits", json=DOC, headers=headers)
    assert taken.status_code == 409 and "external_id" in taken.json()["detail"]


def test_bulk_json_reports_each_visit(db, api):
    docs = [DOC, _doc(external_id="ACME-2", branch="XX"), DOC, "not a visit"]
    response = api["client"].post("/api/v1/visits/bulk", json=docs)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["existing"], body["invalid"]) == (1, 1, 2)
    statuses = [(r["index"], r["external_id"], r["status"]) for r in body["results"]]
    assert statuses == [
        (0, "ACME-1", "created"),
        (1, "ACME-2", "invalid"),
        (2, "ACME-1", "existing"),
        (3, None, "invalid"),
    ]
    assert body["results"][1]["errors"] == ["branch: unknown branch 'XX'"]
    assert len(db.exec(select(Visit)).all()) == 1


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_bulk_zip_with_photos(db, api, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path))
    from app.settings import get_settings

    get_settings.cache_clear()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("visits.json", json.dumps([DOC, _doc(external_id="ACME-3")]))
        bundle.writestr("photos/ACME-1/receipt/r.jpg", _jpeg())
        bundle.writestr("photos/ACME-1/shelf/s.jpg", _jpeg())
        bundle.writestr("photos/ACME-3/greet/g.jpg", _jpeg())
    try:
        response = api["client"].post(
            "/api/v1/visits/bulk",
            content=archive.getvalue(),
            headers={"Content-Type": "application/zip"},
        )
    finally:
        get_settings.cache_clear()
    body = response.json()
    assert response.status_code == 200 and body["created"] == 1 and body["invalid"] == 1
    assert body["results"][1]["errors"] == [
        "photos/ACME-3/greet/g.jpg: item 'greet' takes no photos"
    ]
    visit_id = body["results"][0]["visit_id"]
    photos = db.exec(select(Photo).where(Photo.visit_id == visit_id)).all()
    assert sorted(p.item_id for p in photos) == ["receipt", "shelf"]
    assert all(
        (tmp_path / p.path).is_file() and (tmp_path / p.thumb_path).is_file() for p in photos
    )


def test_bulk_rejects_a_malformed_archive(api):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("visits.json", json.dumps([DOC]))
        bundle.writestr("photos/ACME-9/receipt/r.jpg", b"x")
    response = api["client"].post("/api/v1/visits/bulk", content=archive.getvalue())
    assert response.status_code == 422
    assert "photos/ACME-9" in response.json()["detail"]
    broken = api["client"].post("/api/v1/visits/bulk", content=b"{not json")
    assert broken.status_code == 422 and broken.json()["errors"][0].startswith("body:")


def test_the_api_is_documented(client):
    schema = client.get("/openapi.json").json()
    assert {"/api/v1/visits", "/api/v1/visits/bulk", "/api/v1/visits/{visit_id}/score"} <= set(
        schema["paths"]
    )
    assert all(path.startswith("/api/") for path in schema["paths"])  # no page is in it
    post = schema["paths"]["/api/v1/visits"]["post"]
    assert "external_id" in post["description"] and post["security"]


def test_a_visit_outside_every_open_wave_is_refused_naming_visited_at(db, api, world):
    for visited in ("2026-02-15T10:15:00+08:00", "2025-12-31T23:30:00+08:00"):
        doc = _doc(visited_at=visited, time_out=None)
        response = api["client"].post("/api/v1/visits", json=doc)
        assert response.status_code == 422, response.text
        (error,) = response.json()["errors"]
        assert error.startswith("visited_at: " + visited[:10])
        assert "outside every open wave of branch 'E1' with checklist 'mini' v1" in error
        assert "W 2026-01-01..2026-01-30" in error
    # a wave of that checklist that does not shop this branch does not take the visit either
    version = db.get(ChecklistVersion, api["wave"].checklist_version_id)
    make_wave(db, version, [world["branches"]["E2"]], name="E2 only", starts=date(2026, 2, 1))
    db.commit()
    late = api["client"].post(
        "/api/v1/visits", json=_doc(visited_at="2026-02-15T10:15:00+08:00", time_out=None)
    )
    assert late.status_code == 422 and late.json()["errors"][0].startswith("visited_at:")
    # the wave's last day, late in the evening in the branch's zone, is still in it
    last = _doc(visited_at="2026-01-30T23:30:00+08:00", time_out=None)
    assert api["client"].post("/api/v1/visits", json=last).status_code == 201
    assert not db.exec(select(Visit).where(Visit.wave_id.is_(None))).all()


def test_missing_answers_and_invalid_values_come_in_one_response(db, api):
    doc = _doc(
        answers={"greet": {"value": "maybe"}, "wait": {"value": "soon"}, "name": {"value": "yes"}}
    )
    response = api["client"].post("/api/v1/visits", json=doc)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e.startswith("answers.greet: ") for e in errors)
    assert any(e.startswith("answers.wait: ") for e in errors)
    assert "answers.receipt: is required" in errors and "answers.clean: is required" in errors
    assert "answers.greet: is required" not in errors  # reported once, as invalid
    assert "answers.receipt: is required" in response.json()["detail"]


def test_an_agency_follows_its_deliveries_by_external_id(db, api, world):
    from app.services import review

    visit_id = api["client"].post("/api/v1/visits", json=DOC).json()["id"]
    waiting = api["client"].get("/api/v1/visits/ACME-1")
    assert waiting.status_code == 200, waiting.text
    body = waiting.json()
    assert (body["id"], body["status"], body["reason"], body["decided_at"]) == (
        visit_id,
        "submitted",
        None,
        None,
    )
    assert round(body["score"]["score"], 2) == 77.78 and body["wave_id"] == api["wave"].id
    review.reject(
        db,
        user=world["users"]["reviewer"],
        visit=db.get(Visit, visit_id),
        reason="The receipt photo shows another store's name.",
    )
    db.commit()
    rejected = api["client"].get("/api/v1/visits/ACME-1").json()
    assert rejected["status"] == "rejected"
    assert rejected["reason"] == "The receipt photo shows another store's name."
    assert rejected["decided_at"] is not None
    again = api["client"].post("/api/v1/visits", json=DOC)  # the same id: the same answer
    assert again.status_code == 200 and again.json()["status"] == "rejected"
    assert api["client"].get("/api/v1/visits/ACME-404").status_code == 404
    other = agencies.create_agency(db, name="Other")
    _t, secret = agencies.create_token(db, agency=other, name="x")
    db.commit()
    foreign = api["client"].get(
        "/api/v1/visits/ACME-1", headers={"Authorization": f"Bearer {secret}"}
    )
    assert foreign.status_code == 404 and "rejected" not in foreign.text
    assert (
        api["client"].get("/api/v1/visits/ACME-1", headers={"Authorization": ""}).status_code == 401
    )


def test_the_delivery_endpoint_is_documented_with_an_example(client):
    schema = client.get("/openapi.json").json()
    get = schema["paths"]["/api/v1/visits/{external_id}"]["get"]
    assert "external_id" in get["description"] and get["security"]
    assert "404" in get["responses"]
    report = schema["components"]["schemas"]["DeliveryReport"]
    (example,) = report["examples"]
    assert example["status"] == "rejected" and example["reason"]
    assert "visited_at" in schema["paths"]["/api/v1/visits"]["post"]["description"]
