"""Load test on loopback: shoppers, managers and HQ at once, for a bounded time.

A real uvicorn server on a fresh demo database (SQLite, or PostgreSQL when DATABASE_URL
names a server). `--users` simulated users, one HTTP client each:

- shoppers (80 %) autosave answers as the phone does, and every tenth action upload a
  photo (a 1600x1200 JPEG), each with a fresh client id;
- managers (10 %) open the scorecard overview and their branches' scorecards;
- HQ (10 %) download a branch's PDF report and the wave's XLSX workbook.

Each user pauses `--think` seconds on average between actions (0 = flat out). At the end it
prints throughput, p50/p95/p99 per kind, the error rate, and then reads the database: every
answer and photo the server acknowledged must be there (the last acknowledged answer of
each item is the stored one); any that is not is printed as lost.

    .venv/bin/python bench/bench_load.py [--users 100] [--seconds 30] [--think 1.0]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bench_load.py --users 300
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import re
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from loopback import (  # bench/ is on the path: the scripts run as `python bench/x.py`
    database,
    free_port,
    percentiles,
    prepare,
    start_server,
    stop_server,
    uptime,
)
from PIL import Image

ANSWERS = [
    ("greeting-words", ["yes", "no"]),
    ("staff-appearance", ["yes", "no"]),
    ("store-tidy", ["1", "2", "3", "4", "5"]),
    ("listening", ["1", "2", "3", "4"]),
    ("offer", ["current", "old", "none"]),
    ("staff-on-floor", ["1", "2", "3", "4"]),
]
PHOTO_ITEM = "storefront"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Figures:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # (visit, item) -> client id of the last acknowledged answer; photos' client ids
    last_answer: dict[tuple[int, str], str] = field(default_factory=dict)
    photos: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    async def timed(self, kind: str, call, ok: int):
        start = time.perf_counter()
        try:
            response = await call
        except httpx.HTTPError as exc:
            self.errors[kind].append(type(exc).__name__)
            return None
        finally:
            self.latencies[kind].append((time.perf_counter() - start) * 1000)
        if response.status_code != ok:
            self.errors[kind].append(str(response.status_code))
            return None
        return response


def photo_bytes() -> bytes:
    """A phone-sized JPEG with some detail, so decoding and resizing cost what they do."""
    rng = random.Random(7)
    image = Image.new("RGB", (1600, 1200))
    image.putdata(
        [
            (x * 255 // 1600, y * 255 // 1200, rng.randrange(256))
            for y in range(1200)
            for x in range(1600)
        ]
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


async def pause(rng: random.Random, think: float) -> None:
    if think > 0:
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def shopper(base, session, until, think, figures: Figures, photo: bytes) -> None:
    rng = random.Random()
    visit = session["visit"]
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        client.cookies.set("sm_session", session["token"])
        page = await client.get(f"/visits/{visit}")
        match = CSRF_RE.search(page.text)
        if page.status_code != 200 or match is None:
            figures.errors["answer"].append(f"visit page {page.status_code}")
            return
        client.headers.update({"x-csrf-token": match.group(1), "accept": "application/json"})
        await asyncio.sleep(rng.uniform(0, think or 0.01))  # users do not start in step
        actions = rng.randrange(10)  # photos spread over time, not all at the tenth step
        while time.monotonic() < until:
            actions += 1
            client_id = uuid.uuid4().hex
            stamp = str(int(time.time() * 1000))
            if actions % 10 == 0:
                files = {"file": ("photo.jpg", photo, "image/jpeg")}
                data = {"item_id": PHOTO_ITEM, "client_id": client_id, "client_time": stamp}
                call = client.post(f"/visits/{visit}/photos", data=data, files=files)
                if await figures.timed("photo", call, 201):
                    figures.photos[visit].append(client_id)
            else:
                item, values = rng.choice(ANSWERS)
                data = {
                    "item_id": item,
                    "value": rng.choice(values),
                    "client_id": client_id,
                    "client_time": stamp,
                }
                call = client.post(f"/visits/{visit}/answers", data=data)
                if await figures.timed("answer", call, 200):
                    figures.last_answer[(visit, item)] = client_id
            await pause(rng, think)


async def office(base, session, until, think, figures: Figures, wave: int, hq: bool) -> None:
    rng = random.Random()
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        client.cookies.set("sm_session", session["token"])
        await asyncio.sleep(rng.uniform(0, think or 0.01))
        turn = 0
        while time.monotonic() < until:
            turn += 1
            branch = rng.choice(session["branches"])
            if hq and turn % 2:
                url = f"/reports/branches/{branch}/waves/{wave}.pdf"
                await figures.timed("report", client.get(url), 200)
            elif hq:
                await figures.timed("report", client.get(f"/exports/waves/{wave}.xlsx"), 200)
            elif turn % 3 == 0:
                await figures.timed("scorecard", client.get(f"/scorecards?wave={wave}"), 200)
            else:
                url = f"/scorecards/branches/{branch}?wave={wave}"
                await figures.timed("scorecard", client.get(url), 200)
            await pause(rng, think)


async def run(base: str, sessions: dict, seconds: float, think: float) -> tuple[Figures, float]:
    figures = Figures()
    photo = photo_bytes()
    until = time.monotonic() + seconds
    started = time.monotonic()
    wave = sessions["wave"]
    await asyncio.gather(
        *(shopper(base, s, until, think, figures, photo) for s in sessions["shoppers"]),
        *(office(base, s, until, think, figures, wave, False) for s in sessions["managers"]),
        *(office(base, s, until, think, figures, wave, True) for s in sessions["hq"]),
    )
    return figures, time.monotonic() - started


def lost(url: str, figures: Figures) -> tuple[list[str], int, int]:
    """Acknowledged answers and photos the database does not hold -> (lost, answers, photos)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    missing: list[str] = []
    with engine.connect() as conn:
        stored = {
            (visit, item): client_id
            for visit, item, client_id in conn.execute(
                text("SELECT visit_id, item_id, client_id FROM answer")
            )
        }
        photos = defaultdict(set)
        for visit, client_id in conn.execute(text("SELECT visit_id, client_id FROM photo")):
            photos[visit].add(client_id)
    engine.dispose()
    for (visit, item), client_id in sorted(figures.last_answer.items()):
        if stored.get((visit, item)) != client_id:
            missing.append(f"answer visit {visit} item {item}: acknowledged {client_id}")
    for visit, ids in sorted(figures.photos.items()):
        missing += [f"photo visit {visit}: acknowledged {i}" for i in ids if i not in photos[visit]]
    return missing, len(figures.last_answer), sum(len(v) for v in figures.photos.values())


def report(figures: Figures, elapsed: float) -> None:
    total = sum(len(v) for v in figures.latencies.values())
    errors = sum(len(v) for v in figures.errors.values())
    print(
        f"all: {total} requests in {elapsed:.1f} s = {total / elapsed:.0f} req/s; "
        f"errors {errors} ({100 * errors / max(total, 1):.2f} %)"
    )
    for kind in ("answer", "photo", "scorecard", "report"):
        times = figures.latencies.get(kind, [])
        wrong = figures.errors.get(kind, [])
        kinds = ", ".join(sorted(set(wrong)))
        print(
            f"  {kind:9} {len(times):6} ({len(times) / elapsed:6.1f}/s) {percentiles(times)}; "
            f"errors {len(wrong)}" + (f" [{kinds}]" if kinds else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100, help="concurrent users (default 100)")
    parser.add_argument("--seconds", type=float, default=30, help="how long (default 30 s)")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause in s (0: none)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    office_users = max(1, args.users // 10)
    shoppers = max(1, args.users - 2 * office_users)
    with tempfile.TemporaryDirectory() as tmp, database(Path(tmp)) as url:
        env, sessions = prepare(
            Path(tmp), url, shoppers=shoppers, managers=office_users, hq=office_users
        )
        port = free_port()
        server = start_server(env, port, workers=args.workers)
        kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(
            f"{shoppers} shoppers, {office_users} managers, {office_users} HQ users; "
            f"think {args.think} s; {args.seconds:.0f} s; uvicorn ({args.workers} worker) on "
            f"{kind}, {os.cpu_count()} CPUs"
        )
        print(f"before: {uptime()}")
        try:
            figures, elapsed = asyncio.run(
                run(f"http://127.0.0.1:{port}", sessions, args.seconds, args.think)
            )
        finally:
            print(f"after:  {uptime()}")
            stop_server(server)
        report(figures, elapsed)
        missing, answers, photos = lost(url, figures)
        print(
            f"acknowledged: {answers} answers (last per item), {photos} photos; "
            f"lost: {len(missing)}"
        )
        for line in missing[:20]:
            print(f"  LOST {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
