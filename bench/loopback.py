"""What the loopback benches share: a fresh demo database, a uvicorn server, figures.

`prepare` builds the database the way production does (the CLI's `migrate` and `demo`), on
SQLite in a temporary folder, or on a fresh database of the PostgreSQL server that
`DATABASE_URL` names (created for the run and dropped after it). It then gives `shoppers`
new shoppers one open visit each and logs every simulated user in (a server-side session,
as `/login` would make), so the benches start measuring at once.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

SESSIONS = """
import json, sys
from sqlmodel import select
from app.db import session_scope
from app.models import Branch, ChecklistVersion, ManagerRegion, User, Visit, Wave
from app.services.auth import create_user, start_session
from app.services.scorecards import default_wave

shoppers, managers, hq = (int(n) for n in sys.argv[1:4])
out = {"shoppers": [], "managers": [], "hq": []}
with session_scope() as db:
    version = db.exec(select(ChecklistVersion)).first()
    branches = list(db.exec(select(Branch).where(Branch.competitor == False)))  # noqa: E712
    wave = default_wave(db)
    password = create_user(db, username="bench-template", name="Bench", role="shopper",
                           password="bench-password-2026").password_hash
    for n in range(shoppers):
        user = User(username=f"bench{n}", name=f"Bench {n}", role="shopper",
                    password_hash=password)
        db.add(user)
        db.flush()
        visit = Visit(branch_id=branches[n % len(branches)].id, shopper_id=user.id,
                      checklist_version_id=version.id, status="in_progress")
        db.add(visit)
        db.flush()
        out["shoppers"].append({"token": start_session(db, user=user), "visit": visit.id})
    for name, count in (("manager", managers), ("admin", hq)):
        user = db.exec(select(User).where(User.username == name)).one()
        regions = [r for (r,) in db.execute(
            select(ManagerRegion.region_id).where(ManagerRegion.user_id == user.id))]
        mine = [b.id for b in branches if not regions or b.region_id in regions]
        for _ in range(count):
            out["managers" if name == "manager" else "hq"].append(
                {"token": start_session(db, user=user), "branches": mine})
    out["wave"] = wave.id if wave else None
print(json.dumps(out))
"""


# `count` more own branches in `regions` new regions, each with a copy of one approved
# visit of the latest ended demo wave (answers, photos' rows, score, the branch's aggregate),
# so that a bulk export has `count` full reports to render. Prints the wave, the regions and
# an HQ session.
REPORT_BRANCHES = """
import json, sys
from sqlmodel import select
from app.db import session_scope
from app.models import Answer, Branch, Photo, Region, User, Visit, Wave, WaveBranch
from app.services.auth import start_session
from app.services.scoring import refresh_branch_wave, rescore

count, regions = int(sys.argv[1]), int(sys.argv[2])
with session_scope() as db:
    wave = db.exec(select(Wave).order_by(Wave.ends_on.desc()).offset(1)).first()
    model = db.exec(select(Visit).where(Visit.wave_id == wave.id, Visit.status == "approved")
                    .order_by(Visit.id)).first()
    answers = list(db.exec(select(Answer).where(Answer.visit_id == model.id)))
    photos = list(db.exec(select(Photo).where(Photo.visit_id == model.id)))
    made = [Region(code=f"BENCH{r}", name=f"Bench region {r}") for r in range(regions)]
    db.add_all(made)
    db.flush()
    skip = {"id", "branch_id", "external_id"}
    for n in range(count):
        branch = Branch(code=f"BENCH-{n:05}", name=f"Bench branch {n}",
                        region_id=made[n % regions].id)
        db.add(branch)
        db.flush()
        db.add(WaveBranch(wave_id=wave.id, branch_id=branch.id))
        visit = Visit(branch_id=branch.id,
                      **{k: v for k, v in model.model_dump().items() if k not in skip})
        db.add(visit)
        db.flush()
        for row in answers:
            db.add(Answer(**(row.model_dump(exclude={"id"}) | {"visit_id": visit.id})))
        for row in photos:
            db.add(Photo(**(row.model_dump(exclude={"id"}) | {"visit_id": visit.id})))
        db.flush()
        rescore(db, visit=visit)
        db.flush()
        refresh_branch_wave(db, branch_id=branch.id, wave_id=wave.id)
    admin = db.exec(select(User).where(User.username == "admin")).one()
    out = {"wave": wave.id, "regions": [r.id for r in made], "hq": start_session(db, user=admin)}
print(json.dumps(out))
"""


def add_report_branches(env: dict[str, str], count: int, regions: int) -> dict:
    """Add `count` branches with one full report each in the demo's last ended wave."""
    made = subprocess.run(
        [sys.executable, "-c", REPORT_BRANCHES, str(count), str(regions)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(made.stdout)


WORKER_READY = "shopmirror worker: ready"


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`shopmirror worker` (BROKER_URL in env) in a process group of its own, once ready."""
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while WORKER_READY not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"worker did not start: {log.read_text()}")
        time.sleep(0.2)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    """SIGTERM the worker's group (it and its render processes) and wait."""
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database(var_dir: Path) -> Iterator[str]:
    """A fresh, empty database URL: SQLite in `var_dir`, or one on DATABASE_URL's server."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{var_dir / 'bench.db'}"
        return
    from sqlalchemy import create_engine, make_url, text

    name = f"shopmirror_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(var_dir: Path, url: str, *, shoppers: int, managers: int = 0, hq: int = 0):
    """Migrate, load the demo, add the bench's shoppers and sessions -> (env, sessions)."""
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": url,
        "PYTHONUNBUFFERED": "1",
    }
    for command in (["migrate"], ["demo"]):
        subprocess.run(
            [sys.executable, "-m", "app.cli", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    made = subprocess.run(
        [sys.executable, "-c", SESSIONS, str(shoppers), str(managers), str(hq)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return env, json.loads(made.stdout)


def start_server(
    env: dict[str, str],
    port: int,
    *,
    app: str = "app.main:create_app",
    workers: int = 1,
    app_dir: str | None = None,
) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1"]
    if app_dir:
        command += ["--app-dir", app_dir]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def percentiles(latencies: list[float]) -> str:
    if len(latencies) < 2:
        return "p50/p95/p99 n/a"
    cuts = statistics.quantiles(latencies, n=100)
    return f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms"


def p50(latencies: list[float]) -> float:
    return statistics.median(latencies) if latencies else float("nan")
