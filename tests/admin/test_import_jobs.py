"""CSV imports of many lines run as background jobs (`app.services.import_jobs`).

HQ applies a file of more lines than IMPORT_INLINE_ROWS (2 here) and is sent to the job's
page, which HTMX polls until it has ended: the lines are applied once, all or none, the
passwords work, the audit trail names HQ, the file is gone from the row, and a file that
no longer applies fails at once with the lines' reasons. The database is the committed one
of tests/reports/conftest.py (regions E and S); each test uses names of its own.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import tasks
from app.models import AdminChange, BackgroundJob, Branch, User
from app.security import verify_password
from app.settings import get_settings
from tests.conftest import csrf_of, login
from tests.reports.conftest import committed  # noqa: F401 (the fixture)

HX = {"HX-Request": "true"}


@pytest.fixture
def hq(committed, monkeypatch):  # noqa: F811 (the fixture imported above)
    """HQ's browser with no broker (jobs run on threads here) and a limit of 2 lines."""
    from app.main import create_app

    monkeypatch.setattr(get_settings(), "broker_url", "")
    monkeypatch.setattr(get_settings(), "import_inline_rows", 2)
    with TestClient(create_app(), follow_redirects=False) as client:
        assert login(client, "hq", "hq-password-2026").status_code == 303
        yield client


def _read(query):
    from app.db import new_session

    with new_session(write=False) as db:
        return db.exec(query).all()


def _apply(client, kind: str, text: str):
    token = csrf_of(client, f"/admin/{kind}/import")
    form = {"csrf_token": token, "text": text, "apply": "1"}
    return client.post(f"/admin/{kind}/import", data=form)


def _follow(client, path: str, timeout: float = 120) -> str:
    """The job block as HTMX polls it, until it stops asking to be polled."""
    deadline = time.monotonic() + timeout
    while True:
        block = client.get(path, headers=HX)
        assert block.status_code == 200, block.text[:300]
        if "hx-trigger" not in block.text:
            return block.text
        assert time.monotonic() < deadline, block.text
        time.sleep(0.2)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_large_users_file_is_applied_by_a_job_whose_page_follows_it(hq):
    tag = uuid.uuid4().hex[:6]
    names = [f"shopper-{tag}-{n}" for n in range(4)]
    lines = [f"{name},Shopper {n},shopper,pass-{tag}-word-{n}" for n, name in enumerate(names)]
    response = _apply(hq, "users", "username,name,role,password\n" + "\n".join(lines) + "\n")
    assert response.status_code == 303
    path = response.headers["location"]
    assert re.fullmatch(r"/admin/users/import/jobs/\d+", path)

    page = hq.get(path)  # the whole page, as the redirect shows it
    assert page.status_code == 200 and "Import " in page.text
    shown = _text(_follow(hq, path))
    assert "Import applied: 4 created, 0 updated." in shown
    assert "6 of 6 steps" in shown  # the check, four passwords, the write

    stored = {u.username: u for u in _read(select(User).where(col(User.username).in_(names)))}
    assert set(stored) == set(names)
    assert verify_password(stored[names[2]].password_hash, f"pass-{tag}-word-2")
    hashes = {u.password_hash for u in stored.values()}
    assert len(hashes) == 4
    job_id = int(path.rsplit("/", 1)[1])
    (job,) = _read(select(BackgroundJob).where(BackgroundJob.id == job_id))
    assert job.status == "done" and job.payload is None  # no password stays at rest
    assert job.result == {"create": 4, "update": 0, "unchanged": 0}
    trail = _read(select(AdminChange).where(col(AdminChange.label).in_(names)))
    hq_id = _read(select(User.id).where(User.username == "hq"))[0]
    assert {c.label for c in trail} == set(names) and {c.user_id for c in trail} == {hq_id}

    # A second run of the same job (a duplicate message) finds nothing left to do.
    assert tasks.perform("import_users", [job_id], job_id=job_id) == job.result
    assert len(_read(select(User).where(col(User.username).in_(names)))) == 4


def test_a_small_file_still_applies_in_the_request(hq):
    tag = uuid.uuid4().hex[:6].upper()
    text = f"code,name,region\nQ{tag}1,Quick One,E\nQ{tag}2,Quick Two,S\n"
    response = _apply(hq, "branches", text)
    assert response.status_code == 303 and response.headers["location"] == "/admin/branches"
    codes = {b.code for b in _read(select(Branch).where(col(Branch.code).startswith(f"Q{tag}")))}
    assert codes == {f"Q{tag}1", f"Q{tag}2"}


def test_a_file_that_no_longer_applies_fails_at_once_and_saves_nothing(hq):
    tag = uuid.uuid4().hex[:6].upper()
    text = "code,name,region\n" + "".join(f"L{tag}{n},Late {n},E\n" for n in range(3))
    from app.db import session_scope

    with session_scope() as db:  # the region HQ checked against is renamed meanwhile
        job = tasks.queue_job(
            db,
            user=None,
            kind="import_branches",
            payload=text.replace(",E\n", ",GONE\n", 1).encode(),
            start=False,
        )
    job_id = job.id or 0
    assert tasks.perform("import_branches", [job_id], job_id=job_id) is None
    (stored,) = _read(select(BackgroundJob).where(BackgroundJob.id == job_id))
    assert stored.status == "failed" and stored.attempts == 1  # not tried again
    assert stored.error and "line 2: region: unknown region 'GONE'" in stored.error
    assert not _read(select(Branch).where(col(Branch.code).startswith(f"L{tag}")))
    shown = _text(hq.get(f"/admin/branches/import/jobs/{job_id}", headers=HX).text)
    assert "It stopped: The file no longer applies: line 2: region: unknown region" in shown
    assert "Nothing was saved." in shown


def test_a_job_page_shows_only_its_own_kind(hq):
    from app.db import session_scope

    with session_scope() as db:
        job = tasks.queue_job(db, user=None, kind="import_branches", payload=b"code\n", start=False)
    assert hq.get(f"/admin/branches/import/jobs/{job.id}").status_code == 200
    assert hq.get(f"/admin/users/import/jobs/{job.id}").status_code == 404
    assert hq.get(f"/reports/jobs/{job.id}", headers=HX).status_code == 404
