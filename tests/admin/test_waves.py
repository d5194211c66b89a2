"""Waves: creation rules, progress per region, reassigning and cancelling single visits."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from app.errors import Conflict, Invalid
from app.models import Answer, Visit, VisitStatus, WaveBranch
from app.services import waves
from app.services.csv_import import FieldErrors
from tests.admin.factories import make_visit, make_wave, mini_version


def test_create_wave_checks_every_field(db, world):
    with pytest.raises(FieldErrors) as caught:
        waves.create_wave(
            db,
            name="",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 1, 1),
            checklist_version_id=None,
            visits_per_branch=0,
            branch_ids=[],
        )
    assert set(caught.value.errors) == {
        "name",
        "ends_on",
        "checklist_version_id",
        "visits_per_branch",
        "branches",
    }


def test_create_wave_with_its_branches(db, world):
    version = mini_version(db)
    ids = [b.id for b in world["branches"].values()]
    wave = waves.create_wave(
        db,
        name=" 2027 Q1 ",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        checklist_version_id=version.id,
        visits_per_branch=2,
        branch_ids=ids + ids[:1],
        scenario="Ask for a refund",
    )
    assert wave.name == "2027 Q1" and wave.scenario == "Ask for a refund"
    planned = db.exec(select(WaveBranch.branch_id).where(WaveBranch.wave_id == wave.id))
    assert sorted(planned) == sorted(ids)  # each branch once
    row = next(r for r in waves.list_waves(db) if r.wave.id == wave.id)
    assert (row.checklist_code, row.checklist_version, row.branches) == ("mini", 1, 3)


def test_progress_counts_visits_per_region_and_status(db, world):
    version = mini_version(db)
    b = world["branches"]
    wave = make_wave(db, version, list(b.values()), per_branch=2)
    shopper = world["users"]["shopper"]
    make_visit(db, version, b["E1"], shopper=shopper, wave=wave, status=VisitStatus.approved)
    make_visit(db, version, b["E2"], shopper=shopper, wave=wave, status=VisitStatus.submitted)
    make_visit(db, version, b["E2"], wave=wave, answers={}, status=VisitStatus.assigned)
    make_visit(
        db, version, b["S1"], shopper=shopper, wave=wave, answers={}, status=VisitStatus.in_progress
    )
    progress = {row.region.code: row for row in waves.wave_progress(db, wave=wave)}
    east, south = progress["E"], progress["S"]
    assert east.planned == 4 and south.planned == 2
    # one count per visit: the visit without a shopper is "unassigned", never "assigned"
    assert east.counts == {
        "unassigned": 1,
        "assigned": 0,
        "in_progress": 0,
        "submitted": 1,
        "returned": 0,
        "approved": 1,
    }
    assert east.unassigned == 1 and east.total == 3 and east.not_created == 1
    assert south.counts["in_progress"] == 1 and south.unassigned == 0
    listed = waves.wave_visits(db, wave=wave, status="unassigned")
    assert [row.branch.code for row in listed] == ["E2"]


def test_reassign_only_unfinished_visits_to_active_shoppers(db, world):
    version = mini_version(db)
    wave = make_wave(db, version, [world["branches"]["E1"]])
    visit = make_visit(
        db, version, world["branches"]["E1"], wave=wave, answers={}, status=VisitStatus.assigned
    )
    waves.reassign(db, visit=visit, shopper_id=world["users"]["shopper2"].id)
    assert visit.shopper_id == world["users"]["shopper2"].id
    with pytest.raises(Invalid):
        waves.reassign(db, visit=visit, shopper_id=world["users"]["manager"].id)
    world["users"]["shopper"].active = False
    with pytest.raises(Invalid):
        waves.reassign(db, visit=visit, shopper_id=world["users"]["shopper"].id)
    waves.reassign(db, visit=visit, shopper_id=None)
    assert visit.shopper_id is None
    visit.status = VisitStatus.submitted
    with pytest.raises(Conflict):
        waves.reassign(db, visit=visit, shopper_id=world["users"]["shopper2"].id)


def test_cancel_removes_an_unsubmitted_visit_with_its_answers(db, world):
    version = mini_version(db)
    wave = make_wave(db, version, [world["branches"]["E1"]])
    started = make_visit(
        db,
        version,
        world["branches"]["E1"],
        wave=wave,
        shopper=world["users"]["shopper"],
        status=VisitStatus.in_progress,
    )
    done = make_visit(
        db,
        version,
        world["branches"]["E1"],
        wave=wave,
        shopper=world["users"]["shopper"],
        status=VisitStatus.submitted,
    )
    started_id = started.id
    waves.cancel(db, visit=started)
    assert db.get(Visit, started_id) is None
    assert not db.exec(select(Answer).where(Answer.visit_id == started_id)).all()
    with pytest.raises(Conflict):
        waves.cancel(db, visit=done)
