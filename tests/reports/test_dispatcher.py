"""The in-process export dispatcher never loses a kick: a job queued just as the thread
gives up after its idle rounds is still run (a lost kick left it "Waiting to start")."""

from __future__ import annotations

import threading

from app.reports import jobs


def test_a_kick_during_the_last_idle_round_keeps_the_thread_working(monkeypatch):
    dispatcher = jobs.Dispatcher()
    looked = []
    ran = threading.Event()
    monkeypatch.setattr(jobs, "IDLE_ROUNDS", 1)
    monkeypatch.setattr(jobs.queue, "enabled", lambda: False)

    def next_queued():
        looked.append(len(looked))
        return 7 if len(looked) == 2 else None  # the job appears with the kick

    real_wait = dispatcher._wake.wait

    def last_idle_second(timeout=None):
        if len(looked) == 1:
            dispatcher.kick()  # HQ queues an export: the thread is alive, so it is only woken
        return real_wait(0.01)

    def claim(_db, job_id, *, owner):
        assert job_id == 7
        return "claimed"

    monkeypatch.setattr(jobs, "next_queued", next_queued)
    monkeypatch.setattr(jobs, "claim", claim)
    monkeypatch.setattr(jobs, "run_claimed", lambda job_id, **_: ran.set())
    monkeypatch.setattr(dispatcher._wake, "wait", last_idle_second)
    dispatcher.kick()
    assert ran.wait(10), f"the queued job was never run (the dispatcher looked {len(looked)}x)"
    thread = dispatcher._thread
    if thread is not None:
        thread.join(10)
    assert dispatcher._thread is None  # it left once idle again, and says so


def test_a_kick_after_the_thread_left_starts_a_new_one(monkeypatch):
    dispatcher = jobs.Dispatcher()
    monkeypatch.setattr(jobs, "IDLE_ROUNDS", 0)
    monkeypatch.setattr(jobs.queue, "enabled", lambda: False)
    monkeypatch.setattr(jobs, "next_queued", lambda: None)
    dispatcher.kick()
    first = dispatcher._thread
    assert first is not None
    first.join(10)
    dispatcher.kick()
    assert dispatcher._thread is not None and dispatcher._thread is not first
    dispatcher._thread.join(10)
