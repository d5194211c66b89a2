"""The server decides the time in; the phone's claim is kept beside it and, when it is far
from the server's, flagged for the reviewer (online and after an offline sync alike)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from app.models import Photo, VisitStatus
from app.services import review_flags, visits
from app.services.review_flags import Flag
from tests.admin.factories import make_visit, mini_version
from tests.conftest import login

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _start(db, world, visit, at):
    return visits.start(db, user=world["users"]["shopper"], visit=visit, at=at, now=NOW)


def _flags(db, visit):
    return review_flags.plausibility(db, visits=[visit])[visit.id]


def test_the_time_in_is_the_servers_and_the_phones_is_kept_beside_it(db, world, visit):
    claimed = NOW - timedelta(hours=2)  # a phone set back to cover a late arrival
    _start(db, world, visit, claimed)
    assert (visit.time_in, visit.device_time_in) == (NOW, claimed)


def test_a_phone_time_in_the_future_is_recorded_never_believed(db, world, visit):
    ahead = NOW + timedelta(days=3)
    _start(db, world, visit, ahead)
    assert (visit.time_in, visit.device_time_in) == (NOW, ahead)
    assert _flags(db, visit).clock_minutes == 3 * 24 * 60
    assert Flag.clock in _flags(db, visit).flags


def test_a_gap_within_the_tolerance_is_not_flagged_beyond_it_is(db, world, visit, monkeypatch):
    from app.settings import get_settings

    _start(db, world, visit, NOW - timedelta(minutes=9))
    assert _flags(db, visit).clock_minutes == -9 and Flag.clock not in _flags(db, visit).flags
    monkeypatch.setattr(get_settings(), "time_in_tolerance_minutes", 5)
    assert Flag.clock in _flags(db, visit).flags


def test_an_answer_that_starts_the_visit_keeps_its_time_as_the_phones(db, world, visit):
    made = NOW - timedelta(minutes=30)
    visits.save_answer(
        db,
        user=world["users"]["shopper"],
        visit=visit,
        item_id="smile",
        value="yes",
        client_id="c1",
        client_time=made,
        now=NOW,
    )
    assert visit.status == VisitStatus.in_progress
    assert (visit.time_in, visit.device_time_in) == (NOW, made)


def test_an_offline_check_in_synced_later_is_bounded_by_the_sync_and_flagged(db, world):
    """Queued at 10:00 on the phone, delivered at 12:00: the server knows only that it was
    no later than 12:00, keeps 10:00 as the phone's claim, and flags the gap; the photos
    taken on the phone's clock during the visit are not flagged for it."""
    version = mini_version(db)
    shopper = world["users"]["shopper"]
    visit = make_visit(db, version, world["branches"]["E1"], shopper=shopper, status="assigned")
    visit.time_in = visit.time_out = None
    queued = NOW - timedelta(hours=2)
    _start(db, world, visit, queued)
    db.add(
        Photo(
            visit_id=visit.id,
            item_id="receipt",
            path="p.jpg",
            thumb_path="t.jpg",
            size=1,
            width=1,
            height=1,
            sha256="x",
            captured_at=queued + timedelta(minutes=10),
        )
    )
    db.flush()
    checks = _flags(db, visit)
    assert visit.time_in == NOW and checks.clock_minutes == -120
    assert Flag.clock in checks.flags and Flag.photo_time not in checks.flags


def test_the_review_page_shows_the_phones_time_in_when_flagged(client, db, world):
    version = mini_version(db)
    visit = make_visit(db, version, world["branches"]["E1"], shopper=world["users"]["shopper"])
    visit.device_time_in = visit.time_in - timedelta(minutes=47)
    db.flush()
    login(client, "reviewer", "reviewer-pass")
    page = html.unescape(client.get(f"/review/{visit.id}").text)
    assert "flag-clock" in page
    assert "Phone's time in" in page and "47 min from the server's time in" in page
    assert "Phone's time in differs from the server's" in html.unescape(client.get("/review").text)
