"""Benchmark answer autosave against a bare FastAPI upsert, with the same client in one run.

Two uvicorn servers on loopback: the app on a fresh demo database (SQLite) and
`bare_app.py`, a bare endpoint that upserts one row into SQLite. `--shoppers` simulated
shoppers each save answers one request at a time, as the phone does (POST
/visits/<id>/answers with a fresh client id), against one server and then the other, in
alternating rounds so both meet the same machine load. Modes: "flat" (no pause:
throughput) and "paced" (each shopper answers every 0.5-1.5 s, a busy wave). Prints each
server's throughput and p50/p95/p99, the app/bare ratios, and `uptime`.

`--profile N` instead sends N autosaves to the app in-process with every sync dependency
and handler run inline, under pyinstrument, and prints where the time goes (session lookup,
CSRF, locking, validation, rendering).

    .venv/bin/python bench/bench_autosave.py [--shoppers 50] [--seconds 10] [--rounds 2]
    .venv/bin/python bench/bench_autosave.py --profile 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from loopback import (  # bench/ is on the path: the scripts run as `python bench/x.py`
    database,
    free_port,
    p50,
    percentiles,
    prepare,
    start_server,
    stop_server,
    uptime,
)

ANSWERS = [
    ("greeting-words", ["yes", "no"]),
    ("staff-appearance", ["yes", "no"]),
    ("store-tidy", ["1", "2", "3", "4", "5"]),
    ("listening", ["1", "2", "3", "4"]),
    ("offer", ["current", "old", "none"]),
    ("staff-on-floor", ["1", "2", "3", "4"]),
]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


async def open_visit(base: str, session: dict) -> httpx.AsyncClient:
    """A shopper's client with its session cookie and the visit page's CSRF token."""
    client = httpx.AsyncClient(base_url=base, timeout=60)
    client.cookies.set("sm_session", session["token"])
    page = await client.get(f"/visits/{session['visit']}")
    match = CSRF_RE.search(page.text)
    if page.status_code != 200 or match is None:
        raise RuntimeError(f"visit {session['visit']}: {page.status_code}")
    client.headers.update({"x-csrf-token": match.group(1), "accept": "application/json"})
    return client


async def shopper(client, base, visit, until, paced, latencies, errors) -> None:
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
        try:
            response = await client.post(f"{base}/visits/{visit}/answers", data=data)
            if response.status_code != 200:
                errors.append(response.status_code)
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
        latencies.append((time.perf_counter() - start) * 1000)
        if paced:
            await asyncio.sleep(rng.uniform(0.5, 1.5))


MODES = {
    "flat": ("flat out (no pause between answers)", False),
    "paced": ("paced (one answer every 0.5-1.5 s each)", True),
}


async def measure(clients, sessions, base, seconds, paced):
    latencies: list[float] = []
    errors: list = []
    until = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(
        *(
            shopper(c, base, s["visit"], until, paced, latencies, errors)
            for c, s in zip(clients, sessions, strict=True)
        )
    )
    return latencies, errors, time.monotonic() - started


async def compare(app_base, bare_base, sessions, seconds, rounds, modes) -> None:
    """The same clients (connections, cookies, headers) against the app, then the bare server."""
    clients = [await open_visit(app_base, s) for s in sessions]
    for mode in modes:
        label, paced = MODES[mode]
        figures: dict[str, tuple[list[float], list, float]] = {
            "app": ([], [], 0.0),
            "bare": ([], [], 0.0),
        }
        for _round in range(rounds):
            for name, base in (("app", app_base), ("bare", bare_base)):
                lat, err, elapsed = await measure(clients, sessions, base, seconds, paced)
                total = figures[name]
                figures[name] = (total[0] + lat, total[1] + err, total[2] + elapsed)
        print(f"{label}, {rounds} rounds of {seconds:.0f} s each:")
        rates = {}
        for name, (lat, err, elapsed) in figures.items():
            rates[name] = len(lat) / elapsed
            print(
                f"  {name:4}: {len(lat)} answers = {rates[name]:.0f} req/s; "
                f"{percentiles(lat)}; errors {len(err)}"
            )
        app_p50, bare_p50 = p50(figures["app"][0]), p50(figures["bare"][0])
        print(
            f"  app/bare: throughput {rates['app'] / rates['bare']:.2f}, "
            f"p50 latency {app_p50 / bare_p50:.2f}"
        )
    for client in clients:
        await client.aclose()


def profile(env: dict[str, str], sessions: dict, count: int) -> None:
    """N autosaves in-process, sync code inline (threads hide it from pyinstrument)."""
    import anyio.to_thread
    from pyinstrument import Profiler

    os.environ.update(env)

    async def inline(func, *args, **_kwargs):
        return func(*args)

    anyio.to_thread.run_sync = inline  # ty: every FastAPI/Starlette thread hop runs here
    from app.main import create_app

    app = create_app()
    session = sessions["shoppers"][0]

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            client.cookies.set("sm_session", session["token"])
            page = await client.get(f"/visits/{session['visit']}")
            token = CSRF_RE.search(page.text)
            assert token, page.status_code
            client.headers.update({"x-csrf-token": token.group(1), "accept": "application/json"})
            rng = random.Random(1)

            async def saves() -> float:
                started = time.process_time()
                for _ in range(count):
                    item, values = rng.choice(ANSWERS)
                    data = {"item_id": item, "value": rng.choice(values)}
                    data["client_id"] = uuid.uuid4().hex
                    response = await client.post(f"/visits/{session['visit']}/answers", data=data)
                    assert response.status_code == 200, response.text
                return 1000 * (time.process_time() - started) / count

            await saves()  # warm: caches, compiled statements
            cpu = await saves()
            print(f"{count} autosaves in-process: {cpu:.2f} ms of CPU each, client included")
            profiler = Profiler(async_mode="enabled", interval=0.0005)
            with profiler:
                await saves()
            print(profiler.output_text(color=False, show_all=False, short_mode=False))

    asyncio.run(go())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10, help="per server and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="flat")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)  # the yardstick is SQLite: so is the app here
    with tempfile.TemporaryDirectory() as tmp, database(Path(tmp)) as url:
        env, sessions = prepare(Path(tmp), url, shoppers=args.shoppers)
        if args.profile:
            profile(env, sessions, args.profile)
            return 0
        app_port, bare_port = free_port(), free_port()
        app_server = start_server(env, app_port)
        bare_env = env | {"BARE_DB": str(Path(tmp) / "bare.db")}
        bare_server = start_server(bare_env, bare_port, app="bare_app:create_app", app_dir="bench")
        try:
            print(
                f"{args.shoppers} shoppers; the app and a bare upsert, each uvicorn (1 worker) "
                f"on SQLite, {os.cpu_count()} CPUs"
            )
            print(f"before: {uptime()}")
            modes = list(MODES) if args.mode == "both" else [args.mode]
            asyncio.run(
                compare(
                    f"http://127.0.0.1:{app_port}",
                    f"http://127.0.0.1:{bare_port}",
                    sessions["shoppers"],
                    args.seconds,
                    args.rounds,
                    modes,
                )
            )
            print(f"after:  {uptime()}")
        finally:
            stop_server(app_server)
            stop_server(bare_server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
