"""Benchmark the PDF audit reports: one branch's report, and the bulk export of many branches.

1. One report of a branch with 4 visits of a 60-item bilingual checklist and 20 photos
   (stored thumbnails): the first render (builds the per-process renderer), the median
   of warm renders, pages per second, and a download served from the cache.
2. The bulk export (ZIP of every branch's report plus the summary) of `--branches`
   branches (2 visits and 2 photos each), once in a single process and once with the
   process pool on all cores, from an empty report cache each time.

Everything runs on its own SQLite database in a temporary folder.

    .venv/bin/python bench/bench_reports.py [--branches 120] [--workers N] [--repeat 5]

With `--branches 1000` it measures the full 1,000-branch export (about 20 minutes
on 2 cores); the default measures fewer and extrapolates linearly, and says so.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
KINDS = ("check", "check", "rating", "choice", "measure", "check", "rating", "check")


def checklist_document() -> dict[str, Any]:
    """6 moments x 10 standards = 60 items: 8 scored, a narrative and a photo per moment."""
    sections = []
    for s in range(6):
        items: list[dict[str, Any]] = []
        for i in range(8):
            n = s * 10 + i
            kind = KINDS[i]
            item: dict[str, Any] = {
                "id": f"s{s}-i{i}",
                "text": {
                    "en": f"Standard {n}: staff followed the service step",
                    "zh-CN": f"标准 {n}：店员执行服务步骤",
                },
                "kind": kind,
                "kano": ("must", "performance", "performance", "delight")[i % 4],
                "dimension": ("core", "support", "promise", "interaction", "emotion")[n % 5],
                "photo": "optional" if i == 1 else "none",
            }
            if kind == "rating":
                item["scale"] = 5
            elif kind == "choice":
                item["options"] = [
                    {"id": "a", "text": {"en": "Fully", "zh-CN": "完全"}, "score": 1},
                    {"id": "b", "text": {"en": "Partly", "zh-CN": "部分"}, "score": 0.5},
                    {"id": "c", "text": {"en": "No", "zh-CN": "没有"}, "score": 0},
                ]
            elif kind == "measure":
                item.update(unit={"en": "s", "zh-CN": "秒"}, better="lower", target=30, limit=90)
            items.append(item)
        items.append(
            {
                "id": f"s{s}-story",
                "text": {"en": "Describe it", "zh-CN": "描述"},
                "kind": "text",
                "required": False,
            }
        )
        items.append(
            {
                "id": f"s{s}-photo",
                "text": {"en": "Photo", "zh-CN": "照片"},
                "kind": "photo",
                "required": False,
            }
        )
        sections.append(
            {
                "id": f"s{s}",
                "title": {"en": f"Moment {s + 1}", "zh-CN": f"关键时刻 {s + 1}"},
                "items": items,
            }
        )
    return {
        "format": 1,
        "code": "bench-60",
        "name": {"en": "Bench visit", "zh-CN": "基准暗访"},
        "sections": sections,
    }


def value_for(item, rng: random.Random) -> Any:
    if item.kind == "check":
        return "yes" if rng.random() < 0.85 else "no"
    if item.kind == "rating":
        return rng.randint(2, 5)
    if item.kind == "choice":
        return rng.choice(["a", "a", "b", "c"])
    if item.kind == "measure":
        return rng.randint(10, 100)
    if item.kind == "text":
        return "店员态度友好，主动介绍了两款手机。The assistant was friendly and helpful."
    return None


def thumbnails(count: int, rng: random.Random) -> list[str]:
    """`count` distinct 320x240 JPEG thumbnails with photo-like noise, in the configured store."""
    from PIL import Image

    from app import storage

    store = storage.backend()
    paths = []
    for n in range(count):
        image = Image.effect_noise((320, 240), 40 + n).convert("RGB")
        image = Image.blend(image, Image.new("RGB", (320, 240), (rng.randrange(256), 120, 90)), 0.6)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=70)
        store.put(f"bench-thumbs/t{n}.jpg", buffer.getvalue())
        paths.append(f"bench-thumbs/t{n}.jpg")
    return paths


def add_branch(db, *, code, region, waves, document, visits, photos, thumbs, rng) -> Any:
    from app.models import Answer, Branch, Photo, Visit, WaveBranch
    from app.services.scoring import record_score

    branch = Branch(code=code, name=f"Branch {code} 门店", region_id=region.id)
    db.add(branch)
    db.flush()
    for wave in waves:
        db.add(WaveBranch(wave_id=wave.id, branch_id=branch.id))
        for v in range(visits):
            start = datetime.combine(wave.starts_on, datetime.min.time(), UTC) + timedelta(
                days=v, hours=3
            )
            visit = Visit(
                branch_id=branch.id,
                wave_id=wave.id,
                status="approved",
                checklist_version_id=wave.checklist_version_id,
                time_in=start,
                time_out=start + timedelta(minutes=30),
                approved_at=start + timedelta(hours=5),
                scenario="Ask for a phone under 3000 RMB.",
            )
            db.add(visit)
            db.flush()
            for item in document.all_items():
                value = value_for(item, rng)
                if value is not None:
                    db.add(
                        Answer(
                            visit_id=visit.id,
                            item_id=item.id,
                            value=value,
                            comment="Waited at the counter" if rng.random() < 0.1 else "",
                        )
                    )
            if wave is waves[-1]:
                for p in range(photos):
                    db.add(
                        Photo(
                            visit_id=visit.id,
                            item_id=f"s{p % 6}-photo",
                            path="bench/none.jpg",
                            thumb_path=thumbs[(v * photos + p) % len(thumbs)],
                            size=1,
                            width=2048,
                            height=1536,
                            sha256=f"{visit.id:064d}",
                        )
                    )
            db.flush()
            record_score(db, visit=visit)
    return branch


def build(db, *, branches: int) -> tuple[Any, Any, int]:
    """The checklist, two waves, the 4-visit/20-photo branch and `branches` bulk branches."""
    from app.models import Region, Wave
    from app.services.checklists import document_of, import_checklist

    rng = random.Random(7)
    version, _ = import_checklist(db, source=checklist_document())
    document = document_of(version)
    waves = []
    for name, start in (("Bench Q2", date(2026, 4, 1)), ("Bench Q3", date(2026, 7, 1))):
        wave = Wave(
            name=name,
            starts_on=start,
            ends_on=start + timedelta(days=60),
            checklist_version_id=version.id,
            visits_per_branch=2,
        )
        db.add(wave)
        db.flush()
        waves.append(wave)
    regions = [Region(code=f"R{n}", name=f"Region {n} 区域") for n in range(10)]
    db.add_all(regions)
    db.flush()
    thumbs = thumbnails(20, rng)
    one = add_branch(
        db,
        code="ONE",
        region=regions[0],
        waves=waves,
        document=document,
        visits=4,
        photos=5,
        thumbs=thumbs,
        rng=rng,
    )
    for n in range(branches):
        add_branch(
            db,
            code=f"B{n:04d}",
            region=regions[n % 10],
            waves=waves,
            document=document,
            visits=2,
            photos=2,
            thumbs=thumbs,
            rng=rng,
        )
        if n % 50 == 49:
            db.commit()
    db.commit()
    return one, waves[-1], len(list(document.all_items()))


def clear_report_cache() -> None:
    """Every cached PDF deleted, from whichever store is configured."""
    from app import storage
    from app.reports.cache import CACHE_DIRNAME

    store = storage.backend()
    for stored in list(store.list(f"{CACHE_DIRNAME}/")):
        store.delete(stored.key)


def bench_one(db, branch, wave, repeat: int) -> None:
    from app.reports.service import branch_report, render_branch

    t = time.perf_counter()
    first = render_branch(db, branch=branch, wave=wave, lang="zh_CN")
    cold = time.perf_counter() - t
    warm, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        rendered = render_branch(db, branch=branch, wave=wave, lang="zh_CN")
        warm.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    median = statistics.median(warm)
    clear_report_cache()
    branch_report(db, user=None, branch=branch, wave=wave, lang="zh_CN")
    t = time.perf_counter()
    hit = branch_report(db, user=None, branch=branch, wave=wave, lang="zh_CN")
    cached = time.perf_counter() - t
    assert hit.cached
    print(
        f"one report (4 visits, 60 items, 20 photos, zh_CN): {rendered.pages} pages, "
        f"{len(rendered.pdf) / 1024:.0f} KiB"
    )
    print(f"  first render (builds the renderer): {cold:.2f} s")
    print(
        f"  warm render, median of {repeat}: {median:.2f} s "
        f"(min {min(warm):.2f}, max {max(warm):.2f}; CPU {statistics.median(cpu):.2f} s) "
        f"-> {rendered.pages / median:.1f} pages/s"
    )
    print(f"  served from the cache: {cached * 1000:.0f} ms (content key + file read)")
    assert first.pages == rendered.pages


def _spin(n: int = 4_000_000) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def calibrate(workers: int) -> float:
    """The parallel speedup this machine offers right now for pure CPU work (other users'
    load included): the ceiling for any process pool measured at the same time."""
    from concurrent.futures import ProcessPoolExecutor

    jobs = [4_000_000] * (2 * workers)
    t = time.perf_counter()
    for n in jobs:
        _spin(n)
    single = time.perf_counter() - t
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_spin, jobs[:workers]))  # start the workers before timing
        t = time.perf_counter()
        list(pool.map(_spin, jobs))
        parallel = time.perf_counter() - t
    return single / parallel


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_bulk(db, wave, workers: int, branches: int) -> None:
    from app.models import ReportJob
    from app.reports.export import run_job
    from app.reports.jobs import queue_export

    timings = {}
    for label, n in (("single process", 1), (f"process pool ({workers} workers)", workers)):
        clear_report_cache()
        job = queue_export(db, user=None, wave=wave, region=None, language="en")
        job.status = "running"
        db.commit()
        load = os.getloadavg()[0]
        cpu = cpu_seconds()
        t = time.perf_counter()
        done = run_job(job.id, workers=n)
        elapsed = time.perf_counter() - t
        cpu = cpu_seconds() - cpu
        assert done.status == "done" and not done.failures, done.failures
        timings[label] = elapsed
        print(
            f"  {label}: {done.total} reports + summary in {elapsed:.1f} s "
            f"-> {done.total / elapsed:.2f} reports/s; {cpu / done.total:.2f} CPU-s per report, "
            f"{cpu / elapsed:.2f} cores busy on average (load average before: {load:.1f})"
        )
        db.expire_all()
        assert db.get(ReportJob, job.id).done == done.total
    single, pool = timings.values()
    ceiling = calibrate(workers)
    print(
        f"  pool throughput / single-process throughput: {single / pool:.2f}x "
        f"(a pure-CPU loop gets {ceiling:.2f}x from {workers} processes on this machine now)"
    )
    if branches != 1000:
        print(
            f"  extrapolated to 1,000 branches (linear, measured {branches}): "
            f"single {single / (branches + 1) * 1001 / 60:.1f} min, "
            f"pool {pool / (branches + 1) * 1001 / 60:.1f} min"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=120)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    os.environ.update(VAR_DIR=str(var_dir), DATABASE_URL=f"sqlite:///{var_dir / 'bench.db'}")
    os.environ.pop("MEDIA_DIR", None)
    from app.db import new_session
    from app.migrate import upgrade_head

    upgrade_head()
    t = time.perf_counter()
    with new_session() as db:
        branch, wave, items = build(db, branches=args.branches)
        print(
            f"data: {args.branches} + 1 branches, 2 waves, {items}-item checklist, "
            f"built in {time.perf_counter() - t:.0f} s; {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f} (other work on the machine slows every figure)"
        )
        bench_one(db, branch, wave, args.repeat)
        print(f"bulk export of {args.branches + 1} branches (ZIP + summary):")
        bench_bulk(db, wave, args.workers, args.branches)
    shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
