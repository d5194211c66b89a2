"""Rejecting an agency delivery: a reason is required (the field named), only deliveries
waiting for review can be rejected, and a rejected visit never counts."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.errors import Conflict, Forbidden, Invalid
from app.models import AuditEvent, VisitStatus, Wave
from app.services import agency as agencies
from app.services import review
from app.services.waves import wave_progress, wave_total
from tests.admin.factories import make_visit, make_wave, mini_version
from tests.conftest import csrf_of, login


@pytest.fixture
def delivery(db, world):
    version = mini_version(db)
    wave = make_wave(db, version, [world["branches"]["S1"]])
    acme = agencies.create_agency(db, name="Acme")
    visit = make_visit(db, version, world["branches"]["S1"], wave=wave)
    visit.agency_id, visit.external_id = acme.id, "ACME-7"
    db.flush()
    return visit


def test_a_reason_is_required_and_kept(db, world, delivery):
    reviewer = world["users"]["reviewer"]
    with pytest.raises(Invalid) as refused:
        review.reject(db, user=reviewer, visit=delivery, reason="   ")
    assert refused.value.field == "reason" and refused.value.message.startswith("Reason:")
    assert delivery.status == VisitStatus.submitted
    event = review.reject(db, user=reviewer, visit=delivery, reason=" Receipt from another shop ")
    assert delivery.status == VisitStatus.rejected
    assert (event.action, event.reason, event.user_id) == (
        "rejected",
        "Receipt from another shop",
        reviewer.id,
    )
    with pytest.raises(Conflict, match="not waiting for review"):
        review.reject(db, user=reviewer, visit=delivery, reason="again")
    with pytest.raises(Conflict, match="not waiting for review"):
        review.approve(db, user=reviewer, visit=delivery)
    # a rejected delivery is no visit of the wave: counted in no column of its progress
    total = wave_total(wave_progress(db, wave=db.get(Wave, delivery.wave_id)))
    assert sum(total.counts.values()) == 0 and total.planned == 1


def test_only_reviewers_reject_and_only_agency_deliveries(db, world, delivery):
    with pytest.raises(Forbidden):
        review.reject(db, user=world["users"]["manager"], visit=delivery, reason="no")
    own = make_visit(
        db, mini_version(db), world["branches"]["E1"], shopper=world["users"]["shopper"]
    )
    with pytest.raises(Conflict, match="return this visit instead"):
        review.reject(db, user=world["users"]["reviewer"], visit=own, reason="no")
    assert own.status == VisitStatus.submitted


def test_rejecting_through_the_page(client, db, world, delivery):
    login(client, "reviewer", "reviewer-pass")
    token = csrf_of(client, f"/review/{delivery.id}")
    empty = client.post(
        f"/review/{delivery.id}/reject",
        data={"reason": ""},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert empty.status_code == 422 and "Reason:" in empty.text
    assert empty.headers["HX-Retarget"] == "#flash"
    done = client.post(
        f"/review/{delivery.id}/reject",
        data={"csrf_token": token, "reason": "The receipt shows another shop"},
        follow_redirects=True,
    )
    assert "Delivery ACME-7 rejected; the agency sees the reason." in done.text
    db.refresh(delivery)
    assert delivery.status == VisitStatus.rejected
    page = client.get(f"/review/{delivery.id}").text
    assert "The receipt shows another shop" in page and 'id="reject-form"' not in page
    assert "rejected the delivery" in page  # the audit trail
    assert f'data-visit="{delivery.id}"' not in client.get("/review").text
    events = db.exec(select(AuditEvent).where(AuditEvent.visit_id == delivery.id)).all()
    assert [e.action for e in events] == ["rejected"]
