"""Retention: old visits lose photos, GPS, free texts and their shopper; scores stay."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from app import storage
from app.errors import Invalid
from app.models import (
    Answer,
    AuditEvent,
    LoginThrottle,
    Photo,
    SecurityEvent,
    SecurityEventKind,
    User,
    UserSession,
    Visit,
    VisitScore,
    VisitStatus,
)
from app.services import auth, retention
from app.services.checklists import import_checklist
from app.settings import get_settings
from tests.admin.factories import GOOD_ANSWERS, MINI, make_visit
from tests.conftest import csrf_of, login

NOW = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)  # the visits below are from 2026-01-10
WITH_TEXT = MINI.replace(
    "      - {id: clean,",
    "      - {id: remark, text: {en: Remark, zh-CN: 备注}, kind: text, required: false}\n"
    "      - {id: clean,",
)


@pytest.fixture
def media(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(storage, "media_root", lambda: tmp_path)
    return tmp_path


@pytest.fixture
def months(monkeypatch):
    def set_months(value: int) -> None:
        monkeypatch.setenv("RETENTION_MONTHS", str(value))
        get_settings.cache_clear()

    yield set_months
    monkeypatch.delenv("RETENTION_MONTHS", raising=False)
    get_settings.cache_clear()


def _old_visit(db, world, media):
    version, _ = import_checklist(db, source=WITH_TEXT)
    answers = {**GOOD_ANSWERS, "remark": "The cashier, Ms Li, was rude"}
    visit = make_visit(
        db,
        version,
        world["branches"]["E1"],
        shopper=world["users"]["shopper"],
        answers=answers,
        status=VisitStatus.approved,
    )
    visit.latitude, visit.longitude = 31.23, 121.47
    visit.review_notes = {"": "Shopper said she is the manager's cousin"}
    db.add(visit)
    greet = db.exec(select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == "greet"))
    answer = greet.one()
    answer.comment = "Greeted by Wang at the door"
    db.add(answer)
    db.add(
        AuditEvent(
            visit_id=visit.id,
            action="corrected",
            item_id="remark",
            before="The cashier, Ms Li",
            after="The cashier",
            reason="typo",
        )
    )
    for name in ("a", "a-thumb"):
        storage.write(db, f"visits/{visit.id}/{name}.jpg", b"jpeg")
    db.add(
        Photo(
            visit_id=visit.id,
            item_id="shelf",
            path=f"visits/{visit.id}/a.jpg",
            thumb_path=f"visits/{visit.id}/a-thumb.jpg",
            size=4,
            width=1,
            height=1,
            sha256="0" * 64,
        )
    )
    db.commit()
    return visit


def test_an_old_visit_keeps_its_findings_and_loses_what_identifies(db, world, media, months):
    visit = _old_visit(db, world, media)
    score = db.get(VisitScore, visit.id).score
    months(6)
    report = retention.purge(db, now=NOW)
    assert (media / f"visits/{visit.id}/a.jpg").exists()  # files go only after the commit
    db.commit()
    assert (report.visits, report.photos) == (1, 1)
    assert not (media / f"visits/{visit.id}/a.jpg").exists()
    assert not (media / f"visits/{visit.id}/a-thumb.jpg").exists()
    stored = db.get(Visit, visit.id)
    assert stored.shopper_id is None and stored.latitude is None and stored.longitude is None
    assert stored.review_notes is None and stored.purged_at == NOW
    answers = {a.item_id: a for a in db.exec(select(Answer).where(Answer.visit_id == visit.id))}
    assert answers["remark"].value is None and answers["greet"].comment == ""
    assert answers["greet"].value == "yes" and answers["wait"].value == 60  # findings stay
    event = db.exec(select(AuditEvent).where(AuditEvent.item_id == "remark")).one()
    assert (event.before, event.after) == (None, None)
    assert db.get(VisitScore, visit.id).score == score
    assert db.exec(select(Photo)).all() == []
    assert retention.purge(db, now=NOW).visits == 0  # done once


def test_a_recent_visit_and_retention_zero_keep_everything(db, world, media, months):
    visit = _old_visit(db, world, media)
    months(0)
    assert retention.purge(db, now=NOW).visits == 0
    months(12)
    assert retention.purge(db, now=NOW).visits == 0  # January is within twelve months
    db.commit()
    stored = db.get(Visit, visit.id)
    assert stored.shopper_id == world["users"]["shopper"].id and stored.latitude == 31.23
    assert (media / f"visits/{visit.id}/a.jpg").exists()


def test_a_rolled_back_purge_keeps_the_files(db, world, media, months):
    visit = _old_visit(db, world, media)
    months(6)
    retention.purge(db, now=NOW)
    db.rollback()
    assert (media / f"visits/{visit.id}/a.jpg").exists()
    assert db.get(Visit, visit.id).shopper_id is not None


def test_months_are_calendar_months():
    assert retention.months_before(NOW, 6) == datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    end_of_march = datetime(2026, 3, 31, tzinfo=UTC)
    assert retention.months_before(end_of_march, 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert retention.months_before(end_of_march, 15) == datetime(2024, 12, 31, tzinfo=UTC)


def test_expired_sessions_and_old_login_records_are_purged(db, world, months):
    months(0)
    user = world["users"]["manager"]
    live = UserSession(
        id="live",
        user_id=user.id,
        csrf_token="x",
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
    )
    expired = UserSession(
        id="expired",
        user_id=user.id,
        csrf_token="x",
        created_at=NOW - timedelta(days=15),
        expires_at=NOW - timedelta(days=1),
    )
    idle = UserSession(
        id="idle",
        user_id=user.id,
        csrf_token="x",
        created_at=NOW - timedelta(days=2),
        expires_at=NOW + timedelta(days=12),
    )
    db.add_all([live, expired, idle])
    db.add(
        LoginThrottle(
            key="pair:x",
            failures=3,
            next_allowed_at=NOW - timedelta(days=3),
            updated_at=NOW - timedelta(days=3),
        )
    )
    db.add(
        SecurityEvent(
            kind=SecurityEventKind.login_failed, username="x", at=NOW - timedelta(days=181)
        )
    )
    db.add(SecurityEvent(kind=SecurityEventKind.login, username="y", at=NOW - timedelta(days=3)))
    db.add(SecurityEvent(kind=SecurityEventKind.denied, at=NOW - timedelta(days=400)))
    db.flush()
    report = retention.purge(db, now=NOW)
    assert (report.sessions, report.throttles, report.login_events) == (2, 1, 1)
    assert [s.id for s in db.exec(select(UserSession))] == ["live"]
    kept = {e.kind for e in db.exec(select(SecurityEvent))}
    assert kept == {SecurityEventKind.login, SecurityEventKind.denied}


def test_a_username_over_64_characters_is_refused_naming_the_field(client, db, world):
    with pytest.raises(Invalid) as refused:
        auth.create_user(
            db, username="u" * 65, name="Long", role="shopper", password="a-long-password"
        )
    assert refused.value.field == "username" and "64" in refused.value.message
    login(client, "admin", "admin-pass")
    data = {
        "csrf_token": csrf_of(client, "/admin/users/new"),
        "username": "u" * 65,
        "role": "shopper",
        "password": "a-long-password",
        "active": "1",
    }
    page = client.post("/admin/users/new", data=data)
    assert page.status_code == 422
    assert 'id="username-error">Username: at most 64 characters.' in page.text
    data["username"] = "u" * 64
    assert client.post("/admin/users/new", data=data).status_code == 303


def test_the_purge_command_ends_expired_sessions(tmp_path):
    from sqlalchemy import create_engine
    from sqlmodel import Session

    from tests.conftest import fresh_database_url
    from tests.test_cli import run

    env = {
        "DATABASE_URL": fresh_database_url(tmp_path),
        "VAR_DIR": str(tmp_path),
        "RETENTION_MONTHS": "6",
    }
    assert run("migrate", env=env).returncode == 0
    assert run("create-admin", "hq", "--password", "a-long-password", env=env).returncode == 0
    engine = create_engine(env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            hq = session.exec(select(User)).one()
            old = datetime(2020, 1, 1, tzinfo=UTC)
            session.add(
                UserSession(
                    id="old",
                    user_id=hq.id,
                    csrf_token="x",
                    created_at=old,
                    expires_at=old + timedelta(days=14),
                )
            )
            session.commit()
        done = run("purge", env=env)
        assert done.returncode == 0, done.stderr
        assert "older than 6 months): 0" in done.stdout and "expired sessions: 1;" in done.stdout
        with Session(engine) as session:
            assert session.exec(select(UserSession)).all() == []
    finally:
        engine.dispose()


def test_the_server_runs_the_purge_periodically(monkeypatch):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from app import maintenance

    runs: list[int] = []
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > 2:
            raise asyncio.CancelledError

    monkeypatch.setattr(maintenance.asyncio, "sleep", no_wait)
    monkeypatch.setattr(maintenance, "run_purge", lambda: runs.append(1))
    with pytest.raises(asyncio.CancelledError), ThreadPoolExecutor(1) as thread:
        # a loop of its own, in a thread: another test's loop may be running in this one
        thread.submit(asyncio.run, maintenance.purge_every(24)).result()
    assert waits == [86400, 86400, 86400] and len(runs) == 2  # after each interval, not at start
    monkeypatch.setenv("PURGE_EVERY_HOURS", "0")
    get_settings.cache_clear()
    try:
        assert maintenance.start_periodic_purge() is None
    finally:
        monkeypatch.delenv("PURGE_EVERY_HOURS")
        get_settings.cache_clear()


def test_a_purge_that_stripped_visits_drops_the_cached_pdfs(tmp_path, monkeypatch):
    """A cached report may show photos the purge deleted; it is rebuilt when asked again."""
    from contextlib import nullcontext

    from app import maintenance
    from app.reports import cache

    monkeypatch.setenv("MEDIA_DIR", str(tmp_path))
    get_settings.cache_clear()
    stored = cache.store("old", b"%PDF")
    path = tmp_path / stored
    os.utime(path, (1_700_000_000, 1_700_000_000))  # rendered a while ago
    monkeypatch.setattr(maintenance, "session_scope", lambda: nullcontext(None))
    monkeypatch.setattr(retention, "purge", lambda db, now=None: retention.PurgeReport())
    try:
        maintenance.run_purge()
        assert cache.is_cached("old")  # nothing stripped: the cache stays
        monkeypatch.setattr(
            retention, "purge", lambda db, now=None: retention.PurgeReport(visits=1)
        )
        maintenance.run_purge()
        assert not cache.is_cached("old") and not path.exists()
    finally:
        get_settings.cache_clear()
