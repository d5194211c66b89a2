"""Scale bench on loopback: autosave on one instance vs two, bulk exports on one worker vs two.

The topology of compose.yaml without Docker: two uvicorn instances on different ports over
one fresh PostgreSQL demo database (DATABASE_URL's server; this machine's by default) and
Redis (BROKER_URL, a namespace of this run's own), the media directory shared on this disk.

1. Autosave: `--shoppers` simulated shoppers (one visit and one HTTP client each) save
   answers as the phone does, flat out, after an unmeasured 5-second warm-up on both
   instances: for `--seconds` all against instance 1, then for `--seconds` dealt
   round-robin to the two ports (shopper n to instance n mod 2, as a balancer spreads
   browsers). Throughput, p50/p95/p99 and the ratio two/one.
2. Bulk export: `--reports` extra branches, each with a full branch report in the demo's
   last ended wave, in `--regions` regions; one export job per region (a job runs on one
   worker: more workers finish more jobs at once, not one job faster) is queued through
   instance 1, and timed until every ZIP is done, with 1 `shopmirror worker` and then
   with 2, then with 1 again (`--no-repeat`: not again; the report cache emptied before
   each), each worker rendering with
   `--report-processes` processes. Reports per minute and the ratio.

    .venv/bin/python bench/bench_scale.py [--shoppers 200] [--seconds 20] [--reports 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from bench_load import ANSWERS, CSRF_RE, Figures
from loopback import (  # bench/ is on the path: the scripts run as `python bench/x.py`
    add_report_branches,
    database,
    free_port,
    percentiles,
    prepare,
    start_server,
    start_worker,
    stop_server,
    stop_worker,
    uptime,
)
from sqlalchemy import create_engine, text

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


async def csrf_tokens(base: str, sessions: list[dict]) -> None:
    """Each shopper's CSRF token, read once from its visit page (outside the timed phases)."""
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        for session in sessions:
            client.cookies.set("sm_session", session["token"])
            page = await client.get(f"/visits/{session['visit']}")
            match = CSRF_RE.search(page.text)
            assert page.status_code == 200 and match, f"visit page {page.status_code}"
            session["csrf"] = match.group(1)


async def autosaver(base: str, session: dict, until: float, figures: Figures) -> None:
    """One shopper saving answers flat out to one instance."""
    rng = random.Random()
    headers = {"x-csrf-token": session["csrf"], "accept": "application/json"}
    cookies = {"sm_session": session["token"]}
    async with httpx.AsyncClient(
        base_url=base, timeout=120, headers=headers, cookies=cookies
    ) as client:
        while time.monotonic() < until:
            item, values = rng.choice(ANSWERS)
            data = {"item_id": item, "value": rng.choice(values), "client_id": uuid.uuid4().hex}
            call = client.post(f"/visits/{session['visit']}/answers", data=data)
            await figures.timed("answer", call, 200)


async def autosave(
    bases: list[str], sessions: list[dict], seconds: float, label: str = ""
) -> tuple[int, float]:
    figures = Figures()
    start = time.monotonic()
    await asyncio.gather(  # shoppers dealt round-robin to the instances
        *(
            autosaver(bases[n % len(bases)], s, start + seconds, figures)
            for n, s in enumerate(sessions)
        )
    )
    elapsed = time.monotonic() - start
    times = figures.latencies["answer"]
    errors = sum(len(v) for v in figures.errors.values())
    rate = (len(times) - errors) / elapsed
    label = label or f"{len(bases)} instance(s)"
    print(
        f"  {label}: {len(times)} saves in {elapsed:.1f} s = {rate:.0f}/s; "
        f"{percentiles(times)}; errors {errors}"
    )
    return errors, rate


def queue_exports(base: str, hq: str, wave: int, regions: list[int]) -> None:
    """One export per region, queued through the page's form as HQ."""
    with httpx.Client(base_url=base, timeout=120, cookies={"sm_session": hq}) as client:
        page = client.get(f"/reports?wave={wave}")
        match = CSRF_RE.search(page.text)
        assert match, f"no CSRF token on /reports ({page.status_code})"
        for region in regions:
            form = {"wave_id": wave, "region_id": region, "language": "en"}
            sent = client.post("/reports/exports", data=form | {"csrf_token": match.group(1)})
            assert sent.status_code == 303, sent.text[:300]


def export_run(env, url, var_dir: Path, base: str, made: dict, workers: int) -> float:
    """Wall time from queueing the region exports until all are done, with `workers`."""
    shutil.rmtree(var_dir / "media" / "reports-cache", ignore_errors=True)  # render all anew
    engine = create_engine(url)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM reportjob")).scalar_one()
    started = [start_worker(env, var_dir / f"worker-{workers}-{n}.log") for n in range(workers)]
    try:
        start = time.monotonic()
        queue_exports(base, made["hq"], made["wave"], made["regions"])
        while True:
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT status, done FROM reportjob WHERE id > :b"), {"b": before}
                ).all()
            if rows and all(status in ("done", "failed") for status, _done in rows):
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - start
    finally:
        for process in started:
            stop_worker(process)
        engine.dispose()
    failed = [r for r in rows if r[0] != "done"]
    reports = sum(done for _status, done in rows)
    print(
        f"  {workers} worker(s): {len(rows)} exports, {reports} reports in {elapsed:.1f} s = "
        f"{60 * reports / elapsed:.0f} reports/min" + (f"; FAILED {failed}" if failed else "")
    )
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=200, help="concurrent shoppers")
    parser.add_argument("--seconds", type=float, default=20, help="per autosave phase")
    parser.add_argument("--reports", type=int, default=1000, help="branch reports to export")
    parser.add_argument("--regions", type=int, default=4, help="export jobs (one per region)")
    parser.add_argument("--report-processes", type=int, default=1, help="per worker")
    parser.add_argument("--skip-autosave", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument(
        "--no-repeat",
        action="store_true",
        help="one single-worker export run, not two (on a quiet machine; saves a third)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", POSTGRES)
    redis_url = os.environ.get("BROKER_URL") or "redis://127.0.0.1:6379/0"
    namespace = f"shopmirror-bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp, database(Path(tmp)) as url:
        var_dir = Path(tmp)
        env, sessions = prepare(var_dir, url, shoppers=args.shoppers)
        env |= {
            "BROKER_URL": redis_url,
            "BROKER_NAMESPACE": namespace,
            "REPORT_PROCESSES": str(args.report_processes),
            "DB_POOL_SIZE": "20",
        }
        print(f"{os.cpu_count()} CPUs; PostgreSQL; before: {uptime()}")
        ports = [free_port(), free_port()]
        servers = [start_server(env, port) for port in ports]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            if not args.skip_autosave:
                print(f"autosave, {args.shoppers} shoppers flat out, {args.seconds:.0f} s each:")
                asyncio.run(csrf_tokens(bases[0], sessions["shoppers"]))
                # Unmeasured: both instances' first requests (pools, templates, imports).
                asyncio.run(autosave(bases, sessions["shoppers"], 5, "warm-up"))
                _e1, one = asyncio.run(autosave(bases[:1], sessions["shoppers"], args.seconds))
                _e2, two = asyncio.run(autosave(bases, sessions["shoppers"], args.seconds))
                print(f"  ratio two/one: {two / one:.2f}x   ({uptime()})")
            if not args.skip_export:
                made = add_report_branches(env, args.reports, args.regions)
                print(
                    f"bulk export, {args.reports} branch reports in {args.regions} region "
                    f"exports, {args.report_processes} render process(es) per worker:"
                )
                # 1, 2, then 1 again: the machine's other load drifts; the ratio takes the
                # mean of the two single-worker runs.
                single = export_run(env, url, var_dir, bases[0], made, 1)
                double = export_run(env, url, var_dir, bases[0], made, 2)
                if not args.no_repeat:
                    single = (single + export_run(env, url, var_dir, bases[0], made, 1)) / 2
                ratio = single / double
                verdict = "met" if ratio >= 1.7 else "not met"
                print(f"  ratio 2 workers/1: {ratio:.2f}x (target 1.7x: {verdict})")
        finally:
            for server in servers:
                stop_server(server)
            _clear_namespace(redis_url, namespace)
        print(f"after: {uptime()}")
    return 0


def _clear_namespace(redis_url: str, namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)
    client.close()


if __name__ == "__main__":
    raise SystemExit(main())
