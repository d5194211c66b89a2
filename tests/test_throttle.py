"""Login throttling: backoff per username and address, never a lock-out of the owner."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, SQLModel, col, create_engine, delete

from app.db import make_engine, new_session
from app.errors import TooManyAttempts
from app.models import LoginThrottle
from app.services import auth, throttle

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _attempt(db, keys, at) -> bool:
    try:
        with db.begin_nested():
            throttle.reserve(db, keys, now=at)
    except TooManyAttempts:
        return False
    return True


def test_failures_past_the_free_ones_wait_longer_each_time_up_to_the_cap(db):
    keys = [throttle.Key("pair:ann|10.0.0.1", 5)]
    for n in range(5):
        assert _attempt(db, keys, T0 + timedelta(seconds=n))
    assert not _attempt(db, keys, T0 + timedelta(seconds=10))  # 15 s after the fifth
    waits = []
    at = T0 + timedelta(seconds=4)
    for _ in range(8):
        row = db.get(LoginThrottle, keys[0].name)
        waits.append(round((row.next_allowed_at - at).total_seconds()))
        at = row.next_allowed_at
        assert _attempt(db, keys, at)
    assert waits == [15, 30, 60, 120, 240, 480, 900, 900]


def test_an_attacker_elsewhere_never_stops_the_owner_on_their_own_phone(db, world):
    for n in range(40):  # a guessing run from many addresses
        address = f"203.0.113.{n}"
        keys = throttle.keys_for("shopper", address, known_device=False)
        _attempt(db, keys, T0)
    stranger = throttle.keys_for("shopper", "198.51.100.7", known_device=False)
    assert not _attempt(db, stranger, T0)  # an unknown device must wait for the account
    owner = throttle.keys_for("shopper", "198.51.100.7", known_device=True)
    assert _attempt(db, owner, T0)  # the phone that logged in before is not held up


def test_a_busy_office_address_does_not_block_a_colleague_with_a_known_device(db):
    for n in range(60):
        _attempt(db, throttle.keys_for(f"guess{n}", "192.0.2.1", known_device=False), T0)
    assert not _attempt(db, throttle.keys_for("newbie", "192.0.2.1", known_device=False), T0)
    assert _attempt(db, throttle.keys_for("ann", "192.0.2.1", known_device=True), T0)


def test_a_success_takes_its_own_count_back(db):
    keys = throttle.keys_for("bob", "10.0.0.2", known_device=False)
    assert _attempt(db, keys, T0)
    throttle.release(db, keys)
    db.flush()
    assert db.get(LoginThrottle, "pair:bob|10.0.0.2") is None
    assert db.get(LoginThrottle, "user:bob").failures == 0


def test_concurrent_guesses_are_checked_at_most_the_free_number_of_times(engine):
    """Twenty guesses at once on one username and address: exactly five get through."""
    key = throttle.Key(f"pair:race-{uuid.uuid4().hex[:8]}|10.9.9.9", 5)
    passed: list[bool] = []
    start = threading.Barrier(20)

    def guess() -> None:
        start.wait()
        with new_session(write=True, engine=engine) as session:
            try:
                throttle.reserve(session, [key])
                session.commit()
                passed.append(True)
            except TooManyAttempts:
                session.rollback()
                passed.append(False)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with Session(engine) as session:
        session.exec(delete(LoginThrottle).where(col(LoginThrottle.key) == key.name))
        session.commit()
    assert passed.count(True) == 5 and len(passed) == 20


def test_the_password_is_checked_with_no_write_lock_held(tmp_path, monkeypatch, world):
    """On SQLite another writer gets the lock while a login hashes (autosaves never wait)."""
    url = f"sqlite:///{tmp_path / 'login.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with new_session(engine=engine) as session:
        auth.create_user(session, username="ann", name="Ann", role="shopper", password="ann-pass-1")
        session.commit()
    other = create_engine(url, connect_args={"timeout": 0.2})
    seen: list[str] = []
    real_verify = auth.verify_password

    def verify_while_someone_writes(stored, password):
        with other.connect() as conn:  # fails with "database is locked" if a lock is held
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql("ROLLBACK")
        seen.append("wrote")
        return real_verify(stored, password)

    monkeypatch.setattr(auth, "verify_password", verify_while_someone_writes)
    with new_session(engine=engine) as session:
        user = auth.authenticate(
            session, username="ann", password="ann-pass-1", address="1.2.3.4", known_device=False
        )
        session.commit()
    assert user.username == "ann" and seen == ["wrote"]
    engine.dispose()
    other.dispose()


@pytest.mark.parametrize("quiet_for", [timedelta(minutes=31)])
def test_a_counter_left_quiet_starts_afresh(db, quiet_for):
    keys = [throttle.Key("pair:cy|10.0.0.3", 5)]
    for _ in range(5):
        _attempt(db, keys, T0)
    assert not _attempt(db, keys, T0 + timedelta(seconds=1))
    assert _attempt(db, keys, T0 + quiet_for)
    assert db.get(LoginThrottle, keys[0].name).failures == 1
