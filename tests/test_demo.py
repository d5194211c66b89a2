"""The demo programme: complete enough to explore every screen, and loaded only once."""

from __future__ import annotations

from datetime import date

from sqlmodel import func, select

from app.models import (
    Answer,
    Branch,
    BranchWaveScore,
    Checklist,
    ChecklistVersion,
    Region,
    User,
    Visit,
    VisitScore,
    Wave,
    WaveBranch,
)
from app.security import verify_password
from app.services.checklists import document_of
from app.services.demo import DEMO_LOGINS, PILOT_NAME, load_demo
from app.services.submission import submission_problems


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_demo_loads_a_meaningful_programme_once(db):
    assert load_demo(db, today=date(2026, 11, 22)) is True
    assert _count(db, Region) == 3
    assert _count(db, Branch) == 12
    assert _count(db, Branch, Branch.competitor) == 2
    assert _count(db, Wave) == 5  # four of the retail programme, the service-centre pilot
    assert _count(db, Visit, Visit.status == "approved") >= 70
    assert _count(db, Visit, Visit.status == "submitted") > 0
    bands = set(db.exec(select(VisitScore.band)).all())
    assert {"below", "within", "delighted"} <= bands
    assert _count(db, VisitScore, VisitScore.critical_failure) >= 1
    assert _count(db, BranchWaveScore) >= 36  # 12 branches x 3 past waves at least
    shopper = db.exec(select(User).where(User.username == "shopper")).one()
    mine = db.exec(
        select(Visit).where(Visit.shopper_id == shopper.id, Visit.status == "assigned")
    ).all()
    assert len(mine) >= 2
    for login in DEMO_LOGINS:
        user = db.exec(select(User).where(User.username == login.username)).one()
        assert user.role == login.role
        assert verify_password(user.password_hash, login.password)

    before = [_count(db, model) for model in (Region, Branch, User, Wave, Visit, VisitScore)]
    assert load_demo(db, today=date(2026, 11, 22)) is False  # loading twice changes nothing
    after = [_count(db, model) for model in (Region, Branch, User, Wave, Visit, VisitScore)]
    assert before == after


def _results(db) -> list[tuple]:
    """Every branch's score per wave, the waves by their place in the programme (1 = oldest):
    their names follow the dates, which move with the demo day."""
    rows = db.exec(
        select(
            Wave.starts_on, Branch.code, BranchWaveScore.score, BranchWaveScore.critical_failures
        )
        .join(Wave, Wave.id == BranchWaveScore.wave_id)
        .join(Branch, Branch.id == BranchWaveScore.branch_id)
    ).all()
    starts = sorted({row[0] for row in rows})
    return sorted((starts.index(start) + 1, *rest) for start, *rest in rows)


def _manager_warnings(db) -> list[str]:
    from app.services import scorecards

    manager = db.exec(select(User).where(User.username == "manager")).one()
    wave = scorecards.default_wave(db)
    return [row.branch.code for row in scorecards.overview(db, user=manager, wave=wave).warnings]


def test_the_demo_day_moves_dates_never_results(db):
    """What the browser tests expect of the demo holds for a demo built on any day, and no
    visit of it happened on or after that day."""
    from datetime import UTC, datetime

    seen = []
    for day in (date(2026, 10, 13), date(2027, 3, 1), date(2026, 2, 2)):
        loaded = db.begin_nested()
        load_demo(db, today=day)
        db.flush()
        times = db.exec(select(Visit.time_in).where(Visit.time_in.is_not(None))).all()
        assert max(times) < datetime.combine(day, datetime.min.time(), UTC)
        waves = db.exec(select(Wave).order_by(Wave.starts_on)).all()
        assert len({w.name for w in waves}) == len(waves) == 5  # named by their own quarters
        assert all(w.ends_on < day for w in waves[:-1]) and waves[-1].starts_on < day
        seen.append((_results(db), _manager_warnings(db)))
        loaded.rollback()
    (first, warned), *others = seen
    assert all(results == first for results, _warned in others)
    assert all(again == warned for _scores, again in others)
    assert "TJ-001" in warned  # the running wave's early warning


def test_the_service_centre_checklist_has_a_pilot_wave_of_its_own(db):
    """The second demo checklist (English/Arabic, kinds of visit, skip logic) is stored with
    an approved enquiry and transaction at each of three branches: complete visits, each
    section asked only where the checklist says, and results to read in a scorecard."""
    load_demo(db, today=date(2026, 11, 22))
    checklist = db.exec(select(Checklist).where(Checklist.code == "service-centre-ar")).one()
    version = db.exec(
        select(ChecklistVersion).where(ChecklistVersion.checklist_id == checklist.id)
    ).one()
    document = document_of(version)
    assert document.languages == ("ar", "en")
    wave = db.exec(select(Wave).where(Wave.name == PILOT_NAME)).one()
    assert wave.checklist_version_id == version.id
    assert _count(db, WaveBranch, WaveBranch.wave_id == wave.id) == 3
    visits = db.exec(select(Visit).where(Visit.wave_id == wave.id)).all()
    assert sorted(v.variant for v in visits) == ["enquiry"] * 3 + ["transaction"] * 3
    assert {v.status for v in visits} == {"approved"}
    for visit in visits:
        answered = set(db.exec(select(Answer.item_id).where(Answer.visit_id == visit.id)).all())
        counter = {"id-checked"} & answered
        assert bool(counter) == (visit.variant == "transaction")  # the counter: transactions
        assert submission_problems(db, visit=visit) == []  # its comments and photos given
    assert _count(db, BranchWaveScore, BranchWaveScore.wave_id == wave.id) == 3
    running = max(db.exec(select(Wave)).all(), key=lambda w: w.starts_on)
    assert wave.ends_on < running.starts_on  # a past wave: the running one stays the default
