"""Disputes: raised within the window with a reason, decided by a reviewer, visible to both."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models import Answer, AuditEvent, BranchWaveScore, VisitScore, utcnow
from app.services import disputes, scorecards
from tests.conftest import csrf_of, login
from tests.scorecards.conftest import NOW, approx


@pytest.fixture
def e1_visit(scdata):
    """E1's critical-failure visit of wave 2 (receipt 'no', score 0), approved at NOW."""
    return scdata["visits"][5]


def _raise(db, scdata, visit, **extra):
    values = {
        "item_id": "receipt",
        "reason": "The receipt photo shows it was given.",
        "proposed_value": "yes",
        "now": NOW + timedelta(days=1),
    } | extra
    return disputes.raise_dispute(db, user=scdata["users"]["manager"], visit=visit, **values)


def test_accepting_corrects_the_answer_rescores_and_keeps_the_trail(db, scdata, e1_visit):
    dispute = _raise(db, scdata, e1_visit)
    assert dispute.status == "open" and dispute.proposed_value == "yes"
    reviewer = scdata["users"]["reviewer"]
    disputes.decide(
        db, user=reviewer, dispute=dispute, accept=True, explanation="The photo shows the receipt."
    )
    assert dispute.status == "accepted" and dispute.resolved_by_id == reviewer.id
    answer = db.exec(
        select(Answer).where(Answer.visit_id == e1_visit.id, Answer.item_id == "receipt")
    ).one()
    assert answer.value == "yes"
    assert db.get(VisitScore, e1_visit.id).score == approx(
        55.555556
    )  # (2 × 33.33 + 100) / 3, no cap
    stored = db.get(BranchWaveScore, (scdata["waves"]["W2"].id, scdata["branches"]["E1"].id))
    assert stored.score == approx(77.777778) and stored.critical_failures == 0
    actions = [
        e.action
        for e in db.exec(
            select(AuditEvent).where(AuditEvent.visit_id == e1_visit.id).order_by(AuditEvent.id)
        )
    ]
    assert actions[-3:] == ["dispute_raised", "corrected", "dispute_accepted"]
    card = scorecards.branch_scorecard(
        db, user=None, branch=scdata["branches"]["E1"], wave=scdata["waves"]["W2"]
    )
    assert card.score == approx(77.777778)
    assert [(d.dispute.status, d.raised_by, d.resolved_by) for d in card.disputes] == [
        ("accepted", "Manager", "Reviewer")
    ]


def test_rejecting_needs_an_explanation_and_changes_nothing(db, scdata, e1_visit):
    dispute = _raise(db, scdata, e1_visit)
    reviewer = scdata["users"]["reviewer"]
    with pytest.raises(Invalid) as error:
        disputes.decide(db, user=reviewer, dispute=dispute, accept=False, explanation=" ")
    assert error.value.field == "explanation"
    disputes.decide(
        db, user=reviewer, dispute=dispute, accept=False, explanation="No receipt on the photos."
    )
    assert dispute.status == "rejected" and dispute.resolution == "No receipt on the photos."
    assert db.get(VisitScore, e1_visit.id).score == 0.0
    with pytest.raises(Conflict):
        disputes.decide(db, user=reviewer, dispute=dispute, accept=True, explanation="")


def test_accepting_without_any_value_is_refused(db, scdata, e1_visit):
    dispute = _raise(db, scdata, e1_visit, proposed_value="")
    with pytest.raises(Invalid) as error:
        disputes.decide(
            db, user=scdata["users"]["reviewer"], dispute=dispute, accept=True, explanation="ok"
        )
    assert error.value.field == "value"
    disputes.decide(
        db,
        user=scdata["users"]["reviewer"],
        dispute=dispute,
        accept=True,
        explanation="ok",
        value="yes",
    )
    assert dispute.status == "accepted"


def test_the_window_counts_from_approval(db, scdata, e1_visit, monkeypatch):
    from app.settings import get_settings

    monkeypatch.setattr(get_settings(), "dispute_window_days", 3)
    _raise(db, scdata, e1_visit, now=NOW + timedelta(days=3))  # the last day still counts
    with pytest.raises(Conflict):
        _raise(
            db,
            scdata,
            e1_visit,
            item_id="wait",
            proposed_value="",
            now=NOW + timedelta(days=3, seconds=1),
        )
    assert disputes.deadline(e1_visit) == NOW + timedelta(days=3)


def test_what_can_be_disputed_and_by_whom(db, scdata, e1_visit):
    with pytest.raises(Invalid) as error:
        _raise(db, scdata, e1_visit, reason="  ")
    assert error.value.field == "reason"
    with pytest.raises(Invalid) as error:
        _raise(db, scdata, e1_visit, proposed_value="maybe")
    assert error.value.field == "proposed_value"
    with pytest.raises(Invalid) as error:
        _raise(db, scdata, e1_visit, proposed_value="no")  # what was recorded
    assert error.value.field == "proposed_value"
    with pytest.raises(Invalid):
        _raise(db, scdata, e1_visit, item_id="unknown")
    _raise(db, scdata, e1_visit)
    with pytest.raises(Conflict):  # one open dispute per answer
        _raise(db, scdata, e1_visit)
    with pytest.raises(NotFound):  # the submitted visit is not the manager's to see
        _raise(db, scdata, scdata["pending"])
    with pytest.raises(NotFound):
        disputes.raise_dispute(
            db,
            user=scdata["users"]["reviewer"],
            visit=e1_visit,
            item_id="wait",
            reason="x",
            now=NOW,
        )
    dispute = _raise(db, scdata, e1_visit, item_id="wait", proposed_value="30")
    with pytest.raises(Forbidden):
        disputes.decide(
            db, user=scdata["users"]["manager"], dispute=dispute, accept=True, explanation="mine"
        )


def test_both_sides_see_reason_evidence_decision_and_who(client, db, scdata, e1_visit):
    e1_visit.approved_at = utcnow() - timedelta(days=1)
    db.add(e1_visit)
    db.flush()
    login(client, "manager", "manager-pass")
    form = client.get(f"/disputes/new?visit={e1_visit.id}&item=receipt")
    assert form.status_code == 200 and "note on receipt" in form.text  # the comment as evidence
    token = csrf_of(client, "/disputes")
    empty = client.post(
        "/disputes",
        data={"visit": e1_visit.id, "item": "receipt", "reason": "", "csrf_token": token},
    )
    assert empty.status_code == 422 and "Explain why the answer is wrong." in empty.text
    sent = client.post(
        "/disputes",
        data={
            "visit": e1_visit.id,
            "item": "receipt",
            "reason": "Receipt was handed over.",
            "proposed_value": "yes",
            "csrf_token": token,
        },
    )
    assert sent.status_code == 303
    detail_url = sent.headers["location"]
    page = client.get(detail_url).text
    assert "Receipt was handed over." in page and "Waiting for a decision" in page
    assert "Accept and correct the answer" not in page  # the manager cannot decide
    client.post("/logout", data={"csrf_token": token})
    login(client, "reviewer", "reviewer-pass")
    queue = client.get("/disputes").text
    assert "Receipt was handed over." in queue
    token = csrf_of(client, detail_url)
    assert "Accept and correct the answer" in client.get(detail_url).text
    rejected = client.post(
        detail_url + "/decision",
        data={"decision": "reject", "explanation": "", "csrf_token": token},
    )
    assert rejected.status_code == 422 and "Explain why the dispute is rejected." in rejected.text
    accepted = client.post(
        detail_url + "/decision",
        data={"decision": "accept", "explanation": "Photo checked.", "csrf_token": token},
    )
    assert accepted.status_code == 303
    client.post("/logout", data={"csrf_token": token})
    login(client, "manager", "manager-pass")
    page = client.get(detail_url).text
    assert "Accepted by Reviewer" in page and "Photo checked." in page
    assert "Raised by Manager" in page
    card = client.get(
        f"/scorecards/branches/{scdata['branches']['E1'].id}?wave={scdata['waves']['W2'].id}"
    ).text
    assert "Accepted" in card and "Photo checked." in card
