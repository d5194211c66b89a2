"""Scorecard pages on a large programme, on SQLite and PostgreSQL.

Generates 20 regions, 1,000 branches, 12 waves with 4 approved visits per branch and
wave and a 60-item checklist (48,000 visits, 2.88 million answers), bulk-inserted with
SQLAlchemy core; scores every visit with the engine and stores the branch-wave
aggregates as `record_score` would. Then times the overview and a branch scorecard
through the whole web stack (median and p95 over 50 requests each).

    .venv/bin/python bench/bench_scorecards.py                 # both databases
    .venv/bin/python bench/bench_scorecards.py --db sqlite --branches 200
    BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test ...

PostgreSQL gets a database of its own, dropped at the end. Target: p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, make_url, text

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KINDS = ("check", "check", "check", "rating", "measure", "choice")


def checklist(items: int) -> dict:
    """A checklist of `items` scored standards over six moments of truth."""
    sections = []
    per = items // 6
    for s in range(6):
        rows = []
        for i in range(per):
            n = s * per + i
            kind = KINDS[n % len(KINDS)]
            item = {
                "id": f"i{n:02d}",
                "text": {"en": f"Standard {n}", "zh-CN": f"标准 {n}"},
                "kind": kind,
                "kano": ("must" if n % 7 == 0 else "delight" if n % 11 == 5 else "performance"),
                "dimension": ("core", "support", "promise", "interaction", "emotion")[n % 5],
            }
            if kind == "rating":
                item["scale"] = 5
            if kind == "measure":
                item |= {"better": "lower", "target": 30, "limit": 120, "unit": "s"}
            if kind == "choice":
                item["options"] = [
                    {"id": "a", "text": "A", "score": 1},
                    {"id": "b", "text": "B", "score": 0.5},
                    {"id": "c", "text": "C", "score": 0},
                ]
            if n == 13:
                item["critical"] = True
            rows.append(item)
        sections.append(
            {
                "id": f"s{s}",
                "title": {"en": f"Moment {s}", "zh-CN": f"时刻 {s}"},
                "weight": 1 + s % 3,
                "items": rows,
            }
        )
    return {"format": 1, "code": "bench", "name": "Bench checklist", "sections": sections}


def value_for(kind: str, level: float, rng: random.Random):
    good = rng.random() < level
    if kind == "check":
        return "yes" if good else "no"
    if kind == "rating":
        return 5 if good else rng.randint(1, 4)
    if kind == "measure":
        return rng.randint(5, 30) if good else rng.randint(31, 150)
    return "a" if good else rng.choice("bc")


def generate(db_url: str, args) -> dict:
    """Fill an empty, migrated database; returns the ids the timing needs."""
    from sqlmodel import Session

    from app.db import get_engine
    from app.models import (
        Answer,
        Branch,
        BranchWaveScore,
        Region,
        Visit,
        VisitScore,
        Wave,
        WaveBranch,
    )
    from app.scoring import VisitRecord, aggregate_branch, score_visit
    from app.services.auth import create_user
    from app.services.checklists import document_of, import_checklist

    engine = get_engine()
    rng = random.Random(7)
    started = time.perf_counter()
    with Session(engine) as db:
        version, _ = import_checklist(db, source=checklist(args.items))
        document = document_of(version)
        db.commit()
        version_id = version.id
    items = [(i.id, i.kind) for i in document.all_items()]
    order = document.section_ids
    per_region = args.branches // args.regions
    with engine.begin() as conn:
        conn.execute(
            insert(Region.__table__),
            [
                {"id": r + 1, "code": f"R{r:02d}", "name": f"Region {r:02d}"}
                for r in range(args.regions)
            ],
        )
        conn.execute(
            insert(Branch.__table__),
            [
                {
                    "id": b + 1,
                    "code": f"B{b:04d}",
                    "name": f"Branch {b:04d}",
                    "address": "",
                    "region_id": b // per_region + 1,
                    "timezone": "Asia/Shanghai",
                    "competitor": b % per_region == per_region - 1,
                    "active": True,
                }
                for b in range(args.branches)
            ],
        )
        conn.execute(
            insert(Wave.__table__),
            [
                {
                    "id": w + 1,
                    "name": f"Wave {w + 1:02d}",
                    "starts_on": date(2024, 1, 1) + timedelta(days=30 * w),
                    "ends_on": date(2024, 1, 25) + timedelta(days=30 * w),
                    "checklist_version_id": version_id,
                    "visits_per_branch": args.visits,
                    "scenario": "",
                    "created_at": datetime.now(UTC),
                }
                for w in range(args.waves)
            ],
        )
        conn.execute(
            insert(WaveBranch.__table__),
            [
                {"wave_id": w + 1, "branch_id": b + 1}
                for w in range(args.waves)
                for b in range(args.branches)
            ],
        )
    quality = [rng.uniform(0.55, 0.97) for _ in range(args.branches)]
    visit_id = answer_id = 0
    answers_total = 0
    for w in range(args.waves):
        day = datetime(2024, 1, 3, 10, tzinfo=UTC) + timedelta(days=30 * w)
        visits, answers, scores, aggregates = [], [], [], []
        for b in range(args.branches):
            level = min(0.99, quality[b] + rng.uniform(-0.1, 0.1))
            records = []
            for _n in range(args.visits):
                visit_id += 1
                values = {iid: value_for(kind, level, rng) for iid, kind in items}
                result = score_visit(document, values)
                when = day + timedelta(hours=rng.randrange(400))
                visits.append(
                    {
                        "id": visit_id,
                        "branch_id": b + 1,
                        "wave_id": w + 1,
                        "checklist_version_id": version_id,
                        "status": "approved",
                        "channel": "in_person",
                        "scenario": "",
                        "time_in": when,
                        "time_out": when + timedelta(minutes=25),
                        "submitted_at": when,
                        "approved_at": when + timedelta(hours=5),
                        "created_at": when,
                    }
                )
                for iid, value in values.items():
                    answer_id += 1
                    answers.append(
                        {
                            "id": answer_id,
                            "visit_id": visit_id,
                            "item_id": iid,
                            "value": value,
                            "na": False,
                            "comment": "",
                            "client_id": "",
                            "updated_at": when,
                        }
                    )
                scores.append(
                    {
                        "visit_id": visit_id,
                        "result": result.to_dict(),
                        "score": result.score,
                        "raw_score": result.raw_score,
                        "band": result.band,
                        "critical_failure": result.critical_failure,
                        "delight": result.delight,
                        "scored_at": when,
                    }
                )
                records.append(
                    VisitRecord(
                        branch=b + 1,
                        wave=w + 1,
                        score=result.score,
                        band=result.band,
                        critical_failure=result.critical_failure,
                        delight=result.delight,
                        sections=result.sections,
                        dimensions=result.dimensions,
                        must_failures=result.must_failures,
                    )
                )
            agg = aggregate_branch(records, order)
            aggregates.append(
                {
                    "wave_id": w + 1,
                    "branch_id": b + 1,
                    "visits": agg.visits,
                    "score": agg.score,
                    "delight": agg.delight,
                    "sections": agg.sections,
                    "dimensions": agg.dimensions,
                    "bands": agg.bands,
                    "critical_failures": agg.critical_failures,
                    "must_failure_counts": agg.must_failure_counts,
                    "weakest_section": agg.weakest_section,
                    "updated_at": datetime.now(UTC),
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(Visit.__table__), visits)
            for start in range(0, len(answers), 50_000):
                conn.execute(insert(Answer.__table__), answers[start : start + 50_000])
            conn.execute(insert(VisitScore.__table__), scores)
            conn.execute(insert(BranchWaveScore.__table__), aggregates)
        answers_total += len(answers)
        print(
            f"  wave {w + 1:2d}/{args.waves}: {visit_id:,} visits, {answers_total:,} answers, "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # ids were given explicitly: move sequences on
            for table in ("region", "branch", "wave", "visit", "answer"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        conn.execute(text("ANALYZE"))
    with Session(engine) as db:
        create_user(
            db,
            username="bench-manager",
            name="Bench Manager",
            role="manager",
            password="bench-manager-pass",
            region_ids=[1, 2],
        )
        create_user(
            db,
            username="bench-admin",
            name="Bench Admin",
            role="admin",
            password="bench-admin-pass",
        )
        db.commit()
    return {
        "wave": args.waves,
        "branches": list(range(1, 2 * per_region + 1)),
        "visits": visit_id,
        "answers": answers_total,
        "seconds": time.perf_counter() - started,
    }


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(client, paths: list[str], requests: int) -> tuple[float, float, float, float]:
    """Wall and CPU milliseconds (median, p95) of GET requests cycling through `paths`.

    The app runs in this process, so CPU time is the server's own work; wall time also
    counts waiting for a CPU when other processes share the machine.
    """
    for path in paths[:3]:
        assert client.get(path).status_code == 200, path  # warm caches and check
    wall, cpu = [], []
    for n in range(requests):
        path = paths[n % len(paths)]
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(wall), _p95(wall), statistics.median(cpu), _p95(cpu)


def measure(ids: dict, args) -> list[tuple[str, float, float, float, float]]:
    from fastapi.testclient import TestClient

    from app.main import create_app

    out = []
    wave = ids["wave"]
    application = create_app()
    if args.gc_freeze:  # what a server can do once started: keep its own objects out of GC
        gc.collect()
        gc.freeze()
    with TestClient(application) as client:
        for who, password in (
            ("bench-manager", "bench-manager-pass"),
            ("bench-admin", "bench-admin-pass"),
        ):
            client.cookies.clear()
            page = client.get("/login")
            token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            client.post("/login", data={"username": who, "password": password, "csrf_token": token})
            out.append(
                (
                    f"overview ({who}, {'2' if who == 'bench-manager' else 'all'} regions)",
                    *timed(client, [f"/scorecards?wave={wave}"], args.requests),
                )
            )
            if who == "bench-manager":
                paths = [f"/scorecards/branches/{b}?wave={wave}" for b in ids["branches"][:25]]
                out.append(("branch scorecard", *timed(client, paths, args.requests)))
    return out


def run(kind: str, args) -> None:
    from app.db import get_engine
    from app.migrate import upgrade_head
    from app.settings import get_settings

    workdir = Path(tempfile.mkdtemp(prefix="bench-scorecards-"))
    created = None
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        created = f"shopmirror_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{created}"'))
        admin.dispose()
        url = make_url(PG_URL).set(database=created).render_as_string(hide_password=False)
    os.environ.update(DATABASE_URL=url, VAR_DIR=str(workdir))
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        with get_engine().connect() as conn:
            upgrade_head(conn)
            conn.commit()
        print(f"== {kind}: generating", flush=True)
        ids = generate(url, args)
        print(f"  {ids['visits']:,} visits, {ids['answers']:,} answers in {ids['seconds']:.0f} s")
        get_engine().dispose()
        # Time in a fresh process, like a server that did not generate the data.
        command = [
            sys.executable,
            __file__,
            "--measure",
            url,
            "--wave",
            str(ids["wave"]),
            "--first-branches",
            str(len(ids["branches"])),
            "--requests",
            str(args.requests),
        ]
        for extra in ([], ["--gc-freeze"]) if args.gc_freeze else ([],):
            subprocess.run(
                command + extra, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"}
            )
    finally:
        get_engine().dispose()
        get_engine.cache_clear()
        if created and args.keep:
            print(f"  kept {url}")
        elif created:
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)'))
            admin.dispose()
        if args.keep and not created:
            print(f"  kept {url}")
        else:
            for path in sorted(workdir.glob("*")):
                path.unlink()
            workdir.rmdir()


def measure_only(args) -> None:
    """The timing half, run in its own process against an existing database."""
    os.environ.update(DATABASE_URL=args.measure)
    kind = "postgresql" if args.measure.startswith("postgresql") else "sqlite"
    kind += " +freeze" if args.gc_freeze else ""
    ids = {"wave": args.wave, "branches": list(range(1, args.first_branches + 1))}
    load = os.getloadavg()[0]
    for name, median, p95, cpu_median, cpu_p95 in measure(ids, args):
        verdict = "ok" if p95 < 150 else "OVER TARGET"
        print(
            f"  {kind:<10} {name:<38} wall median {median:6.1f} p95 {p95:6.1f} ms"
            f"  cpu median {cpu_median:6.1f} p95 {cpu_p95:6.1f} ms  {verdict}",
            flush=True,
        )
    print(f"  (load average before timing: {load:.2f} on {os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--regions", type=int, default=20)
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--waves", type=int, default=12)
    parser.add_argument("--visits", type=int, default=4)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (file or PostgreSQL) to time again"
    )
    parser.add_argument(
        "--gc-freeze", action="store_true", help="also time with gc.freeze() after the app started"
    )
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--wave", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first-branches", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure_only(args)
        return
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(kind, args)


if __name__ == "__main__":
    main()
