"""Visits carry a variant, and every gate passes it and the comments to the core.

The checklist: a desk section asked only on `visit` variants, a `no` on cleanliness that
needs a comment, and a `require_photo` on an expired offer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from app.models import Visit, VisitScore, VisitStatus
from app.services import agency as agencies
from app.services import submission, visit_page, visits, waves
from app.services.assignments import generate_assignments
from app.services.checklists import import_checklist
from app.services.csv_import import FieldErrors
from tests.admin.factories import make_wave
from tests.conftest import csrf_of, login
from tests.visit.conftest import make_visit
from tests.visit.test_submit import add_photo, answer_all

CHECKLIST = {
    "format": 1,
    "code": "variants-test",
    "name": "Variants test",
    "variants": [{"id": "visit", "name": "Visit"}, {"id": "call", "name": "Call"}],
    "sections": [
        {
            "id": "one",
            "title": "One",
            "items": [
                {
                    "id": "clean",
                    "text": "Clean",
                    "kind": "check",
                    "require_comment": ["no"],
                },
                {
                    "id": "offer",
                    "text": "Offer",
                    "kind": "choice",
                    "require_photo": ["old"],
                    "options": [
                        {"id": "current", "text": "Current", "score": 1},
                        {"id": "old", "text": "Old", "score": 0},
                    ],
                },
            ],
        },
        {
            "id": "desk",
            "title": "Desk",
            "when": {"variant": ["visit"]},
            "items": [{"id": "queue", "text": "Queue", "kind": "check"}],
        },
    ],
}


@pytest.fixture
def version(db):
    version, _created = import_checklist(db, source=CHECKLIST)
    db.commit()
    return version


def problems(db, visit):
    return [(p.item_id, p.kind) for p in submission.submission_problems(db, visit=visit)]


def test_the_visits_variant_decides_what_is_asked(db, world, version):
    call = make_visit(db, world, version, status=VisitStatus.in_progress, variant="call")
    shop = make_visit(db, world, version, status=VisitStatus.in_progress, variant="visit")
    for visit in (call, shop):
        answer_all(db, world, visit, {"clean": "yes", "offer": "current"})
    assert problems(db, call) == []
    assert problems(db, shop) == [("queue", "missing")]
    page = visit_page.build(db, user=world["users"]["shopper"], visit=call, lang="en")
    assert page.rules["variant"] == "call"
    assert not page.item_view("queue").shown


def test_a_no_needs_its_comment_and_an_expired_offer_its_photo(db, world, version):
    visit = make_visit(db, world, version, status=VisitStatus.in_progress, variant="call")
    answer_all(db, world, visit, {"clean": "no", "offer": "old"})
    assert problems(db, visit) == [("clean", "comment"), ("offer", "photos")]
    with pytest.raises(submission.Incomplete):
        submission.submit(db, user=world["users"]["shopper"], visit=visit)
    assert submission.problem_text(submission.Problem("clean", "comment")) == (
        "Add a comment on this answer"
    )


def test_an_answer_that_asks_for_a_photo_takes_one(db, world, version):
    """`offer` has no `photo` key: its `require_photo` alone lets it take photos."""
    visit = make_visit(db, world, version, status=VisitStatus.in_progress, variant="call")
    answer_all(db, world, visit, {"clean": "yes", "offer": "old"})
    add_photo(db, world, visit, "offer")
    assert problems(db, visit) == []


def test_the_comment_given_lifts_the_block(db, world, version):
    visit = make_visit(db, world, version, status=VisitStatus.in_progress, variant="call")
    answer_all(db, world, visit, {"offer": "current"})
    visits.save_answer(
        db,
        user=world["users"]["shopper"],
        visit=visit,
        item_id="clean",
        value="no",
        comment="Dust on the counter",
        client_id="clean-1",
        client_time=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
    )
    assert problems(db, visit) == []
    submission.submit(db, user=world["users"]["shopper"], visit=visit)
    stored = db.get(VisitScore, visit.id)
    assert stored is not None and stored.result["missing"] == []
    assert stored.result["sections"]["desk"] is None  # hidden on a call, not scored


def test_a_wave_plans_its_visits_in_turn_over_the_variants(db, world, version):
    wave = make_wave(db, version, [world["branches"]["E1"]], starts=date(2026, 1, 1), per_branch=3)
    generate_assignments(db, wave=wave)
    made = db.exec(select(Visit).where(Visit.wave_id == wave.id).order_by(Visit.due_from)).all()
    assert [v.variant for v in made] == ["visit", "call", "visit"]


DELIVERY = {
    "format": 1,
    "external_id": "ACME-V1",
    "checklist": "variants-test",
    "branch": "E1",
    "variant": "call",
    "visited_at": "2026-01-10T10:15:00+08:00",
    "answers": {"clean": {"value": "no", "comment": "Dusty"}, "offer": {"value": "current"}},
}


@pytest.fixture
def agency_client(db, world, version, client):
    make_wave(db, version, [world["branches"]["E1"]])
    acme = agencies.create_agency(db, name="Acme")
    _token, secret = agencies.create_token(db, agency=acme, name="upload")
    db.commit()
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def test_a_delivery_names_its_variant_and_is_stored_with_it(db, agency_client):
    response = agency_client.post("/api/v1/visits", json=DELIVERY)
    assert response.status_code == 201, response.json()
    visit = db.exec(select(Visit).where(Visit.external_id == "ACME-V1")).one()
    assert visit.variant == "call"


def test_a_delivery_without_its_variant_or_its_comment_is_refused(db, agency_client):
    answers = {"clean": {"value": "no"}, "offer": {"value": "current"}}
    body = {k: v for k, v in DELIVERY.items() if k != "variant"} | {"answers": answers}
    response = agency_client.post("/api/v1/visits", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e.startswith("variant: is required") for e in errors), errors
    assert "answers.clean.comment: is required for this answer" in errors


def _wave(db, world, version, mix: str, per_branch: int = 3):
    return waves.create_wave(
        db,
        name=f"Mix {mix}",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 30),
        checklist_version_id=version.id,
        visits_per_branch=per_branch,
        branch_ids=[world["branches"]["E1"].id],
        variant_mix=mix,
    )


def test_a_wave_plans_its_mix_of_variants(db, world, version):
    wave = _wave(db, world, version, "call: 2, visit: 1")
    assert wave.variant_mix == {"call": 2, "visit": 1}
    generate_assignments(db, wave=wave)
    made = db.exec(select(Visit).where(Visit.wave_id == wave.id).order_by(Visit.due_from)).all()
    assert [v.variant for v in made] == ["visit", "call", "call"]  # alternating, checklist order


@pytest.mark.parametrize(
    ("mix", "message"),
    [
        ("call 2", "Write each kind of visit with its number: enquiry: 1, call: 2"),
        ("shop: 3", "Unknown kind of visit shop (the checklist's: visit, call)."),
        ("call: 1, visit: 1", "The kinds of visit add up to 2, not the 3 visits per branch."),
    ],
)
def test_a_mix_that_cannot_be_planned_names_the_field(db, world, version, mix, message):
    with pytest.raises(FieldErrors) as caught:
        _wave(db, world, version, mix)
    assert caught.value.errors == {"variant_mix": message}


def test_hq_plans_the_mix_on_the_wave_form(client, db, world, version):
    login(client, "admin", "admin-pass")
    form = client.get("/admin/waves/new").text
    assert 'name="variant_mix"' in form and "variants-test v1: visit, call" in form
    data = {
        "csrf_token": csrf_of(client, "/admin/waves/new"),
        "name": "Mixed",
        "starts_on": "2026-01-01",
        "ends_on": "2026-01-30",
        "checklist_version_id": str(version.id),
        "visits_per_branch": "2",
        "branches": str(world["branches"]["E1"].id),
        "variant_mix": "visit: 1, call: 2",
    }
    refused = client.post("/admin/waves/new", data=data)
    assert refused.status_code == 422
    assert "The kinds of visit add up to 3, not the 2 visits per branch." in refused.text
    assert 'value="visit: 1, call: 2"' in refused.text  # the form keeps what was typed
    done = client.post("/admin/waves/new", data=data | {"variant_mix": "visit: 1, call: 1"})
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "visit: 1, call: 1" in page
