"""Running one bulk export: every branch's report in a process pool, a summary, one ZIP.

Reports render in a `ProcessPoolExecutor` using all cores (spawned workers, each with
its own long-lived renderer and database engine); the PDFs go through the report
cache, so a branch whose data has not changed is not rendered again. A branch that
fails is recorded with its error and listed in the summary; the others carry on.
`workers=1` renders everything in this process (the single-process baseline).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import stat
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from datetime import timedelta

from sqlmodel import Session, col, select

from app import storage
from app.db import new_session
from app.models import Branch, Region, ReportJob, Wave, utcnow
from app.models.base import row_id
from app.reports import cache
from app.reports.jobs import export_branches, owned
from app.reports.service import render_branch, report_filename
from app.reports.summary import render_summary
from app.settings import Settings, get_settings

EXPORT_DIRNAME = "report-exports"
PROGRESS_EVERY = 0.5  # seconds between progress writes while branches complete


def storage_environment(settings: Settings) -> dict[str, str]:
    """The settings a spawned worker needs to reach the same file store (`app.storage`)."""
    return {
        "MEDIA_DIR": str(settings.resolved_media_dir),
        "STORAGE_BACKEND": settings.storage_backend,
        "S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "S3_BUCKET": settings.s3_bucket,
        "S3_REGION": settings.s3_region,
        "S3_ACCESS_KEY_ID": settings.s3_access_key_id,
        "S3_SECRET_ACCESS_KEY": settings.s3_secret_access_key,
        "S3_PRESIGNED_DOWNLOADS": str(settings.s3_presigned_downloads).lower(),
    }


def _configure(database_url: str, var_dir: str, files: dict[str, str]) -> None:
    """Pool initializer: point a fresh process at the same database and file store."""
    os.environ.update(DATABASE_URL=database_url, VAR_DIR=var_dir, **files)
    from app.db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()


def cached_report(db: Session, *, branch: Branch, wave: Wave, lang: str) -> str:
    """The storage key of the branch's report in the cache, rendered first when missing."""
    key = cache.content_key(db, branch=branch, wave=wave, language=lang)
    if cache.is_cached(key):
        return cache.cached_key(key)
    return cache.store(key, render_branch(db, branch=branch, wave=wave, lang=lang).pdf)


def render_one(branch_id: int, wave_id: int, lang: str) -> tuple[bool, str]:
    """Pool task: (True, storage key of the PDF) or (False, the error), never an exception."""
    try:
        with new_session(write=False) as db:
            branch, wave = db.get(Branch, branch_id), db.get(Wave, wave_id)
            assert branch is not None and wave is not None  # ids of the job's own stored rows
            return True, str(cached_report(db, branch=branch, wave=wave, lang=lang))
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"[:500]


def _results(
    tasks: list[tuple[Branch, tuple[int, int, str]]], workers: int, settings: Settings
) -> Iterator[tuple[Branch, tuple[bool, str]]]:
    """(branch, outcome) in completion order, from the pool or from this process."""
    if workers == 1:
        for branch, args in tasks:
            yield branch, render_one(*args)
        return
    context = multiprocessing.get_context("spawn")  # never fork a threaded web process
    config = (
        settings.resolved_database_url,
        str(settings.var_dir),
        storage_environment(settings),
    )
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_configure, initargs=config
    ) as pool:
        futures: dict[Future[tuple[bool, str]], Branch] = {
            pool.submit(render_one, *a): b for b, a in tasks
        }
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:  # a worker died (BrokenProcessPool): report, go on
                outcome = (False, f"{type(exc).__name__}: {exc}"[:500])
            yield futures[future], outcome


def run_job(
    job_id: int,
    *,
    owner: str | None = None,
    workers: int | None = None,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReportJob:
    """Render every branch of a claimed job into its ZIP with the summary; returns the job.

    `owner`: the claim it runs under (`jobs.claim`); every write checks it still holds,
    so a run that was taken over stops (`jobs.LostClaim`) instead of overwriting the other.
    Running it again gives the same ZIP: it is idempotent.
    """
    settings = settings or get_settings()
    workers = workers or settings.report_processes or os.cpu_count() or 1
    with new_session() as db:
        job = owned(db, job_id, owner)
        wave = db.get(Wave, job.wave_id)
        assert wave is not None  # job.wave_id is a non-null foreign key
        region = db.get(Region, job.region_id) if job.region_id else None
        branches = export_branches(db, wave=wave, region_id=job.region_id)
        job.status, job.total, job.done, job.failures = "running", len(branches), 0, []
        db.add(job)
        db.commit()  # the progress bar polls from other sessions: it must see the total now
    store = storage.backend()
    key = f"{EXPORT_DIRNAME}/job-{job_id}.zip"
    discard_partials(job_id, settings=settings)  # of runs that died: the job is ours now
    target = store.scratch(key)  # a local file first: the stored ZIP is never half-written
    failures: list[dict[str, str]] = []
    done, last = 0, 0.0
    tasks = [(b, (row_id(b), row_id(wave), job.language)) for b in branches]
    try:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
            pool = _results(tasks, min(workers, max(len(tasks), 1)), settings)
            for branch, (ok, payload) in pool:
                if ok:
                    _add_file(archive, report_filename(branch, wave, job.language), payload)
                else:
                    failures.append({"branch": branch.code, "error": payload})
                done += 1
                now = time.monotonic()
                if now - last >= PROGRESS_EVERY or done == len(tasks):
                    _save_progress(job_id, owner, done, failures)
                    last = now
                if progress:
                    progress(done, len(tasks))
            with new_session(write=False) as db:
                current = db.get(Wave, wave.id)  # this session's copy of the wave
                assert current is not None  # job.wave_id is a non-null foreign key
                summary = render_summary(
                    db,
                    wave=current,
                    region=region,
                    failures=failures,
                    lang=job.language,
                )
            archive.writestr(_entry("00-summary.pdf"), summary)
        with target.open("rb") as handle:
            os.fsync(handle.fileno())
        cache.prune()
        with new_session() as db:
            job = owned(db, job_id, owner)
            job.status, job.done, job.failures, job.error = "done", done, failures, None
            job.path = key
            job.finished_at = utcnow()  # owner stays: the run that made the ZIP
            db.add(job)
            prune_exports(db, settings=settings)
            db.flush()  # the claim still holds and the rows are written: only the commit is left
            # Stored before the commit that offers it: a complete ZIP is in place whenever
            # the job says done; a run killed in between leaves the job running, and the run
            # that takes it over stores the same file again.
            store.put_file(key, target, move=True)
            try:
                db.commit()  # the job is finished: its ZIP is stored and may be downloaded now
            except Exception:
                store.delete(key)  # no row offers it: leave no file behind
                raise
            return job
    finally:
        target.unlink(missing_ok=True)  # moved into the store, or a failed run's leftovers


def discard_partials(job_id: int, *, settings: Settings | None = None) -> None:
    """Delete the unfinished local ZIPs of a job's earlier runs (only when none is alive).

    The local store builds a ZIP beside its target (`.job-N.zip.<random>.part`); the S3
    store builds it in its scratch folder, which a dead process leaves to the system.
    """
    directory = (settings or get_settings()).resolved_media_dir / EXPORT_DIRNAME
    for partial in directory.glob(f".job-{job_id}.zip.*.part"):
        partial.unlink(missing_ok=True)


def prune_exports(db: Session, *, settings: Settings) -> int:
    """Delete ZIPs older than EXPORT_KEEP_DAYS (a 1,000-branch wave is hundreds of MB each).

    The job stays listed without its file; running it again is quick, since unchanged
    branches come from the report cache. Returns how many ZIPs were deleted.
    """
    cutoff = utcnow() - timedelta(days=settings.export_keep_days)
    old = db.exec(
        select(ReportJob).where(
            ReportJob.status == "done",
            col(ReportJob.path).is_not(None),
            col(ReportJob.finished_at) < cutoff,
        )
    ).all()
    for job in old:
        assert job.path is not None  # the query keeps only jobs with a file
        storage.backend().delete(job.path)
        job.path = None
        db.add(job)
    return len(old)


def _save_progress(
    job_id: int, owner: str | None, done: int, failures: list[dict[str, str]]
) -> None:
    with new_session() as db:
        job = owned(db, job_id, owner)
        job.done, job.failures = done, list(failures)
        db.add(job)
        db.commit()  # progress is read by the page's polling while the job still runs


def zip_file(job: ReportJob) -> str | None:
    """The finished ZIP's storage key, if the job is done and the file is still there."""
    if job.status != "done" or not job.path:
        return None
    return job.path if storage.backend().exists(job.path) else None


def export_filename(db: Session, job: ReportJob) -> str:
    """reports_<wave>[_<region>]_<lang>.zip, in ASCII."""
    wave = db.get(Wave, job.wave_id)
    assert wave is not None  # job.wave_id is a non-null foreign key
    region = db.get(Region, job.region_id) if job.region_id else None
    parts = ["reports", wave.name, region.code if region else "", job.language]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", "_".join(p for p in parts if p)) + ".zip"


def _entry(name: str) -> zipfile.ZipInfo:
    """A ZIP entry readable by its owner and group once unpacked (not the cache's 0600).

    Its time is the company's (settings.company_timezone), as every time in an export is:
    ZIP entries carry a local time without a zone, and unpacking shows it as it is.
    """
    now = utcnow().astimezone(get_settings().resolved_timezone)
    info = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def _add_file(archive: zipfile.ZipFile, name: str, key: str) -> None:
    chunks = storage.backend().open(key)
    if chunks is None:  # pruned between rendering and packing: a failure of this branch
        raise FileNotFoundError(f"{key} is no longer stored")
    with archive.open(_entry(name), "w") as target:
        for chunk in chunks:
            target.write(chunk)
