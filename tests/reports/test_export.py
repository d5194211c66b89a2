"""Bulk export across processes: committed data in its own database, the web flow and the CLI.

One branch is deliberately broken (a time zone that does not exist): its report fails,
the failure is listed in the job and in the summary PDF, and every other report is made.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from app.models import ReportJob
from tests.conftest import STORAGE_BACKENDS, csrf_of, fresh_database_url, login, s3_environment
from tests.reports.conftest import pdf_text
from tests.reports.helpers import build_programme

PROJECT = Path(__file__).resolve().parents[2]
WAVE = "R-2026-Q3"


@pytest.fixture(scope="module", params=STORAGE_BACKENDS)
def committed(request, tmp_path_factory, engine):
    """A migrated database of its own with the programme committed; the app points at it.

    Once with the media directory, once with the S3 test server (the pool's spawned
    workers and the CLI read the same store through their environment)."""
    from app.db import get_engine, make_engine
    from app.migrate import upgrade_head
    from app.services.auth import create_user
    from app.settings import get_settings

    var_dir = tmp_path_factory.mktemp("export-var")
    url = fresh_database_url(var_dir)
    own = make_engine(url)
    with own.connect() as conn:
        upgrade_head(conn)
        conn.commit()
    environment = {
        "DATABASE_URL": url,
        "VAR_DIR": str(var_dir),
        "MEDIA_DIR": str(var_dir / "media"),
        "BROKER_URL": "",  # these exports run in-process (tests/reports/test_worker.py: queued)
    }
    if request.param == "s3":
        environment |= s3_environment(request.getfixturevalue("s3_endpoint"))
    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)
    get_settings.cache_clear()
    get_engine.cache_clear()
    with Session(own, expire_on_commit=False) as db:
        programme = build_programme(db)
        programme.branches["E2"].timezone = "Mars/Olympus_Mons"
        db.add(programme.branches["E2"])
        create_user(db, username="hq", name="HQ", role="admin", password="hq-password-2026")
        db.commit()
    own.dispose()
    yield {"url": url, "var_dir": var_dir, "programme": programme, "backend": request.param}
    get_engine().dispose()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    get_engine.cache_clear()


def _wait_for(client, job_id: int) -> str:
    """Poll the progress fragment like the page does until the job leaves the queue."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        fragment = client.get(f"/reports/exports/{job_id}", headers={"HX-Request": "true"}).text
        if 'hx-trigger="every 1s"' not in fragment:
            return fragment
        time.sleep(1)
    raise AssertionError(f"export {job_id} did not finish: {fragment}")


def test_hq_exports_a_wave_in_the_background(committed):
    from fastapi.testclient import TestClient

    from app.db import new_session
    from app.main import create_app

    programme = committed["programme"]
    with TestClient(create_app(), follow_redirects=False) as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        wave = programme.waves[-1]
        token = csrf_of(client, f"/reports?wave={wave.id}")
        response = client.post(
            "/reports/exports", data={"wave_id": wave.id, "language": "en", "csrf_token": token}
        )
        assert response.status_code == 303
        with new_session(write=False) as db:
            job = db.exec(select(ReportJob).order_by(ReportJob.id.desc())).first()
        fragment = _wait_for(client, job.id)
        assert "3 of 3 reports" in fragment and "Mars/Olympus_Mons" in fragment
        download = client.get(f"/reports/exports/{job.id}/download")
        if committed["backend"] == "s3":  # a presigned URL, issued only after the admin check
            assert download.status_code == 303
            signed = download.headers["location"]
            assert signed.startswith(os.environ["S3_ENDPOINT_URL"]) and "X-Amz-Signature" in signed
            assert "X-Amz-Expires=300" in signed
            download = httpx.get(signed)
            assert 'filename="reports_' in download.headers["content-disposition"]
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/zip"
    with new_session(write=False) as db:
        job = db.get(ReportJob, job.id)
    assert job.status == "done" and (job.done, job.total) == (3, 3)
    assert [f["branch"] for f in job.failures] == ["RE2"]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert sorted(archive.namelist()) == [
        "00-summary.pdf",
        f"RE1_{WAVE}_en.pdf",
        f"RS1_{WAVE}_en.pdf",
    ]
    assert "Report East One" in pdf_text(archive.read(f"RE1_{WAVE}_en.pdf"))
    modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
    assert set(modes.values()) == {0o644}, modes  # unpacked files readable by the group
    summary = pdf_text(archive.read("00-summary.pdf"))
    assert "These branches' reports could not be produced" in summary
    assert "RE2" in summary and "Mars/Olympus_Mons" in summary
    ranking = summary[summary.index("Ranking") :]
    assert ranking.index("RS1") < ranking.index("RE1"), "best score first"


def _cli(committed, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {
        "DATABASE_URL": committed["url"],
        "VAR_DIR": str(committed["var_dir"]),
        "MEDIA_DIR": str(committed["var_dir"] / "media"),
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "report", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("committed", ["local"], indirect=True)  # storage: covered by the others
def test_cli_writes_one_report(committed, tmp_path):
    target = tmp_path / "re1.pdf"
    done = _cli(committed, "RE1", WAVE, "-o", str(target), "--lang", "zh-CN")
    assert done.returncode == 0, done.stderr
    assert "暗访审核报告" in pdf_text(target.read_bytes())
    wrong = _cli(committed, "NOPE", WAVE, "-o", str(tmp_path / "x.pdf"))
    assert wrong.returncode == 2 and "Not found" in wrong.stderr
    wrong = _cli(committed, "RE1", WAVE, "-o", str(tmp_path / "x.pdf"), "--lang", "fr")
    assert wrong.returncode == 2 and "--lang: must be one of en, zh_CN" in wrong.stderr


def test_cli_exports_every_branch_and_reports_the_broken_one(committed, tmp_path):
    target = tmp_path / "all.zip"
    done = _cli(committed, "--wave", WAVE, "--all", "-o", str(target), "--workers", "2")
    assert done.returncode == 1, done.stderr  # one branch failed
    assert "failed: RE2" in done.stderr
    assert "2 of 3 reports" in done.stdout
    names = zipfile.ZipFile(target).namelist()
    assert len(names) == 3 and "00-summary.pdf" in names


@pytest.mark.parametrize("committed", ["local"], indirect=True)  # storage: covered by the others
def test_an_export_interrupted_by_a_restart_resumes(committed):
    """A job left 'running' by a server that died is queued again and finished at start-up."""
    from fastapi.testclient import TestClient

    from app.db import new_session
    from app.main import create_app

    wave = committed["programme"].waves[-1]
    with new_session() as db:
        job = ReportJob(wave_id=wave.id, language="en", status="running", total=3, done=1)
        db.add(job)
        db.commit()
    with TestClient(create_app(), follow_redirects=False) as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        fragment = _wait_for(client, job.id)
        assert "3 of 3 reports" in fragment
    with new_session(write=False) as db:
        finished = db.get(ReportJob, job.id)
    assert finished.status == "done" and finished.done == 3 and finished.path


def test_old_export_zips_are_deleted_and_the_page_says_so(committed):
    """A ZIP past EXPORT_KEEP_DAYS goes when another export finishes; the job says why."""
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from app import storage
    from app.db import new_session
    from app.main import create_app
    from app.models import utcnow
    from app.reports.export import run_job
    from app.settings import get_settings

    wave = committed["programme"].waves[-1]
    store = storage.backend()
    with new_session() as db:
        # "running", not "queued": the dispatcher thread of an earlier test must not take them
        old = ReportJob(wave_id=wave.id, language="en", status="running")
        recent = ReportJob(wave_id=wave.id, language="en", status="running")
        db.add_all([old, recent])
        db.commit()
        old_id, recent_id = old.id, recent.id
    run_job(old_id, workers=1)
    with new_session() as db:
        job = db.get(ReportJob, old_id)
        old_zip = job.path
        job.finished_at = utcnow() - timedelta(days=get_settings().export_keep_days + 1)
        db.add(job)
        db.commit()
    assert store.exists(old_zip)

    run_job(recent_id, workers=1)

    with new_session(write=False) as db:
        assert db.get(ReportJob, old_id).path is None
        assert store.exists(db.get(ReportJob, recent_id).path)
    assert not store.exists(old_zip)
    with TestClient(create_app(), follow_redirects=False) as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        fragment = client.get(f"/reports/exports/{old_id}", headers={"HX-Request": "true"}).text
        assert "deleted to save space" in fragment and "Download ZIP" not in fragment
        assert client.get(f"/reports/exports/{old_id}/download").status_code == 404
        served = client.get(f"/reports/exports/{recent_id}/download")
        assert served.status_code == (303 if committed["backend"] == "s3" else 200)


def test_a_failed_export_leaves_no_zip_behind(committed, monkeypatch):
    """The ZIP is built in a local scratch file and stored whole, so a job that fails half
    way (here: its summary) stores nothing and leaves no scratch file."""
    from app.db import new_session
    from app.reports import export
    from tests.conftest import stored_keys

    def broken_summary(*args, **kwargs):
        raise RuntimeError("summary failed")

    monkeypatch.setattr(export, "render_summary", broken_summary)
    wave = committed["programme"].waves[-1]
    with new_session() as db:
        job = ReportJob(wave_id=wave.id, language="en", status="running")
        db.add(job)
        db.commit()
        job_id = job.id
    with pytest.raises(RuntimeError, match="summary failed"):
        export.run_job(job_id, workers=1)
    assert [k for k in stored_keys("report-exports/") if f"job-{job_id}." in k] == []
    assert list((committed["var_dir"] / "tmp").glob("*")) == []  # S3's scratch folder
