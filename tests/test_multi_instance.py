"""Two app instances and job workers on shared parts: the compose topology without Docker.

One fresh PostgreSQL database (migrated and loaded with the demo by the CLI, as the
compose `migrate` service does), two uvicorn instances on different ports and `shopmirror
worker` processes, all with the same DATABASE_URL, SECRET_KEY, Redis (a key prefix of this
module's own) and bucket on moto's S3 server, and each with a VAR_DIR of its own: nothing
can be shared through one machine's disk or one process's memory. The clients are plain
httpx clients, a cookie jar each, sending their requests to either instance.

Needs this machine's PostgreSQL and Redis: without them the module skips, except under
CI=true, where it fails.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.conftest import CSRF_RE, fresh_postgres_url, s3_environment
from tests.e2e.conftest import LiveServer, _free_port
from tests.reports.conftest import QUICK, REDIS_URL, Worker, redis_namespace

__all__ = ["redis_namespace"]  # the fixture, used below
DEMO_DAY = "2026-11-22"
EXPORT_SECONDS = 240  # a loaded 2-core machine takes a minute or two for an export
SECRET = "multi-instance-test-secret-" + "k" * 16
HQ = ("admin", "demo-admin-2026")
SHOPPER = ("shopper", "demo-shopper-2026")
ANSWERS = [("greeting-words", "yes"), ("staff-appearance", "no"), ("store-tidy", "4")]


@dataclass
class Cluster:
    """The running topology: the instances' URLs, the database, the bucket, the workers."""

    env: dict[str, str]
    urls: list[str]
    engine: Engine
    bucket: str
    s3: Any
    tmp: Path
    workers: list[Worker] = field(default_factory=list)

    def worker(self) -> Worker:
        """Start one more `shopmirror worker` (a VAR_DIR of its own)."""
        n = len(self.workers) + 1
        var_dir = self.tmp / f"worker-{n}"
        var_dir.mkdir()
        started = Worker(self.env | {"VAR_DIR": str(var_dir)}, self.tmp / f"worker-{n}.log")
        self.workers.append(started)
        return started

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def stored(self, prefix: str) -> list[str]:
        found = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(o["Key"] for o in found.get("Contents", []))


def _run_cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, s3_endpoint, redis_namespace) -> Iterator[Cluster]:
    import boto3

    tmp = tmp_path_factory.mktemp("multi")
    url = fresh_postgres_url()
    storage = s3_environment(s3_endpoint)
    env = {
        **QUICK,
        **storage,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "BROKER_URL": REDIS_URL,
        "BROKER_NAMESPACE": redis_namespace,
        "SHOPMIRROR_TODAY": DEMO_DAY,
        "SHOPMIRROR_CLOCK": DEMO_DAY,
        "LOGIN_MAX_FAILURES": "3",
        "PYTHONUNBUFFERED": "1",
    }
    env = {k: v for k, v in os.environ.items() if k != "MEDIA_DIR"} | env
    (tmp / "setup").mkdir()
    _run_cli(env | {"VAR_DIR": str(tmp / "setup")}, "migrate")
    _run_cli(env | {"VAR_DIR": str(tmp / "setup")}, "demo")
    servers = []
    for n in (1, 2):
        (tmp / f"app-{n}").mkdir()
        servers.append(LiveServer(env | {"VAR_DIR": str(tmp / f"app-{n}")}, _free_port()))
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    engine = create_engine(url)
    found = Cluster(env, [s.url for s in servers], engine, storage["S3_BUCKET"], s3, tmp)
    with ThreadPoolExecutor() as pool:  # the three processes start (import the app) at once
        started = [pool.submit(s.start, 120) for s in servers] + [pool.submit(found.worker)]
    for future in started:
        future.result()
    yield found
    for worker in found.workers:
        worker.kill()
    for server in servers:
        server.kill()
    engine.dispose()


def _login(cluster: Cluster, who: tuple[str, str], instance: int = 0) -> httpx.Client:
    """A client logged in on one instance (its cookies go to the other through `_on`)."""
    client = httpx.Client(base_url=cluster.urls[instance], timeout=60)
    page = client.get("/login")
    token = CSRF_RE.search(page.text)
    assert token, page.text[:500]
    response = client.post(
        "/login", data={"username": who[0], "password": who[1], "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, response.text[:500]
    return client


def _on(client: httpx.Client, cluster: Cluster, instance: int) -> httpx.Client:
    """The same browser (cookie jar) talking to another instance."""
    return httpx.Client(base_url=cluster.urls[instance], timeout=60, cookies=client.cookies)


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 40, 40)).save(out, "JPEG", quality=85)
    return out.getvalue()


def test_a_shoppers_answers_sent_to_both_instances_are_stored_once(cluster):
    first = _login(cluster, SHOPPER, 0)
    second = _on(first, cluster, 1)
    both = [first, second]
    (visit_id,) = cluster.rows(
        'SELECT v.id FROM visit v JOIN "user" u ON u.id = v.shopper_id'
        " WHERE u.username = 'shopper' AND v.status = 'assigned'"
        " AND v.due_from <= :now AND v.due_until >= :now ORDER BY v.id LIMIT 1",
        now=DEMO_DAY + " 12:00:00+00",
    )[0]
    page = second.get(f"/visits/{visit_id}")
    assert page.status_code == 200, page.text[:300]
    csrf = CSRF_RE.search(page.text).group(1)  # from instance 2's page, used on both
    headers = {"x-csrf-token": csrf, "accept": "application/json"}
    sent: dict[str, str] = {}
    for n, (item, value) in enumerate(ANSWERS * 2):
        client_id = uuid.uuid4().hex
        data = {"item_id": item, "value": value, "client_id": client_id}
        response = both[n % 2].post(f"/visits/{visit_id}/answers", data=data, headers=headers)
        assert response.status_code == 200, response.text[:300]
        sent[item] = client_id
        if n == 0:  # the phone's outbox sends it again, to the other instance
            again = both[1].post(f"/visits/{visit_id}/answers", data=data, headers=headers)
            assert again.status_code == 200, again.text[:300]
    stored = cluster.rows(
        "SELECT item_id, client_id FROM answer WHERE visit_id = :v ORDER BY item_id", v=visit_id
    )
    assert sorted(map(tuple, stored)) == sorted(sent.items())

    photo = {"item_id": "storefront", "client_id": uuid.uuid4().hex}
    files = {"file": ("shop.jpg", _photo(), "image/jpeg")}
    uploaded = first.post(f"/visits/{visit_id}/photos", data=photo, files=files, headers=headers)
    assert uploaded.status_code == 201, uploaded.text[:300]
    repeated = second.post(f"/visits/{visit_id}/photos", data=photo, files=files, headers=headers)
    assert repeated.status_code == 201 and repeated.json()["created"] is False
    assert repeated.json()["id"] == uploaded.json()["id"]
    rows = cluster.rows("SELECT id FROM photo WHERE visit_id = :v", v=visit_id)
    assert [r[0] for r in rows] == [uploaded.json()["id"]]
    for path in (uploaded.json()["url"], uploaded.json()["thumb"]):
        fetched = second.get(path)
        assert fetched.status_code == 200, path
        assert Image.open(io.BytesIO(fetched.content)).format == "JPEG"
    assert len(cluster.stored(f"visits/{visit_id}/")) == 2, "the photo and its thumbnail in S3"


def _export(
    cluster: Cluster, client: httpx.Client, wave_id: int, language: str, region: str = ""
) -> int:
    page = client.get(f"/reports?wave={wave_id}")
    token = CSRF_RE.search(page.text).group(1)
    form = {"wave_id": wave_id, "language": language, "region_id": region, "csrf_token": token}
    started = client.post("/reports/exports", data=form)
    assert started.status_code == 303, started.text[:300]
    return cluster.rows("SELECT max(id) FROM reportjob")[0][0]


def _job(cluster: Cluster, job_id: int):
    return cluster.rows(
        "SELECT status, done, total, owner, attempts, path FROM reportjob WHERE id = :j", j=job_id
    )[0]


def _wait(
    cluster: Cluster, job_id: int, until: Callable, what: str, timeout: float = EXPORT_SECONDS
):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(cluster, job_id)
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"export {job_id}: {what} did not happen: {job}")


def _closed_wave(cluster: Cluster) -> int:
    """The latest wave that has ended (every branch visited and approved)."""
    return cluster.rows(
        "SELECT id FROM wave WHERE ends_on < :day ORDER BY ends_on DESC LIMIT 1", day=DEMO_DAY
    )[0][0]


def _download(client: httpx.Client, job_id: int) -> zipfile.ZipFile:
    response = client.get(f"/reports/exports/{job_id}/download", follow_redirects=True)
    assert response.status_code == 200, response.text[:300]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    return archive


def test_an_export_started_on_one_instance_is_followed_and_downloaded_on_the_other(cluster):
    first = _login(cluster, HQ, 0)
    second = _on(first, cluster, 1)
    wave_id = _closed_wave(cluster)
    job_id = _export(cluster, first, wave_id, "en")
    seen: set[str] = set()
    deadline = time.monotonic() + EXPORT_SECONDS
    while "Download ZIP" not in (fragment := _fragment(second, job_id)):
        assert time.monotonic() < deadline, fragment
        seen.update(re.findall(r"\d+ of \d+ reports", fragment))
        time.sleep(0.2)
    status, done, total, owner, _attempts, _path = _job(cluster, job_id)
    assert (status, done) == ("done", total) and f"{total} of {total} reports" in fragment
    assert owner.split(":")[1] == str(cluster.workers[0].pid), "run by the worker"
    archive = _download(second, job_id)
    assert len(archive.namelist()) == total + 1  # every branch and the summary
    assert "00-summary.pdf" in archive.namelist()


def _fragment(client: httpx.Client, job_id: int) -> str:
    response = client.get(f"/reports/exports/{job_id}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.text


def test_login_failures_on_both_instances_add_up(cluster):
    def attempt(instance: int, password: str) -> int:
        """A login on one instance, its form (and pre-login CSRF cookie) from the other."""
        with httpx.Client(base_url=cluster.urls[1 - instance], timeout=60) as form:
            token = CSRF_RE.search(form.get("/login").text).group(1)
            cookies = form.cookies
        with httpx.Client(base_url=cluster.urls[instance], timeout=60, cookies=cookies) as client:
            data = {"username": "shopper3", "password": password, "csrf_token": token}
            return client.post("/login", data=data).status_code

    assert [attempt(n, "wrong") for n in (0, 1, 0)] == [400, 400, 400]  # 3 free failures
    assert attempt(1, "shopper3-2026") == 429, "refused on 2 after failures on 1 and 2"
    assert attempt(0, "shopper3-2026") == 429, "and on 1"


def test_a_worker_killed_during_an_export_leaves_it_to_a_second_worker(cluster):
    first = _login(cluster, HQ, 1)
    other = _on(first, cluster, 0)
    wave_id = _closed_wave(cluster)
    worker = cluster.workers[0]
    # One region's branches (a shorter run than test b's whole wave), in the other language
    # so that none of its reports is in the cache yet.
    (region,) = cluster.rows("SELECT id FROM region WHERE code = 'EAST'")[0]
    job_id = _export(cluster, first, wave_id, "zh_CN", str(region))
    running = _wait(cluster, job_id, lambda j: j[0] == "running" and 1 <= j[1] < j[2], "a report")
    assert running[3].split(":")[1] == str(worker.pid)
    worker.kill()
    for client in (first, other):
        assert client.get(f"/reports/exports/{job_id}/download").status_code == 404
        assert "Download ZIP" not in _fragment(client, job_id)
    assert cluster.stored(f"report-exports/job-{job_id}") == [], "no ZIP, not even half of one"

    second = cluster.worker()
    _status, done, total, owner, attempts, path = _wait(
        cluster, job_id, lambda j: j[0] == "done", "the second worker's finish"
    )
    assert owner.split(":")[1] == str(second.pid) and attempts == 2 and done == total
    assert cluster.stored(f"report-exports/job-{job_id}") == [path]
    archive = _download(other, job_id)
    assert len(archive.namelist()) == total + 1
