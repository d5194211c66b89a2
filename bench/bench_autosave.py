"""Benchmark answer autosave: 50 simulated shoppers against uvicorn on SQLite.

Each shopper logs in, opens a visit and saves answers one request at a time, as the
phone does (POST /visits/<id>/answers with a fresh client id). Two runs: "paced" (each
shopper answers every 0.5-1.5 s, a busy wave) and "flat out" (no pause: throughput).

    .venv/bin/python bench/bench_autosave.py [--shoppers 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 50
ANSWERS = [
    ("greeting-words", ["yes", "no"]),
    ("staff-appearance", ["yes", "no"]),
    ("store-tidy", ["1", "2", "3", "4", "5"]),
    ("listening", ["1", "2", "3", "4"]),
    ("offer", ["current", "old", "none"]),
    ("staff-on-floor", ["1", "2", "3", "4"]),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(var_dir: Path, shoppers: int) -> dict[str, str]:
    """A fresh SQLite database with the demo data and `shoppers` shoppers, each with a visit."""
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'bench.db'}",
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
    script = f"""
from app.db import session_scope
from app.models import Branch, ChecklistVersion, Visit
from app.services.auth import create_user
from sqlmodel import select
with session_scope() as db:
    version = db.exec(select(ChecklistVersion)).first()
    branch = db.exec(select(Branch)).first()
    for n in range({shoppers}):
        user = create_user(db, username=f"bench{{n}}", name=f"Bench {{n}}", role="shopper",
                           password="bench-password-2026")
        db.flush()
        db.add(Visit(branch_id=branch.id, shopper_id=user.id,
                     checklist_version_id=version.id, status="in_progress"))
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    return env


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            os.environ.get("BENCH_APP", "app.main:create_app"),
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


async def log_in(base: str, n: int) -> tuple[httpx.AsyncClient, str, int]:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = await client.post(
        "/login",
        data={"username": f"bench{n}", "csrf_token": token, "password": "bench-password-2026"},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"bench{n} could not log in: {answer.status_code} {answer.text[:200]}")
    home = await client.get("/")
    found = re.search(r'href="/visits/(\d+)"', home.text)
    if found is None:
        raise RuntimeError(f"bench{n} has no visit (status {home.status_code})")
    visit = int(found.group(1))
    page = await client.get(f"/visits/{visit}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.headers.update({"x-csrf-token": csrf, "accept": "application/json"})
    return client, visit


async def shopper(client, visit: int, until: float, paced: bool, latencies, errors) -> None:
    rng = random.Random()
    if paced:  # shoppers are not synchronised: each starts at its own moment
        await asyncio.sleep(rng.uniform(0, 1.5))
    while time.monotonic() < until:
        item, values = rng.choice(ANSWERS)
        data = {
            "item_id": item,
            "value": rng.choice(values),
            "client_id": uuid.uuid4().hex,
            "client_time": str(int(time.time() * 1000)),
        }
        start = time.perf_counter()
        response = await client.post(f"/visits/{visit}/answers", data=data)
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            errors.append(response.status_code)
        if paced:
            await asyncio.sleep(rng.uniform(0.5, 1.5))


MODES = {
    "paced": ("paced (one answer every 0.5-1.5 s each)", True),
    "flat": ("flat out (no pause between answers)", False),
}


async def run(base: str, shoppers: int, seconds: float, modes: list[str]) -> None:
    sessions = [await log_in(base, n) for n in range(shoppers)]
    for label, paced in (MODES[m] for m in modes):
        latencies: list[float] = []
        errors: list[int] = []
        until = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(shopper(c, v, until, paced, latencies, errors) for c, v in sessions))
        elapsed = time.monotonic() - started
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"{label}: {len(latencies)} answers in {elapsed:.1f} s = "
            f"{len(latencies) / elapsed:.0f} req/s; latency p50 {cuts[49]:.1f} ms, "
            f"p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms; errors {len(errors)}; "
            f"p95 target < {TARGET_P95_MS} ms: {'met' if cuts[94] < TARGET_P95_MS else 'NOT met'}"
        )
    for client, _visit in sessions:
        await client.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp), args.shoppers)
        port = free_port()
        server = start_server(env, port)
        try:
            print(f"{args.shoppers} shoppers, uvicorn (1 worker) on SQLite, {os.cpu_count()} CPUs")
            modes = list(MODES) if args.mode == "both" else [args.mode]
            asyncio.run(run(f"http://127.0.0.1:{port}", args.shoppers, args.seconds, modes))
        finally:
            server.kill()
            server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
