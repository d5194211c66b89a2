"""Review decisions: approval gates scorecards, returns carry notes, corrections are audited."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.errors import Conflict, Forbidden, Invalid
from app.models import Answer, AuditEvent, BranchWaveScore, VisitScore, VisitStatus
from app.services import review
from tests.admin.factories import make_visit, make_wave, mini_version


@pytest.fixture
def setup(db, world):
    version = mini_version(db)
    wave = make_wave(db, version, [world["branches"]["E1"]])
    visit = make_visit(
        db, version, world["branches"]["E1"], shopper=world["users"]["shopper"], wave=wave
    )
    return {"version": version, "wave": wave, "visit": visit, **world["users"]}


def test_approval_makes_the_visit_count(db, setup):
    visit, wave = setup["visit"], setup["wave"]
    event = review.approve(db, user=setup["reviewer"], visit=visit)
    assert visit.status == VisitStatus.approved and visit.approved_at is not None
    assert (event.action, event.user_id) == ("approved", setup["reviewer"].id)
    aggregate = db.get(BranchWaveScore, (wave.id, visit.branch_id))
    assert aggregate.visits == 1 and round(aggregate.score, 2) == 77.78
    with pytest.raises(Conflict):
        review.approve(db, user=setup["reviewer"], visit=visit)


def test_incomplete_visits_and_non_reviewers_cannot_be_approved(db, setup, world):
    incomplete = make_visit(
        db,
        setup["version"],
        world["branches"]["E1"],
        shopper=setup["shopper"],
        answers={"greet": "yes"},
    )
    with pytest.raises(Conflict, match="wait"):
        review.approve(db, user=setup["reviewer"], visit=incomplete)
    with pytest.raises(Forbidden):
        review.approve(db, user=setup["manager"], visit=setup["visit"])
    assert setup["visit"].status == VisitStatus.submitted


def test_return_sends_notes_per_item(db, setup):
    visit = setup["visit"]
    event = review.return_visit(
        db,
        user=setup["reviewer"],
        visit=visit,
        notes={
            "": " Please add the receipt photo. ",
            "wait": "Was it really 60 s?",
            "greet": "  ",
        },
    )
    assert visit.status == VisitStatus.returned
    assert visit.review_notes == {
        "": "Please add the receipt photo.",
        "wait": "Was it really 60 s?",
    }
    assert event.action == "returned" and event.after == visit.review_notes


def test_return_needs_a_note_about_known_items(db, setup):
    with pytest.raises(Invalid):
        review.return_visit(db, user=setup["reviewer"], visit=setup["visit"], notes={"": " "})
    with pytest.raises(Invalid):
        review.return_visit(
            db, user=setup["reviewer"], visit=setup["visit"], notes={"nonsense": "fix"}
        )
    assert setup["visit"].status == VisitStatus.submitted


def test_correction_rescores_and_leaves_an_audit_trail(db, setup):
    visit, reviewer = setup["visit"], setup["reviewer"]
    assert round(db.get(VisitScore, visit.id).score, 2) == 77.78
    event = review.correct_answer(
        db,
        user=reviewer,
        visit=visit,
        item_id="receipt",
        value="no",
        reason="The receipt photo shows none was given",
    )
    stored = db.get(VisitScore, visit.id)
    assert stored.score == 0 and stored.critical_failure and round(stored.raw_score, 2) == 44.44
    assert (event.action, event.item_id, event.before, event.after) == (
        "corrected",
        "receipt",
        "yes",
        "no",
    )
    assert event.user_id == reviewer.id and event.at is not None
    assert event.reason == "The receipt photo shows none was given"
    trail = db.exec(select(AuditEvent).where(AuditEvent.visit_id == visit.id)).all()
    assert [e.action for e in trail] == ["corrected"]


def test_correction_values_are_checked_like_answers(db, setup):
    visit, reviewer = setup["visit"], setup["reviewer"]
    with pytest.raises(Invalid, match=r"answers\.offer: unknown option 'gold'"):
        review.correct_answer(
            db, user=reviewer, visit=visit, item_id="offer", value="gold", reason="r"
        )
    with pytest.raises(Invalid, match="N/A is not allowed"):
        review.correct_answer(
            db, user=reviewer, visit=visit, item_id="greet", value="na", reason="r"
        )
    with pytest.raises(Invalid, match="unknown item"):
        review.correct_answer(
            db, user=reviewer, visit=visit, item_id="nope", value="yes", reason="r"
        )
    with pytest.raises(Invalid):
        review.correct_answer(
            db, user=reviewer, visit=visit, item_id="greet", value="no", reason="  "
        )
    with pytest.raises(Invalid, match="already"):
        review.correct_answer(
            db, user=reviewer, visit=visit, item_id="greet", value="yes", reason="r"
        )
    with pytest.raises(Forbidden):
        review.correct_answer(
            db, user=setup["shopper"], visit=visit, item_id="greet", value="no", reason="r"
        )
    assert not db.exec(select(AuditEvent).where(AuditEvent.visit_id == visit.id)).all()


def test_na_form_strings_and_new_answers(db, setup):
    visit, reviewer = setup["visit"], setup["reviewer"]
    event = review.correct_answer(
        db, user=reviewer, visit=visit, item_id="wait", value="20", reason="Timed on the video"
    )
    assert event.before == 60 and event.after == 20
    review.correct_answer(
        db,
        user=reviewer,
        visit=visit,
        item_id="clean",
        value="no",
        reason="Dusty shelves in the photo",
    )
    review.correct_answer(
        db,
        user=reviewer,
        visit=visit,
        item_id="offer",
        value="current",
        reason="Heard in the recording",
    )
    offer = db.exec(
        select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == "offer")
    ).one()
    assert offer.value == "current" and not offer.na
    event = review.correct_answer(
        db,
        user=reviewer,
        visit=visit,
        item_id="clean",
        value="na",
        reason="No restroom at this branch",
    )
    assert (event.before, event.after) == ("no", "na")
    clean = db.exec(
        select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == "clean")
    ).one()
    assert clean.na and clean.value is None


def test_correcting_an_approved_visit_refreshes_the_scorecard(db, setup, world):
    visit, wave = setup["visit"], setup["wave"]
    review.approve(db, user=setup["reviewer"], visit=visit)
    review.correct_answer(
        db, user=setup["admin"], visit=visit, item_id="receipt", value="no", reason="Dispute upheld"
    )
    aggregate = db.get(BranchWaveScore, (wave.id, visit.branch_id))
    assert aggregate.score == 0 and aggregate.critical_failures == 1
    returned = make_visit(
        db,
        setup["version"],
        world["branches"]["E2"],
        shopper=setup["shopper"],
        status=VisitStatus.returned,
    )
    with pytest.raises(Conflict):
        review.correct_answer(
            db, user=setup["reviewer"], visit=returned, item_id="greet", value="no", reason="r"
        )
