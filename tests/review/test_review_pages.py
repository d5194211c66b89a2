"""The review page and its forms: what a reviewer sees, and approve / return / correct."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.models import AuditEvent, Photo, VisitScore, VisitStatus
from app.services.review_flags import distance_m, photo_flag
from tests.admin.factories import make_visit, mini_version
from tests.conftest import csrf_of, login


@pytest.fixture
def visit(db, world):
    version = mini_version(db)
    branch = world["branches"]["E1"]
    branch.latitude, branch.longitude = 31.2362, 121.4801
    visit = make_visit(db, version, branch, shopper=world["users"]["shopper"])
    visit.latitude, visit.longitude = 31.2380, 121.4801  # about 200 m north
    for n, (item, offset) in enumerate(
        [("receipt", timedelta(minutes=10)), ("shelf", timedelta(days=-3))]
    ):
        db.add(
            Photo(
                visit_id=visit.id,
                item_id=item,
                path=f"p{n}.jpg",
                thumb_path=f"t{n}.jpg",
                size=1,
                width=1,
                height=1,
                sha256="x",
                captured_at=visit.time_in + offset,
            )
        )
    db.flush()
    return visit


def test_distance_and_photo_window():
    # Shanghai People's Square to Beijing Tiananmen: about 1,067 km
    assert 1_060_000 < distance_m(31.2304, 121.4737, 39.9055, 116.3976) < 1_075_000
    assert distance_m(31.0, 121.0, 31.0, 121.0) == 0
    start = datetime(2026, 1, 1, 10, tzinfo=UTC)
    end = start + timedelta(minutes=30)
    photo = Photo(
        visit_id=1, item_id="x", path="", thumb_path="", size=0, width=0, height=0, sha256=""
    )
    assert photo_flag(photo, start, end) == "no_time"
    for minutes, flag in ((-14, ""), (-16, "outside"), (44, ""), (46, "outside"), (15, "")):
        photo.captured_at = start + timedelta(minutes=minutes)
        assert photo_flag(photo, start, end) == flag, minutes


def test_review_page_shows_answers_photos_and_plausibility(client, db, world, visit):
    login(client, "reviewer", "reviewer-pass")
    page = client.get(f"/review/{visit.id}").text
    for text in (
        "Greeted",
        "Seconds of waiting",
        "60 s",
        "Not answered",
        "N/A",
        "Checked in 200 m from the branch",
        "1 photo taken outside the visit",
        "77.8",
        "Within tolerance",
        "Shopper",
        "Approve",
        "Return to the shopper",
    ):
        assert text in page, text
    first = db.exec(select(Photo).where(Photo.visit_id == visit.id).order_by(Photo.id)).first()
    assert f"/visits/{visit.id}/photos/{first.id}/thumb" in page
    assert 'name="note-wait"' in page and 'form="return-form"' in page


def test_queue_links_to_the_review_page(client, world, visit):
    login(client, "reviewer", "reviewer-pass")
    home = client.get("/").text
    assert f'href="/review/{visit.id}"' in home and "Review the oldest visit" in home
    assert f'href="/review/{visit.id}"' in client.get("/review").text


def test_approve_through_the_page(client, db, world, visit):
    login(client, "reviewer", "reviewer-pass")
    token = csrf_of(client, f"/review/{visit.id}")
    response = client.post(f"/review/{visit.id}/approve", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/review"
    assert visit.status == VisitStatus.approved
    assert "approved" in client.get("/review").text.lower()
    again = client.post(f"/review/{visit.id}/approve", data={"csrf_token": token})
    assert again.status_code == 409


def test_return_with_notes_through_the_page(client, db, world, visit):
    login(client, "reviewer", "reviewer-pass")
    token = csrf_of(client, f"/review/{visit.id}")
    response = client.post(
        f"/review/{visit.id}/return",
        data={
            "csrf_token": token,
            "note-general": "Add the shelf photo",
            "note-wait": "Recheck",
            "note-greet": "",
        },
    )
    assert response.status_code == 303
    assert visit.status == VisitStatus.returned
    assert visit.review_notes == {"": "Add the shelf photo", "wait": "Recheck"}


def test_correction_with_htmx_swaps_the_review_body(client, db, world, visit):
    login(client, "reviewer", "reviewer-pass")
    token = csrf_of(client, f"/review/{visit.id}")
    response = client.post(
        f"/review/{visit.id}/correct",
        data={"item_id": "receipt", "value": "no", "reason": "No receipt in the photo"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="review-body"')
    assert "No receipt in the photo" in response.text and "rescored" in response.text
    assert db.get(VisitScore, visit.id).score == 0
    plain = client.post(
        f"/review/{visit.id}/correct",
        data={"csrf_token": token, "item_id": "wait", "value": "abc", "reason": "typo"},
    )
    assert plain.status_code == 422 and "answers.wait" in plain.text
    events = db.exec(select(AuditEvent).where(AuditEvent.visit_id == visit.id)).all()
    assert [(e.item_id, e.before, e.after) for e in events] == [("receipt", "yes", "no")]


def test_agency_and_approved_visits_show_what_can_still_be_done(client, db, world):
    from app.services import agency as agencies
    from app.services.review import approve

    version = mini_version(db)
    acme = agencies.create_agency(db, name="Acme")
    delivered = make_visit(db, version, world["branches"]["S1"])
    delivered.agency_id, delivered.external_id = acme.id, "ACME-7"
    done = make_visit(db, version, world["branches"]["E2"], shopper=world["users"]["shopper"])
    approve(db, user=world["users"]["reviewer"], visit=done)
    db.flush()
    login(client, "reviewer", "reviewer-pass")
    page = client.get(f"/review/{delivered.id}").text
    assert "Agency: Acme" in page and "ACME-7" in page
    assert "Approve" in page and 'id="return-form"' not in page
    assert 'id="reject-form"' in page  # an agency delivery is rejected, not returned
    page = client.get(f"/review/{done.id}").text
    assert f'action="/review/{done.id}/approve"' not in page
    assert "Correct this answer" in page and "approved the visit" in page


def test_the_correction_message_names_the_standard_by_its_text(client, db, world, visit):
    login(client, "reviewer", "reviewer-pass")
    token = csrf_of(client, f"/review/{visit.id}")
    plain = client.post(
        f"/review/{visit.id}/correct",
        data={"csrf_token": token, "item_id": "receipt", "value": "no", "reason": "No receipt"},
        follow_redirects=True,
    )
    assert "Answer “Receipt given” corrected; the visit was rescored." in plain.text
    assert "Answer receipt corrected" not in plain.text
    decisions = client.get("/review").text
    decisions = decisions[decisions.index("Recent decisions") :]
    assert "Corrected <q>Receipt given</q>" in decisions
    client.post("/language", data={"csrf_token": token, "language": "zh_CN"})
    swapped = client.post(
        f"/review/{visit.id}/correct",
        data={"item_id": "greet", "value": "no", "reason": "没有问候"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    notice = swapped.text[swapped.text.index("review-notice") :]
    assert notice[: notice.index("</p>")].endswith("答案“问候”已更正，暗访已重新计分。")
