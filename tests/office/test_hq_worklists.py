"""HQ's worklists (issue 14): one "overdue" rule, a wave page whose counts add up and which
says why a visit has no shopper, reassigning among eligible shoppers, unique wave names, and
the HQ dashboard. The clock is pinned (visit_policy.clock) so no test depends on today.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select

from app.models import CorrectiveAction, Visit, VisitStatus
from app.services import dashboard, disputes, visit_policy, waves
from app.services.auth import create_user
from app.services.checklists import import_checklist
from app.services.csv_import import FieldErrors
from tests.admin.factories import MINI, make_visit, make_wave, mini_version
from tests.conftest import csrf_of, login

NOW = datetime(2026, 1, 20, 4, 0, tzinfo=UTC)  # wave W runs 1-30 January 2026
PAST = NOW - timedelta(days=3)  # a due date three days ago
LATER = NOW + timedelta(days=5)


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setattr(visit_policy, "clock", lambda: NOW)
    return NOW


def _due(visit: Visit, until: datetime) -> Visit:
    visit.due_from, visit.due_until = until - timedelta(days=6), until
    return visit


def _wave_with_visits(db, world):
    """E1: one visit without a shopper, one overdue (assigned, past due), one submitted late."""
    version = mini_version(db)
    e1 = world["branches"]["E1"]
    wave = make_wave(db, version, [e1, world["branches"]["S1"]], per_branch=3)
    shopper = world["users"]["shopper"]
    blank = {"answers": {}, "status": VisitStatus.assigned}
    open_ = _due(make_visit(db, version, e1, wave=wave, **blank), LATER)
    late = _due(make_visit(db, version, e1, wave=wave, shopper=shopper, **blank), PAST)
    sent = _due(make_visit(db, version, e1, wave=wave, shopper=world["users"]["shopper2"]), PAST)
    db.flush()
    return version, wave, {"open": open_, "late": late, "sent": sent}


def _row(page: str, visit_id: int) -> str:
    match = re.search(rf'<tr data-visit="{visit_id}".*?</tr>', page, re.S)
    assert match, f"visit {visit_id} is not listed"
    return match.group(0)


def test_overdue_is_past_the_due_date_and_not_yet_submitted(db, world):
    _version, wave, v = _wave_with_visits(db, world)
    assert visit_policy.overdue(v["late"], NOW)
    assert not visit_policy.overdue(v["late"], PAST - timedelta(hours=1))  # not yet past
    assert not visit_policy.overdue(v["sent"], NOW)  # submitted, even though late
    assert not visit_policy.overdue(v["open"], NOW)  # due later
    v["late"].status = VisitStatus.in_progress
    assert visit_policy.overdue(v["late"], NOW)
    v["late"].status = VisitStatus.returned  # submitted once: the review queue tracks it
    assert not visit_policy.overdue(v["late"], NOW)
    v["late"].status = VisitStatus.in_progress
    db.flush()
    # the query form of the rule finds exactly what the Python form finds
    counted = db.exec(
        select(func.count())
        .select_from(Visit)
        .where(Visit.wave_id == wave.id, visit_policy.overdue_clause(NOW))
    ).one()
    assert counted == 1


def test_wave_counts_each_visit_once_and_flag_overdue(client, db, world, pinned):
    _version, wave, v = _wave_with_visits(db, world)
    rows = {r.region.code: r for r in waves.wave_progress(db, wave=wave)}
    east = rows["E"]
    assert east.counts["unassigned"] == 1 and east.counts["assigned"] == 1
    assert east.counts["submitted"] == 1 and east.overdue == 1
    assert east.not_created + east.total == east.planned == 3  # the columns add up
    total = waves.wave_total(list(rows.values()))
    assert (total.planned, total.not_created, total.overdue) == (6, 3, 1)

    login(client, "admin", "admin-pass")
    page = client.get(f"/admin/waves/{wave.id}").text
    unassigned = _row(page, v["open"].id)
    assert 'data-state="unassigned"' in unassigned and ">Assigned<" not in unassigned
    assert "tag-overdue" in _row(page, v["late"].id)
    assert "tag-overdue" not in _row(page, v["sent"].id)
    assert "Whole wave" in page and "the columns add up to Planned" in page
    only_late = client.get(f"/admin/waves/{wave.id}?status=overdue").text
    assert f'data-visit="{v["late"].id}"' in only_late
    assert f'data-visit="{v["sent"].id}"' not in only_late
    assigned = client.get(f"/admin/waves/{wave.id}?status=assigned").text
    assert f'data-visit="{v["open"].id}"' not in assigned  # "assigned" always has a shopper


def test_the_wave_page_says_why_no_shopper_can_take_a_visit(client, db, world, pinned):
    version = mini_version(db)
    e1 = world["branches"]["E1"]
    shopper, shopper2 = world["users"]["shopper"], world["users"]["shopper2"]
    shopper.home_region_id = world["regions"]["S"].id  # shops only the South
    before = make_wave(db, version, [e1], name="Before", starts=date(2025, 12, 1), days=20)
    make_visit(db, version, e1, wave=before, shopper=shopper2, status=VisitStatus.approved)
    wave = make_wave(db, version, [e1], name="Now")
    visit = _due(make_visit(db, version, e1, wave=wave, answers={}, status="assigned"), LATER)
    db.flush()

    login(client, "admin", "admin-pass")
    row = _row(client.get(f"/admin/waves/{wave.id}").text, visit.id)
    assert "No eligible shopper: home region" in row
    assert "home region: 1 shopper shops only another region" in row
    assert "repeat rule: 1 shopper shopped this branch in the wave before or after" in row
    offered = re.findall(r'<option value="(\d*)"', row)
    assert offered == [""], "only 'no shopper' can be chosen"

    token = csrf_of(client, f"/admin/waves/{wave.id}")
    refused = client.post(
        f"/admin/waves/{wave.id}/visits/{visit.id}/reassign",
        data={"csrf_token": token, "shopper_id": str(shopper2.id)},
    )
    assert refused.status_code == 422
    assert "shopped this branch in the wave before or after" in refused.text
    assert db.get(Visit, visit.id).shopper_id is None


def test_reassign_lists_eligible_shoppers_least_busy_first_with_their_load(
    client, db, world, pinned
):
    version = mini_version(db)
    e1, e2 = world["branches"]["E1"], world["branches"]["E2"]
    world["users"]["shopper2"].active = False
    busy = world["users"]["shopper"]
    idle = create_user(db, username="idle", name="Idle", role="shopper", password="secret-pass")
    wave = make_wave(db, version, [e1, e2], per_branch=2)
    blank = {"answers": {}, "status": VisitStatus.assigned}
    make_visit(db, version, e2, wave=wave, shopper=busy, **blank)
    target = make_visit(db, version, e1, wave=wave, shopper=busy, **blank)
    db.flush()

    login(client, "admin", "admin-pass")
    row = _row(client.get(f"/admin/waves/{wave.id}").text, target.id)
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', row)
    assert [(int(i), bool(s), label) for i, s, label in options] == [
        (idle.id, False, "Idle · 0 visits"),
        (busy.id, True, "Shopper · 2 visits"),
    ]
    token = csrf_of(client, f"/admin/waves/{wave.id}")
    moved = client.post(
        f"/admin/waves/{wave.id}/visits/{target.id}/reassign",
        data={"csrf_token": token, "shopper_id": str(idle.id)},
    )
    assert moved.status_code == 303 and db.get(Visit, target.id).shopper_id == idle.id


def _create(db, version, name):
    return waves.create_wave(
        db,
        name=name,
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        checklist_version_id=version.id,
        visits_per_branch=1,
        branch_ids=[],
    )


def test_a_wave_name_is_unique_per_checklist(client, db, world):
    v1 = mini_version(db)
    v2, _created = import_checklist(db, source=MINI.replace("adequate: 70", "adequate: 75"))
    other, _created = import_checklist(db, source=MINI.replace("code: mini", "code: other"))
    branch_ids = [world["branches"]["E1"].id]
    make_wave(db, v1, [world["branches"]["E1"]], name="2027 Q1")
    with pytest.raises(FieldErrors) as caught:
        waves.create_wave(
            db,
            name=" 2027 q1 ",  # another version of the same checklist, other letter case
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 3, 31),
            checklist_version_id=v2.id,
            visits_per_branch=1,
            branch_ids=branch_ids,
        )
    assert "already named 2027 q1" in caught.value.errors["name"]
    assert waves.name_taken(db, name="2027 Q1", checklist_id=other.checklist_id) is False

    login(client, "admin", "admin-pass")
    form = {
        "name": "2027 Q1",
        "starts_on": "2027-01-01",
        "ends_on": "2027-03-31",
        "checklist_version_id": str(v2.id),
        "visits_per_branch": "1",
        "branches": [str(i) for i in branch_ids],
        "csrf_token": csrf_of(client, "/admin/waves/new"),
    }
    refused = client.post("/admin/waves/new", data=form)
    assert refused.status_code == 422
    error = re.search(r'<p class="field-error" id="name-error">([^<]+)</p>', refused.text)
    assert error and "A wave of this checklist is already named 2027 Q1" in error.group(1)
    accepted = client.post("/admin/waves/new", data={**form, "checklist_version_id": str(other.id)})
    assert accepted.status_code == 303  # the same name under another checklist is fine


def test_the_new_wave_form_proposes_the_previous_waves_version(client, db, world):
    v1 = mini_version(db)
    v2, _created = import_checklist(db, source=MINI.replace("adequate: 70", "adequate: 75"))
    assert v2.version == 2
    make_wave(db, v2, [world["branches"]["E1"]], name="Old", starts=date(2025, 1, 1))
    make_wave(db, v1, [world["branches"]["E1"]], name="Newest", starts=date(2026, 1, 1))
    login(client, "admin", "admin-pass")
    page = client.get("/admin/waves/new").text
    selected = re.findall(r'<option value="(\d+)" selected>', page)
    assert selected == [str(v1.id)]  # the version the newest wave uses, not the latest one


def test_the_hq_dashboard_lists_what_waits(client, db, world, pinned):
    version, wave, v = _wave_with_visits(db, world)
    approved = make_visit(
        db, version, world["branches"]["E2"], wave=wave, status=VisitStatus.approved
    )
    approved.approved_at = datetime.now(UTC)  # raising a dispute checks the real window
    db.flush()
    dispute = disputes.raise_dispute(
        db, user=world["users"]["manager"], visit=approved, item_id="greet", reason="They did."
    )
    dispute.raised_at = NOW - timedelta(days=4)
    db.add(
        CorrectiveAction(
            branch_id=world["branches"]["E1"].id,
            wave_id=wave.id,
            item_id="greet",
            what="Greet every customer",
            owner="Store lead",
            due_on=date(2026, 1, 15),  # before the pinned today: overdue
            created_at=NOW - timedelta(days=9),
        )
    )
    db.flush()

    hq = dashboard.admin_dashboard(db)
    assert hq.wave is not None and hq.wave.id == wave.id
    assert hq.progress is not None and hq.progress.overdue == 1 and hq.overdue_total == 1
    assert [row.visit.id for row in hq.overdue] == [v["late"].id] and hq.overdue[0].days == 3

    login(client, "admin", "admin-pass")
    page = client.get("/").text
    assert "Company score" in page and "Zone of tolerance: adequate 70, desired 90." in page
    assert re.search(r'data-count="overdue"[^>]*><span class="tile-value warn-value">1<', page)
    assert re.search(r'data-count="unassigned"[^>]*><span class="tile-value warn-value">1<', page)
    assert re.search(r'data-count="assigned"[^>]*><span class="tile-value">1<', page)
    overdue = page[page.index('id="hq-overdue"') : page.index('id="hq-disputes"')]
    assert f"#{v['late'].id}" in overdue and "3 days late" in overdue
    assert "tag-overdue" in overdue and f"#{v['sent'].id}" not in overdue
    opened = page[page.index('id="hq-disputes"') : page.index('id="hq-actions"')]
    assert f"/disputes/{dispute.id}" in opened and "4 days" in opened
    action = page[page.index('id="hq-actions"') :]
    assert "Greet every customer" in action and "9 days" in action and "tag-overdue" in action


def test_the_shoppers_home_shows_the_same_overdue_badge(client, db, world, pinned):
    _version, _wave, v = _wave_with_visits(db, world)
    on_time = make_visit(
        db,
        _version,
        world["branches"]["S1"],
        wave=_wave,
        shopper=world["users"]["shopper"],
        answers={},
        status=VisitStatus.assigned,
    )
    _due(on_time, LATER)
    db.flush()
    login(client, "shopper", "shopper-pass")
    page = client.get("/").text
    card = re.search(rf'data-visit="{v["late"].id}".*?</li>', page, re.S)
    calm = re.search(rf'data-visit="{on_time.id}".*?</li>', page, re.S)
    assert card and "tag-overdue" in card.group(0) and "Overdue" in card.group(0)
    assert calm and "tag-overdue" not in calm.group(0)
    lowered = page.lower()
    assert not any(word in lowered for word in ("mystery", "audit", "暗访", "神秘顾客"))
