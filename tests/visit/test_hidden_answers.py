"""An answer that skip logic hides again is removed, so the reviewer never reads it.

In the test checklist "offer-terms" is asked only when "offer" is answered "current".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app.models import Answer, VisitStatus
from app.services import visits
from tests.conftest import csrf_of, login

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
JSON = {"accept": "application/json"}


def save(db, world, visit, item_id, value, cid, minutes):
    return visits.save_answer(
        db,
        user=world["users"]["shopper"],
        visit=visit,
        item_id=item_id,
        value=value,
        client_id=cid,
        client_time=T0 + timedelta(minutes=minutes),
        now=T0 + timedelta(hours=1),
    )


def stored(db, visit):
    return {a.item_id: a.value for a in db.exec(select(Answer).where(Answer.visit_id == visit.id))}


def test_hiding_an_item_again_removes_its_answer(db, world, visit):
    save(db, world, visit, "offer", "current", "c1", 1)
    save(db, world, visit, "offer-terms", "yes", "c2", 2)
    assert stored(db, visit) == {"offer": "current", "offer-terms": "yes"}
    saved = save(db, world, visit, "offer", "none", "c3", 3)
    assert saved.dropped == ("offer-terms",)
    assert stored(db, visit) == {"offer": "none"}
    again = save(db, world, visit, "offer", "current", "c4", 4)
    assert again.dropped == () and stored(db, visit) == {"offer": "current"}


def test_an_answer_arriving_before_its_controller_is_kept_until_the_controller_decides(
    db, world, visit
):
    """An outbox may deliver "terms: yes" before the "offer: current" that shows it."""
    saved = save(db, world, visit, "offer-terms", "yes", "c1", 2)
    assert saved.dropped == () and stored(db, visit) == {"offer-terms": "yes"}
    save(db, world, visit, "offer", "current", "c2", 3)
    assert stored(db, visit) == {"offer-terms": "yes", "offer": "current"}
    save(db, world, visit, "offer", "old", "c3", 4)
    assert stored(db, visit) == {"offer": "old"}


def test_the_no_javascript_form_drops_what_it_hides(db, world, visit):
    save(db, world, visit, "offer", "current", "c1", 1)
    save(db, world, visit, "offer-terms", "yes", "c2", 2)
    errors = visits.save_form(
        db,
        user=world["users"]["shopper"],
        visit=visit,
        section_id="arrival",
        values={"offer": "none", "offer-terms": "no"},
        comments={},
    )
    assert errors == [] and stored(db, visit) == {"offer": "none"}


def test_the_route_says_what_it_dropped_and_the_reviewer_does_not_see_it(client, db, world, visit):
    login(client, "shopper", "shopper-pass")
    client.headers.update({"x-csrf-token": csrf_of(client, "/")})
    url = f"/visits/{visit.id}/answers"
    for cid, item, value in (("a", "offer", "current"), ("b", "offer-terms", "yes")):
        client.post(url, data={"item_id": item, "value": value, "client_id": cid}, headers=JSON)
    body = client.post(
        url, data={"item_id": "offer", "value": "none", "client_id": "c"}, headers=JSON
    ).json()
    assert body["state"] == "saved" and body["dropped"] == ["offer-terms"]
    visit.status, visit.submitted_at = VisitStatus.submitted, T0
    db.add(visit)
    db.commit()
    client.headers.pop("x-csrf-token")
    client.cookies.clear()
    login(client, "reviewer", "reviewer-pass")
    page = client.get(f"/review/{visit.id}").text
    terms = re.search(r'<article[^>]*id="item-offer-terms".*?</article>', page, re.S).group(0)
    value = re.search(r'<div class="answer-value">(.*?)</div>', terms, re.S).group(1)
    assert "Not asked" in terms and "Not answered" in value and "Yes" not in value
