"""The demo programme: complete enough to explore every screen, and loaded only once."""

from __future__ import annotations

from datetime import date

from sqlmodel import func, select

from app.models import Branch, BranchWaveScore, Region, User, Visit, VisitScore, Wave
from app.security import verify_password
from app.services.demo import DEMO_LOGINS, load_demo


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_demo_loads_a_meaningful_programme(db):
    assert load_demo(db, today=date(2026, 11, 22)) is True
    assert _count(db, Region) == 3
    assert _count(db, Branch) == 12
    assert _count(db, Branch, Branch.competitor) == 2
    assert _count(db, Wave) == 4
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


def test_demo_loader_is_idempotent(db):
    load_demo(db, today=date(2026, 11, 22))
    before = [_count(db, model) for model in (Region, Branch, User, Wave, Visit, VisitScore)]
    assert load_demo(db, today=date(2026, 11, 22)) is False
    after = [_count(db, model) for model in (Region, Branch, User, Wave, Visit, VisitScore)]
    assert before == after


def test_no_demo_visit_happened_in_the_future(db):
    load_demo(db, today=date(2026, 11, 22))
    from datetime import UTC, datetime

    times = db.exec(select(Visit.time_in).where(Visit.time_in.is_not(None))).all()
    assert max(times) < datetime(2026, 11, 22, tzinfo=UTC)
