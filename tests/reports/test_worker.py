"""Bulk exports on the job queue: real `shopmirror worker` processes on this machine's Redis.

The web side is the app in this process with BROKER_URL set (its requests only queue);
the workers are subprocesses. Heartbeats beat every second here, so a dead run is stale
after three. Redis must be reachable: without it these tests skip, except under CI=true,
where they fail.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from app.models import ReportJob
from tests.conftest import csrf_of, login
from tests.reports.conftest import clear_caches, pdf_text

PROJECT = Path(__file__).resolve().parents[2]
WAVE = "R-2026-Q3"


def _job(job_id: int) -> ReportJob:
    from app.db import new_session

    with new_session(write=False) as db:
        job = db.get(ReportJob, job_id)
        assert job is not None
        return job


def _wait(job_id: int, until, what: str, timeout: float = 180) -> ReportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(job_id)
        if until(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"export {job_id}: {what} did not happen: {job}")


def _start_export(client, wave_id: int, language: str) -> int:
    from app.db import new_session

    token = csrf_of(client, f"/reports?wave={wave_id}")
    response = client.post(
        "/reports/exports", data={"wave_id": wave_id, "language": language, "csrf_token": token}
    )
    assert response.status_code == 303
    with new_session(write=False) as db:
        job = db.exec(select(ReportJob).order_by(ReportJob.id.desc())).first()
    assert job is not None
    return job.id


def _fragment(client, job_id: int) -> str:
    return client.get(f"/reports/exports/{job_id}", headers={"HX-Request": "true"}).text


def _hq_client():
    from fastapi.testclient import TestClient

    from app.main import create_app

    return TestClient(create_app(), follow_redirects=False)


def test_start_up_requeues_only_jobs_whose_heartbeat_stopped(committed):
    """A running job with a live heartbeat is another process's: nobody takes it or resets it."""
    from app.db import new_session
    from app.models import utcnow
    from app.reports.jobs import claim, requeue_stale
    from app.settings import get_settings

    wave = committed["programme"].waves[-1]
    stale = get_settings().job_stale_seconds
    with new_session() as db:
        live = ReportJob(
            wave_id=wave.id, status="running", owner="other:1:a", heartbeat_at=utcnow(), done=2
        )
        dead = ReportJob(
            wave_id=wave.id,
            status="running",
            owner="gone:2:b",
            heartbeat_at=utcnow() - timedelta(seconds=stale + 5),
            done=2,
        )
        db.add_all([live, dead])
        db.commit()
        live_id, dead_id = live.id, dead.id

    assert requeue_stale() == [dead_id]
    assert (_job(live_id).status, _job(live_id).owner, _job(live_id).done) == (
        "running",
        "other:1:a",
        2,
    )
    assert (_job(dead_id).status, _job(dead_id).owner, _job(dead_id).done) == ("queued", None, 0)
    with new_session() as db:
        assert claim(db, live_id, owner="me:3:c") == "busy"
        assert claim(db, dead_id, owner="me:3:c") == "claimed"
        assert claim(db, dead_id, owner="you:4:d") == "busy"  # now ours, beating
        for job in db.exec(select(ReportJob).where(ReportJob.id.in_([live_id, dead_id]))):
            job.status = "failed"  # out of the later tests' queue
            db.add(job)
        db.commit()
    assert _job(dead_id).attempts == 1


def test_a_job_whose_runs_keep_dying_fails_for_good_and_leaves_no_partial_zip(committed):
    """Killed runs count as attempts: the last one's job fails with the reason, its temp gone."""
    from app.db import new_session
    from app.models import utcnow
    from app.reports.jobs import claim
    from app.settings import get_settings

    settings = get_settings()
    exports = settings.resolved_media_dir / "report-exports"
    with new_session() as db:
        job = ReportJob(
            wave_id=committed["programme"].waves[-1].id,
            status="running",
            owner="gone:2:b",
            heartbeat_at=utcnow() - timedelta(seconds=settings.job_stale_seconds + 5),
            attempts=settings.job_max_attempts,
        )
        db.add(job)
        db.commit()
        job_id = job.id
    exports.mkdir(parents=True, exist_ok=True)
    partial = exports / f".job-{job_id}.zip.deadbeef.part"
    partial.write_bytes(b"PK half a zip")
    with new_session() as db:
        assert claim(db, job_id, owner="me:3:c") == "finished"
    failed = _job(job_id)
    assert failed.status == "failed" and "attempts used up" in failed.error
    assert failed.attempts == settings.job_max_attempts, "no further run was started"
    assert not partial.exists()


def test_a_worker_process_runs_the_export_the_page_queued(broker_env, workers):
    worker = workers(broker_env)
    from app.db import new_session
    from app.models import Wave

    with new_session(write=False) as db:
        wave = db.exec(select(Wave).where(Wave.name == WAVE)).one()
    with _hq_client() as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        job_id = _start_export(client, wave.id, "en")
        job = _wait(job_id, lambda j: j.status == "done", "the worker's finish")
        fragment = _fragment(client, job_id)
        assert "3 of 3 reports" in fragment and "Download ZIP" in fragment
        download = client.get(f"/reports/exports/{job_id}/download")
    assert job.owner and job.owner.split(":")[1] == str(worker.pid), "run by the worker"
    assert job.attempts == 1
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == [
        "00-summary.pdf",
        f"RE1_{WAVE}_en.pdf",
        f"RS1_{WAVE}_en.pdf",
    ]
    assert "Report East One" in pdf_text(archive.read(f"RE1_{WAVE}_en.pdf"))


def test_a_worker_killed_during_an_export_leaves_it_to_another(broker_env, workers, committed):
    """SIGKILL mid-export: no ZIP is offered, the message goes back, a second worker finishes."""
    from app.db import new_session
    from app.models import Wave
    from app.settings import get_settings

    exports = get_settings().resolved_media_dir / "report-exports"
    with new_session(write=False) as db:
        wave = db.exec(select(Wave).where(Wave.name == WAVE)).one()
    first = workers(broker_env)
    with _hq_client() as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        job_id = _start_export(client, wave.id, "zh_CN")
        running = _wait(
            job_id,
            lambda j: j.status == "running" and 1 <= j.done < j.total,
            "the first branch's report",
        )
        assert running.owner.split(":")[1] == str(first.pid)
        first.kill()

        assert list(exports.glob(f".job-{job_id}.zip.*.part")), (
            "the half-written ZIP, under a temp name"
        )
        assert not (exports / f"job-{job_id}.zip").exists()
        assert client.get(f"/reports/exports/{job_id}/download").status_code == 404
        assert "Download ZIP" not in _fragment(client, job_id)

        second = workers(broker_env)
        job = _wait(job_id, lambda j: j.status == "done", "the second worker's finish")
        assert job.owner.split(":")[1] == str(second.pid)
        assert job.attempts == 2 and (job.done, job.total) == (3, 3)
        assert [f["branch"] for f in job.failures] == ["RE2"]
        assert "3 of 3 reports" in _fragment(client, job_id)
        download = client.get(f"/reports/exports/{job_id}/download")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == [
        "00-summary.pdf",
        f"RE1_{WAVE}_zh-CN.pdf",
        f"RS1_{WAVE}_zh-CN.pdf",
    ]
    assert "暗访审核报告" in pdf_text(archive.read(f"RE1_{WAVE}_zh-CN.pdf"))
    assert not list(exports.glob(f".job-{job_id}.zip.*.part")), "the dead run's temp file is gone"


def test_a_failing_export_is_retried_with_its_reason_shown_then_fails_for_good(
    broker_env, workers, tmp_path
):
    """An attempt that fails says why and comes back after a backoff; the last one fails it."""
    from app.db import new_session
    from app.models import Wave

    media = tmp_path / "media"
    media.mkdir()
    blocker = media / "report-exports"
    blocker.write_text("a file where the worker's export folder should be")
    env = broker_env | {"MEDIA_DIR": str(media), "JOB_MAX_ATTEMPTS": "2", "JOB_RETRY_SECONDS": "3"}
    with new_session(write=False) as db:
        wave = db.exec(select(Wave).where(Wave.name == WAVE)).one()
    workers(env)
    with _hq_client() as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        job_id = _start_export(client, wave.id, "en")
        retrying = _wait(job_id, lambda j: j.error is not None, "the first attempt's failure")
        seen = time.monotonic()
        assert (retrying.status, retrying.attempts) == ("queued", 1)
        fragment = _fragment(client, job_id)
        assert "Attempt 1 failed (FileExistsError" in fragment and "tried again" in fragment
        assert 'hx-trigger="every 1s"' in fragment, "the page keeps following it"
        failed = _wait(job_id, lambda j: j.status == "failed", "the second attempt's failure")
        assert failed.attempts == 2
        assert time.monotonic() - seen > 2, "the retry waited JOB_RETRY_SECONDS (3 s)"
        fragment = _fragment(client, job_id)
        assert "Export failed" in fragment and "The export stopped: FileExistsError" in fragment
        assert 'hx-trigger="every 1s"' not in fragment

        job_id = _start_export(client, wave.id, "en")
        _wait(job_id, lambda j: j.error is not None, "the first attempt's failure")
        blocker.unlink()  # the cause goes away before the retry: the retry succeeds
        job = _wait(job_id, lambda j: j.status == "done", "the retry's success")
    assert job.attempts == 2 and job.error is None
    assert zipfile.ZipFile(media / job.path).testzip() is None


def test_an_export_queued_while_redis_is_unreachable_fails_at_once_saying_so(
    broker_env, monkeypatch
):
    from app.db import new_session
    from app.models import Wave

    monkeypatch.setenv("BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    clear_caches()
    try:
        with new_session(write=False) as db:
            wave = db.exec(select(Wave).where(Wave.name == WAVE)).one()
        with _hq_client() as client:
            assert login(client, "hq", "hq-password-2026").status_code == 303
            job_id = _start_export(client, wave.id, "en")
            fragment = _fragment(client, job_id)
    finally:
        monkeypatch.undo()
        clear_caches()
    job = _job(job_id)
    assert job.status == "failed" and job.error.startswith("job queue unreachable")
    assert "The export stopped: job queue unreachable" in fragment


def test_the_worker_command_without_a_broker_says_which_setting_is_missing(committed):
    env = os.environ | {"BROKER_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "BROKER_URL: set it to a redis:// URL to run a worker" in done.stderr


def test_two_live_workers_never_run_the_same_export(broker_env, workers):
    """Whichever worker takes it, the other never claims it while its heartbeat beats."""
    from app.db import new_session
    from app.models import Wave

    with new_session(write=False) as db:
        wave = db.exec(select(Wave).where(Wave.name == WAVE)).one()
    pids = {str(workers(broker_env).pid), str(workers(broker_env).pid)}
    with _hq_client() as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        job_id = _start_export(client, wave.id, "en")
        owners = set()
        deadline = time.monotonic() + 180
        while (job := _job(job_id)).status != "done":
            assert time.monotonic() < deadline, job
            if job.owner:
                owners.add(job.owner)
            time.sleep(0.05)
    assert job.attempts == 1 and owners == {job.owner}, owners
    assert job.owner.split(":")[1] in pids
