"""Bulk export jobs: the ReportJob rows and the web process's background dispatcher.

HQ asks for a wave's (or one region's) reports; a row is queued and a daemon thread
in the web process claims it (an atomic queued -> running update, so two server
processes never run the same job) and drives the process pool in `export.run_job`.
The thread wakes when a job is queued, polls briefly (the request commits the row
after the handler returns) and exits when idle, so nothing runs in between.
"""

from __future__ import annotations

import logging
import threading

from sqlmodel import Session, col, select, update

from app.db import new_session
from app.errors import Invalid, NotFound
from app.i18n import _
from app.models import Branch, Region, ReportJob, User, Wave, utcnow
from app.models.base import row_id
from app.services.scorecards import data
from app.settings import get_settings

log = logging.getLogger(__name__)
IDLE_ROUNDS = 30  # seconds the dispatcher waits for new work before it exits


def export_branches(db: Session, *, wave: Wave, region_id: int | None) -> list[Branch]:
    """The own branches a wave shops (competitors appear in the summary as the benchmark)."""
    regions = [region_id] if region_id is not None else None
    planned = data.wave_branches(db, wave_id=row_id(wave), scope=None, region_ids=regions)
    return [b for b in planned if not b.competitor]


def queue_export(
    db: Session, *, user: User | None, wave: Wave, region: Region | None, language: str
) -> ReportJob:
    """Queue a ZIP of every branch's report plus a ranking summary; runs in the background."""
    branches = export_branches(db, wave=wave, region_id=region.id if region else None)
    if not branches:
        raise Invalid(_("This wave has no branch to report on."), field="wave_id")
    job = ReportJob(
        wave_id=row_id(wave),
        region_id=region.id if region else None,
        language=language,
        status="queued",
        total=len(branches),
        done=0,
        failures=[],
        created_by_id=user.id if user else None,
    )
    db.add(job)
    db.flush()
    return job


def get_job(db: Session, *, job_id: int) -> ReportJob:
    job = db.get(ReportJob, job_id)
    if job is None:
        raise NotFound(_("Not found."))
    return job


def recent_jobs(db: Session, *, wave_id: int | None = None, limit: int = 10) -> list[ReportJob]:
    """The newest jobs first (of one wave when given)."""
    query = select(ReportJob).order_by(col(ReportJob.created_at).desc(), col(ReportJob.id).desc())
    if wave_id is not None:
        query = query.where(ReportJob.wave_id == wave_id)
    return list(db.exec(query.limit(limit)))


def claim(db: Session, job_id: int) -> bool:
    """Take a queued job for this process; False when someone else already has it."""
    result = db.exec(
        update(ReportJob)
        .where(col(ReportJob.id) == job_id, col(ReportJob.status) == "queued")
        .values(status="running")
    )
    db.commit()  # a job's claim must be visible to other workers before it runs
    return result.rowcount == 1


def next_queued() -> int | None:
    """The oldest queued job's id (a read: it never waits on a writer)."""
    with new_session(write=False) as db:
        return db.exec(
            select(ReportJob.id).where(ReportJob.status == "queued").order_by(col(ReportJob.id))
        ).first()


def mark_failed(job_id: int, message: str) -> None:
    with new_session() as db:
        job = db.get(ReportJob, job_id)
        if job is not None:
            job.status = "failed"
            job.failures = [*(job.failures or []), {"branch": "", "error": message[:500]}]
            job.finished_at = utcnow()
            db.add(job)
            db.commit()  # no request commits for a worker: store it so the progress bar stops


def requeue_interrupted() -> int:
    """Put exports that were running when the server stopped back in the queue.

    Called once at start-up: no thread of this process is running them, so without this
    their progress bar would poll forever. They start again from the first branch
    (finished PDFs come from the report cache). Returns how many were re-queued.
    """
    with new_session(write=False) as db:  # a read first: start-up takes no write lock
        stuck = db.exec(select(ReportJob.id).where(ReportJob.status == "running")).all()
    if not stuck:
        return 0
    with new_session() as db:
        for job in db.exec(select(ReportJob).where(col(ReportJob.id).in_(stuck))):
            job.status, job.done, job.failures = "queued", 0, None
            db.add(job)
        db.commit()  # the dispatcher reads the queue in its own session: it must see these
    return len(stuck)


class Dispatcher:
    """One background thread per web process that runs queued exports one after another."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """Make sure the thread runs and looks for work now."""
        with self._lock:
            self._wake.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="report-exports", daemon=True
                )
                self._thread.start()

    def _loop(self) -> None:
        from app.reports.export import run_job

        idle = 0
        while idle < IDLE_ROUNDS:
            self._wake.clear()
            try:
                job_id = next_queued()
            except Exception:  # the database is briefly unavailable: try again later
                log.exception("report dispatcher: cannot read queued jobs")
                job_id = None
            if job_id is None:
                idle += 1
                self._wake.wait(1.0)
                continue
            idle = 0
            try:
                with new_session() as db:
                    claimed = claim(db, job_id)
                if claimed:
                    run_job(job_id, workers=None, settings=get_settings())
            except Exception as exc:
                log.exception("report export %s failed", job_id)
                mark_failed(job_id, f"{type(exc).__name__}: {exc}")


dispatcher = Dispatcher()
