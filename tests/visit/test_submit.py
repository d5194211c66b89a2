"""Submission: blocked with a list of what is missing, then scored, timed out and locked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.errors import Conflict
from app.models import AuditEvent, VisitScore, VisitStatus
from app.services import photos, submission, visits
from tests.visit.conftest import COMPLETE
from tests.visit.helpers import jpeg

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def answer_all(db, world, visit, answers=COMPLETE, at=T0):
    shopper = world["users"]["shopper"]
    for n, (item_id, value) in enumerate(answers.items()):
        visits.save_answer(
            db,
            user=shopper,
            visit=visit,
            item_id=item_id,
            value=value,
            client_id=f"{item_id}-{at.timestamp()}-{n}",
            client_time=at,
            now=at,  # received as made: the server's time in is the same moment
        )


def add_photo(db, world, visit, item_id, n=1):
    for i in range(n):
        photos.add_photo(
            db,
            user=world["users"]["shopper"],
            visit=visit,
            item_id=item_id,
            data=jpeg((200, 150)),
            client_id=f"{item_id}-p{i}",
        )


def problems(db, visit):
    return [(p.item_id, p.kind, p.needed) for p in submission.submission_problems(db, visit=visit)]


def test_an_empty_visit_lists_every_required_item(db, world, visit):
    found = problems(db, visit)
    assert ("smile", "missing", 0) in found
    assert ("storefront", "photos", 1) in found
    assert all(item != "extra" for item, *_ in found)  # optional
    assert all(item != "offer-terms" for item, *_ in found)  # hidden by skip logic


def test_short_text_missing_evidence_and_shown_dependent_items_are_listed(db, world, visit):
    answer_all(db, world, visit, {**COMPLETE, "story": "Too short", "offer": "current"})
    assert problems(db, visit) == [
        ("offer-terms", "missing", 0),
        ("price", "photos", 1),
        ("story", "short", 20),
        ("storefront", "photos", 1),
    ]


def test_evidence_is_not_needed_when_the_item_is_na_or_unanswered(db, world, visit):
    answer_all(db, world, visit, {k: v for k, v in COMPLETE.items() if k != "price"})
    assert ("price", "photos", 1) not in problems(db, visit)


def test_submit_refuses_an_incomplete_visit_and_changes_nothing(db, world, visit):
    answer_all(db, world, visit, {"smile": "yes"})
    with pytest.raises(submission.Incomplete) as caught:
        submission.submit(db, user=world["users"]["shopper"], visit=visit)
    assert {p.item_id for p in caught.value.problems} >= {"greet-time", "storefront"}
    assert visit.status == VisitStatus.in_progress and visit.time_out is None


def test_submit_an_assigned_visit_is_refused(db, world, visit):
    with pytest.raises(Conflict):
        submission.submit(db, user=world["users"]["shopper"], visit=visit)


def complete(db, world, visit):
    answer_all(db, world, visit)
    add_photo(db, world, visit, "price")
    add_photo(db, world, visit, "storefront")


def test_a_complete_visit_is_submitted_scored_and_audited(db, world, visit):
    complete(db, world, visit)
    now = T0 + timedelta(minutes=30)
    submission.submit(
        db,
        user=world["users"]["shopper"],
        visit=visit,
        time_out=T0 + timedelta(minutes=25),
        now=now,
    )
    assert visit.status == VisitStatus.submitted
    assert visit.submitted_at == now
    assert visit.time_out == T0 + timedelta(minutes=25)
    score = db.get(VisitScore, visit.id)
    assert score is not None and score.score is not None
    assert score.result["missing"] == []
    (event,) = db.exec(select(AuditEvent).where(AuditEvent.visit_id == visit.id)).all()
    assert event.action == "submitted" and event.user_id == world["users"]["shopper"].id
    assert event.after["answers"]["smile"] == "yes" and event.after["photos"] == 2


def test_after_submission_the_visit_is_read_only(db, world, visit):
    complete(db, world, visit)
    submission.submit(db, user=world["users"]["shopper"], visit=visit)
    shopper = world["users"]["shopper"]
    with pytest.raises(Conflict):
        visits.save_answer(
            db, user=shopper, visit=visit, item_id="smile", value="no", client_id="late"
        )
    with pytest.raises(Conflict):
        add_photo(db, world, visit, "storefront", 2)
    photo_id = photos.photos_by_item(db, visit.id)["storefront"][0].id
    with pytest.raises(Conflict):
        photos.delete_photo(db, user=shopper, visit=visit, photo_id=photo_id)
    with pytest.raises(Conflict):
        submission.submit(db, user=shopper, visit=visit)


def test_a_time_out_is_never_before_the_time_in_or_in_the_future(db, world, visit):
    complete(db, world, visit)
    now = T0 + timedelta(hours=1)
    submission.submit(
        db, user=world["users"]["shopper"], visit=visit, time_out=T0 - timedelta(days=1), now=now
    )
    assert visit.time_out == visit.time_in == T0


def test_a_returned_visit_is_resubmitted_with_the_change_in_the_audit_trail(db, world, visit):
    shopper = world["users"]["shopper"]
    complete(db, world, visit)
    submission.submit(db, user=shopper, visit=visit, now=T0 + timedelta(minutes=30))
    first_out = visit.time_out
    visit.status = VisitStatus.returned
    visit.review_notes = {"smile": "Are you sure?", "": "Check the greeting."}
    visits.save_answer(
        db,
        user=shopper,
        visit=visit,
        item_id="smile",
        value="no",
        client_id="fix",
        client_time=T0 + timedelta(hours=2),
    )
    submission.submit(db, user=shopper, visit=visit, now=T0 + timedelta(hours=3))
    assert visit.status == VisitStatus.submitted and visit.time_out == first_out
    events = db.exec(
        select(AuditEvent).where(AuditEvent.visit_id == visit.id).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["submitted", "resubmitted"]
    assert events[1].before["answers"]["smile"] == "yes"
    assert events[1].after["answers"]["smile"] == "no"
