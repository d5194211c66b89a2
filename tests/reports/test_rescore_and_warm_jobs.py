"""Rescoring a wave and warming its report cache as jobs (`app.tasks`).

In-process (no BROKER_URL: the job runs on a thread of this process) and on the real
Redis with `shopmirror worker` subprocesses, started by the same fixtures as the export
worker tests (tests/reports/conftest.py). The programme is `committed`'s: RE1 and RS1
render; RE2's zone is unknown, so its report fails every time (a failed branch must not
fail the job).
"""

from __future__ import annotations

import logging
import time

import pytest
from sqlmodel import col, select

from app import tasks
from app.models import BranchWaveScore, Visit, VisitScore, Wave
from app.reports import cache
from app.settings import get_settings
from tests.conftest import stored_keys
from tests.reports.test_worker import WAVE

RENDERED = ["RE1", "RS1"]


@pytest.fixture
def in_process(committed, monkeypatch):
    monkeypatch.setattr(get_settings(), "broker_url", "")
    return committed


def _wave_id() -> int:
    from app.db import new_session

    with new_session(write=False) as db:
        wave = db.exec(select(Wave).where(Wave.name == WAVE)).one()
        return wave.id


def _spoil_scores(wave_id: int) -> dict[int, float]:
    """Overwrite the wave's stored scores as a scoring bug would have left them; returns
    the right ones (what the engine computes) by visit id."""
    from app.db import new_session

    with new_session() as db:
        rows = db.exec(select(VisitScore).join(Visit).where(Visit.wave_id == wave_id)).all()
        right = {row.visit_id: row.score for row in rows}
        for row in rows:
            row.score, row.result = 1.0, {"score": 1.0}
            db.add(row)
        db.commit()
    return right


def _scores(wave_id: int) -> dict[int, float]:
    from app.db import new_session

    with new_session(write=False) as db:
        rows = db.exec(select(VisitScore).join(Visit).where(Visit.wave_id == wave_id)).all()
        return {row.visit_id: row.score for row in rows}


def _aggregates(wave_id: int) -> dict[int, tuple[float | None, object]]:
    from app.db import new_session

    with new_session(write=False) as db:
        rows = db.exec(select(BranchWaveScore).where(BranchWaveScore.wave_id == wave_id))
        return {row.branch_id: (row.score, row.updated_at) for row in rows}


def _cached_reports(wave_id: int, language: str) -> dict[str, str]:
    """Branch code -> its report's cache key, for the branches whose report is cached."""
    from app.db import new_session
    from app.models import Branch

    found = {}
    with new_session(write=False) as db:
        wave = db.get(Wave, wave_id)
        for code in ("RE1", "RS1"):
            branch = db.exec(select(Branch).where(col(Branch.code) == code)).one()
            key = cache.content_key(db, branch=branch, wave=wave, language=language)
            if cache.is_cached(key):
                found[code] = cache.cached_key(key)
    return found


def test_a_rescore_job_in_process_repairs_scores_refreshes_aggregates_and_warms(in_process):
    wave_id = _wave_id()
    right = _spoil_scores(wave_id)
    assert set(_scores(wave_id).values()) == {1.0}

    thread = tasks.submit("rescore_wave", wave_id)
    assert thread is not None, "no broker: it runs on a thread of this process"
    thread.join(300)
    assert not thread.is_alive()

    assert _scores(wave_id) == right
    aggregates = _aggregates(wave_id)
    assert all(score is not None and score > 1.0 for score, _ in aggregates.values())
    assert sorted(_cached_reports(wave_id, get_settings().default_language)) == RENDERED

    again = tasks.perform("rescore_wave", [wave_id])
    assert again is not None and again["changed"] == 0, "a repeat changes nothing"
    assert again["reports"]["rendered"] == 0 and again["reports"]["cached"] == 2
    assert list(again["reports"]["failed"]) == ["RE2"]
    assert _aggregates(wave_id) == aggregates, "not even the aggregates' timestamps"


def test_a_warm_up_job_renders_only_what_the_cache_lacks(in_process):
    wave_id = _wave_id()
    assert stored_keys("reports-cache/") == []
    first = tasks.perform("warm_reports", [wave_id, "zh_CN"])
    assert first is not None
    assert (first["rendered"], first["cached"], list(first["failed"])) == (2, 0, ["RE2"])
    keys = _cached_reports(wave_id, "zh_CN")
    assert sorted(keys) == RENDERED and sorted(stored_keys("reports-cache/")) == sorted(
        keys.values()
    )
    second = tasks.perform("warm_reports", [wave_id, "zh_CN"])
    assert second == {"rendered": 0, "cached": 2, "failed": first["failed"]}


def test_a_job_that_keeps_failing_is_retried_with_backoff_then_given_up(
    in_process, monkeypatch, caplog
):
    monkeypatch.setattr(get_settings(), "job_max_attempts", 2)
    monkeypatch.setattr(get_settings(), "job_retry_seconds", 1)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="app.tasks"):
        assert tasks.perform("warm_reports", [987654, "en"]) is None  # no such wave
    assert time.monotonic() - started >= 1, "the retry waited JOB_RETRY_SECONDS"
    messages = [r.getMessage() for r in caplog.records]
    assert any("attempt 1 failed (NotFound" in m for m in messages), messages
    assert any("failed for good after 2 runs" in m for m in messages), messages


def _wait(what: str, until, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.02)


def test_a_worker_runs_the_rescore_job_sent_to_redis(broker_env, workers):
    wave_id = _wave_id()
    right = _spoil_scores(wave_id)
    workers(broker_env)
    assert tasks.submit("rescore_wave", wave_id) is None, "sent to the broker, not run here"
    language = get_settings().default_language
    _wait("the worker's rescore", lambda: _scores(wave_id) == right)
    _wait("the worker's warm-up", lambda: sorted(_cached_reports(wave_id, language)) == RENDERED)


def test_a_warm_up_whose_worker_is_killed_is_finished_by_another(broker_env, workers):
    """SIGKILL after the first report: the message comes back, the second worker renders
    the rest and leaves the finished report alone."""
    from app import storage

    wave_id = _wave_id()
    first = workers(broker_env)
    tasks.submit("warm_reports", wave_id, "zh_CN")
    _wait("the first report", lambda: len(_cached_reports(wave_id, "zh_CN")) >= 1)
    first.kill()
    done = _cached_reports(wave_id, "zh_CN")
    assert len(done) == 1, f"killed in the middle, not after: {done}"
    [(code, key)] = done.items()
    before = next(s.modified for s in storage.backend().list(key))

    workers(broker_env)
    _wait("the second worker's finish", lambda: len(_cached_reports(wave_id, "zh_CN")) == 2)
    assert next(s.modified for s in storage.backend().list(key)) == before, (
        f"{code}'s report, already cached, was not drawn again"
    )


def test_the_commands_run_the_job_here_without_a_broker_and_name_a_wrong_wave(in_process):
    import os
    import subprocess
    import sys

    from tests.reports.conftest import PROJECT

    env = os.environ | {"BROKER_URL": ""}

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    warm = command("warm-reports", WAVE, "--lang", "en")
    assert warm.returncode == 0, warm.stderr
    assert f'warm_reports of {WAVE}: {{"rendered": 2, "cached": 0' in warm.stdout
    assert sorted(_cached_reports(_wave_id(), "en")) == RENDERED
    rescore = command("rescore", WAVE)
    assert rescore.returncode == 0, rescore.stderr
    assert '"changed": 0' in rescore.stdout
    missing = command("rescore", "no-such-wave")
    assert missing.returncode == 2 and "wave: No wave named no-such-wave" in missing.stderr
    assert command("warm-reports", WAVE, "--lang", "fr").returncode == 2
