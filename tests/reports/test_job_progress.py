"""HQ starts a wave's rescore or report warm-up on the reports page and follows it there:
progress, the outcome, a failed attempt's reason while it waits, a failure for good with
its reason, and an unfinished job a stopped server left behind (`app.tasks` job rows).

The programme is `committed`'s (tests/reports/conftest.py): RE1 and RS1 render, RE2's
report fails every time (its zone is unknown), which a job reports without failing.
"""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import tasks
from app.models import BackgroundJob, Wave
from app.settings import get_settings
from tests.conftest import csrf_of, login
from tests.reports.test_worker import WAVE

HX = {"HX-Request": "true"}


@pytest.fixture
def hq(committed, monkeypatch):
    """HQ's browser on the app in this process, with no broker: jobs run on its threads."""
    from app.main import create_app

    monkeypatch.setattr(get_settings(), "broker_url", "")
    with TestClient(create_app(), follow_redirects=False) as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        yield client


def _wave_id() -> int:
    from app.db import new_session

    with new_session(write=False) as db:
        return db.exec(select(Wave).where(Wave.name == WAVE)).one().id or 0


def _newest_job() -> BackgroundJob:
    from app.db import new_session

    with new_session(write=False) as db:
        return db.exec(select(BackgroundJob).order_by(col(BackgroundJob.id).desc())).first()


def _start(client, kind: str, language: str = "en") -> int:
    token = csrf_of(client, f"/reports?wave={_wave_id()}")
    form = {"csrf_token": token, "wave_id": str(_wave_id()), "kind": kind, "language": language}
    response = client.post("/reports/jobs", data=form)
    assert response.status_code == 303, response.text[:300]
    return _newest_job().id or 0


def _follow(client, job_id: int, timeout: float = 300) -> str:
    """Poll the job's fragment as the page does until it stops polling."""
    deadline = time.monotonic() + timeout
    while True:
        fragment = client.get(f"/reports/jobs/{job_id}", headers=HX).text
        if 'hx-trigger="every 1s"' not in fragment:
            return fragment
        assert time.monotonic() < deadline, f"job {job_id} did not finish: {fragment}"
        time.sleep(0.5)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_hq_starts_a_rescore_and_follows_it_to_its_outcome(hq):
    job_id = _start(hq, "rescore_wave")
    page = hq.get(f"/reports?wave={_wave_id()}").text
    assert f'id="task-{job_id}"' in page and "Rescore this wave" in page
    done = _text(_follow(hq, job_id))
    # four scored branches (the competitor too) rescored, then the three own branches'
    # reports (RE2's fails): seven steps
    assert f"Rescore {job_id}" in done and "7 of 7 steps" in done and "Done" in done
    assert "0 scores changed" in done and "2 reports rendered" in done and "failed: RE2" in done
    job = _newest_job()
    assert job.status == "done" and job.attempts == 1 and job.finished_at is not None
    assert job.result is not None and job.result["branches"] == 4


def test_a_warm_up_in_chinese_says_what_it_rendered(hq):
    job_id = _start(hq, "warm_reports", "zh_CN")
    done = _text(_follow(hq, job_id))
    assert f"Warm-up {job_id} · 中文" in done
    assert "2 reports rendered, 0 already ready" in done and "3 of 3 steps" in done


def test_a_job_that_fails_for_good_shows_its_reason(hq, monkeypatch):
    monkeypatch.setattr(get_settings(), "job_max_attempts", 2)
    monkeypatch.setattr(get_settings(), "job_retry_seconds", 1)
    reasons = iter(["the cache disk is offline", "still offline"])

    def broken(*_args, progress):
        progress(1, 3)
        raise RuntimeError(next(reasons))

    monkeypatch.setitem(tasks.TASKS, "warm_reports", broken)
    job_id = _start(hq, "warm_reports")
    waiting = ""
    deadline = time.monotonic() + 30
    while "will be tried again" not in waiting and time.monotonic() < deadline:
        waiting = _text(hq.get(f"/reports/jobs/{job_id}", headers=HX).text)
        time.sleep(0.05)
    assert "Attempt 1 failed (RuntimeError: the cache disk is offline)" in waiting
    failed = _text(_follow(hq, job_id))
    assert "Failed" in failed and "It stopped: RuntimeError: still offline" in failed
    assert "1 of 3 steps" in failed
    assert _newest_job().attempts == 2


def test_a_job_a_stopped_server_left_unfinished_says_so_at_the_next_start(committed, monkeypatch):
    from app.db import new_session
    from app.main import create_app

    monkeypatch.setattr(get_settings(), "broker_url", "")
    with new_session() as db:
        job = BackgroundJob(kind="rescore_wave", wave_id=_wave_id(), status="running", total=6)
        db.add(job)
        db.commit()
    with TestClient(create_app(), follow_redirects=False) as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        fragment = _text(client.get(f"/reports/jobs/{job.id}", headers=HX).text)
    assert "It stopped: the server stopped before the job finished; start it again" in fragment


def test_an_unknown_job_or_missing_language_is_refused_by_name(hq):
    token = csrf_of(hq, f"/reports?wave={_wave_id()}")
    form = {"csrf_token": token, "wave_id": str(_wave_id()), "kind": "drop_tables"}
    response = hq.post("/reports/jobs", data=form, headers=HX)
    assert response.status_code == 422 and "There is no such job." in response.text
    assert hq.get("/reports/jobs/987654", headers=HX).status_code == 404


def test_the_command_records_its_run_too(committed, monkeypatch):
    """`shopmirror warm-reports` without a broker runs here, and the page shows its row."""
    from app.cli import main

    monkeypatch.setattr(get_settings(), "broker_url", "")
    assert main(["warm-reports", WAVE, "--lang", "en"]) == 0
    job = _newest_job()
    assert (job.kind, job.status, job.language, job.done, job.total) == (
        "warm_reports",
        "done",
        "en",
        3,
        3,
    )
