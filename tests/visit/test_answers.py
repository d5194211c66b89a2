"""Autosaved answers: validated, applied exactly once, the device's last change wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.errors import Conflict, Invalid
from app.models import Answer, VisitStatus
from app.services import visits

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def save(db, world, visit, item_id, value, *, cid, at=T0, comment="", **extra):
    return visits.save_answer(
        db,
        user=world["users"]["shopper"],
        visit=visit,
        item_id=item_id,
        value=value,
        comment=comment,
        client_id=cid,
        client_time=at,
        now=NOW,
        **extra,
    )


def rows(db, visit):
    return list(db.exec(select(Answer).where(Answer.visit_id == visit.id)))


def test_start_records_time_in_and_location_with_consent(db, world, visit):
    visits.start(
        db, user=world["users"]["shopper"], visit=visit, latitude=31.23, longitude=121.48, now=NOW
    )
    assert visit.status == VisitStatus.in_progress
    assert visit.time_in == NOW
    assert (visit.latitude, visit.longitude) == (31.23, 121.48)


def test_start_without_location_and_twice_keeps_the_first_time(db, world, visit):
    shopper = world["users"]["shopper"]
    visits.start(db, user=shopper, visit=visit, at=T0, now=NOW)
    visits.start(db, user=shopper, visit=visit, at=NOW, now=NOW + timedelta(hours=1))
    assert (visit.time_in, visit.device_time_in) == (NOW, T0)  # the server's, the phone's
    assert visit.latitude is None


def test_start_refuses_a_bad_location_and_a_visit_not_due_yet(db, world, visit):
    shopper = world["users"]["shopper"]
    with pytest.raises(Invalid):
        visits.start(db, user=shopper, visit=visit, latitude=95.0, longitude=10.0, now=NOW)
    visit.due_from = NOW + timedelta(days=2)
    with pytest.raises(Conflict):
        visits.start(db, user=shopper, visit=visit, now=NOW)


def test_a_device_time_in_the_future_is_clamped_to_now(db, world, visit):
    visits.start(
        db, user=world["users"]["shopper"], visit=visit, at=NOW + timedelta(days=3), now=NOW
    )
    assert visit.time_in == NOW


@pytest.mark.parametrize(
    ("item", "raw", "stored", "na"),
    [
        ("smile", "yes", "yes", False),
        ("tidy", "4", 4, False),
        ("tidy", "na", None, True),
        ("offer", "old", "old", False),
        ("greet-time", "42", 42, False),
        ("queue", "2.5", 2.5, False),
        ("story", "Something happened.", "Something happened.", False),
        ("smile", "", None, False),
    ],
)
def test_every_kind_of_value_is_normalized(db, world, visit, item, raw, stored, na):
    save(db, world, visit, item, raw, cid="c1")
    (row,) = rows(db, visit)
    assert (row.value, row.na) == (stored, na)


@pytest.mark.parametrize(
    ("item", "raw"),
    [
        ("smile", "maybe"),
        ("tidy", "6"),
        ("tidy", "3.5"),
        ("offer", "gold"),
        ("greet-time", "-1"),
        ("greet-time", "na"),
        ("greet-time", "soon"),
        ("smile", "na"),
    ],
)
def test_a_value_the_item_cannot_take_is_refused(db, world, visit, item, raw):
    with pytest.raises(Invalid) as caught:
        save(db, world, visit, item, raw, cid="c1")
    assert caught.value.field == item
    assert rows(db, visit) == []


def test_unknown_and_photo_items_take_no_answers(db, world, visit):
    with pytest.raises(Invalid, match="no longer on the checklist"):
        save(db, world, visit, "removed-item", "yes", cid="c1")
    with pytest.raises(Invalid):
        save(db, world, visit, "storefront", "yes", cid="c2")


def test_a_missing_or_overlong_client_id_is_refused(db, world, visit):
    for cid in ("", "x" * 65):
        with pytest.raises(Invalid):
            save(db, world, visit, "smile", "yes", cid=cid)


def test_the_first_answer_starts_the_visit_when_it_arrives(db, world, visit):
    save(db, world, visit, "smile", "yes", cid="c1", at=T0)
    assert visit.status == VisitStatus.in_progress
    assert (visit.time_in, visit.device_time_in) == (NOW, T0)  # the phone's time kept beside


def test_a_repeated_autosave_with_the_same_client_id_is_applied_once(db, world, visit):
    first = save(db, world, visit, "smile", "yes", cid="same", comment="hello")
    again = [save(db, world, visit, "smile", "yes", cid="same", comment="hello") for _ in range(4)]
    assert first.state == "saved"
    assert {s.state for s in again} == {"duplicate"}
    (row,) = rows(db, visit)
    assert (row.value, row.comment, row.client_id) == ("yes", "hello", "same")


def test_one_answer_per_item_holding_the_last_value(db, world, visit):
    for n, value in enumerate(["yes", "no", "yes", "no"]):
        save(db, world, visit, "smile", value, cid=f"c{n}", at=T0 + timedelta(seconds=n))
    (row,) = rows(db, visit)
    assert (row.value, row.client_id) == ("no", "c3")


def test_an_older_change_arriving_later_is_ignored(db, world, visit):
    save(db, world, visit, "smile", "no", cid="later", at=T0 + timedelta(minutes=5))
    result = save(db, world, visit, "smile", "yes", cid="earlier", at=T0)
    assert result.state == "stale"
    assert result.answer.value == "no"
    (row,) = rows(db, visit)
    assert (row.value, row.client_id) == ("no", "later")


def test_two_devices_the_change_made_last_wins_whatever_the_arrival_order(db, world, visit):
    # device A answers at 10:05, device B at 10:01; B's request arrives last
    save(db, world, visit, "tidy", "5", cid="device-a", at=T0 + timedelta(minutes=5))
    save(db, world, visit, "tidy", "2", cid="device-b", at=T0 + timedelta(minutes=1))
    (row,) = rows(db, visit)
    assert row.value == 5
    # then device B changes again at 10:07: now B is the latest
    save(db, world, visit, "tidy", "3", cid="device-b-2", at=T0 + timedelta(minutes=7))
    assert rows(db, visit)[0].value == 3


def test_equal_device_times_are_ordered_by_client_id_so_every_order_agrees(db, world, visit):
    save(db, world, visit, "smile", "yes", cid="b", at=T0)
    save(db, world, visit, "smile", "no", cid="a", at=T0)
    assert rows(db, visit)[0].value == "yes"


def test_answers_after_submission_are_refused(db, world, visit):
    visit.status = VisitStatus.submitted
    with pytest.raises(Conflict):
        save(db, world, visit, "smile", "yes", cid="c1")


def test_a_retry_of_a_change_applied_before_submission_is_harmless(db, world, visit):
    save(db, world, visit, "smile", "yes", cid="c1")
    visit.status = VisitStatus.submitted
    assert save(db, world, visit, "smile", "yes", cid="c1").state == "duplicate"


def test_a_returned_visit_takes_new_answers_but_not_ones_made_before_it_was_submitted(
    db, world, visit
):
    visit.status = VisitStatus.returned
    visit.submitted_at = T0 + timedelta(minutes=30)
    with pytest.raises(Conflict, match="before the visit was submitted"):
        save(db, world, visit, "smile", "yes", cid="old", at=T0)
    save(db, world, visit, "smile", "no", cid="new", at=T0 + timedelta(minutes=40))
    assert rows(db, visit)[0].value == "no"
    assert visit.status == VisitStatus.returned


def test_comments_are_kept_and_limited(db, world, visit):
    save(db, world, visit, "smile", "yes", cid="c1", comment="  At the door  ")
    assert rows(db, visit)[0].comment == "At the door"
    with pytest.raises(Invalid):
        save(db, world, visit, "smile", "yes", cid="c2", comment="x" * 4001)


def test_a_stopwatch_value_must_fit_the_time_between_start_and_stop(db, world, visit):
    started = T0 - timedelta(seconds=40)
    save(db, world, visit, "greet-time", "40", cid="c1", timer_started_at=started)
    assert rows(db, visit)[0].value == 40
    with pytest.raises(Invalid, match="stopwatch"):
        save(db, world, visit, "greet-time", "400", cid="c2", timer_started_at=started)
    minutes_start = T0 - timedelta(minutes=3)
    save(db, world, visit, "queue", "3", cid="c3", timer_started_at=minutes_start)
    with pytest.raises(Invalid, match="stopwatch"):
        save(db, world, visit, "queue", "4", cid="c4", timer_started_at=minutes_start)


def test_timer_units_are_read_from_the_unit_text(version):
    from app.services.checklists import document_of

    doc = document_of(version)
    assert visits.timer_unit(doc.item("greet-time")) == "s"
    assert visits.timer_unit(doc.item("queue")) == "min"
    assert visits.timer_unit(doc.item("smile")) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-20T10:00:00+08:00", T0),
        ("2026-11-20T02:00:00.000Z", T0),
        (str(int(T0.timestamp() * 1000)), T0),
        ("", None),
        (None, None),
    ],
)
def test_device_times_are_parsed_from_iso_or_milliseconds(raw, expected):
    assert visits.parse_time(raw, field="client_time") == expected


@pytest.mark.parametrize("raw", ["yesterday", "2026-11-20T10:00:00", "99999999999999999999"])
def test_bad_device_times_are_refused(raw):
    with pytest.raises(Invalid):
        visits.parse_time(raw, field="client_time")


def test_the_form_path_saves_only_what_changed(db, world, visit):
    shopper = world["users"]["shopper"]
    errors = visits.save_form(
        db,
        user=shopper,
        visit=visit,
        section_id="arrival",
        values={"smile": "yes", "tidy": "9", "greet-time": ""},
        comments={"smile": "ok"},
    )
    assert len(errors) == 1 and errors[0].startswith("Tidiness:")
    (row,) = rows(db, visit)
    first_id = row.client_id
    visits.save_form(
        db,
        user=shopper,
        visit=visit,
        section_id="arrival",
        values={"smile": "yes"},
        comments={"smile": "ok"},
    )
    assert rows(db, visit)[0].client_id == first_id
