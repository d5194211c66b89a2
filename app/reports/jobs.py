"""Bulk export jobs: the ReportJob rows, their claims, and where they run.

HQ asks for a wave's (or one region's) reports; a row is queued and, once the request has
committed it, started: sent to the job queue when BROKER_URL is set (`shopmirror worker`
runs it), else handed to a daemon thread of the web process (as `make run` needs). Either
way the same code runs it: `perform` for a worker, the dispatcher's loop in-process.

A run first claims the job in the database, one atomic update: a queued job, or a running
one whose heartbeat stopped (its process died), becomes this run's, with a fresh owner
token and heartbeat. A job whose heartbeat is live is never taken, so a message delivered
twice or a restart never runs a job another process is running. While it runs a thread
renews the heartbeat; progress and the finish are written only while the claim is ours.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import or_
from sqlmodel import Session, col, select, update

from app import queue
from app.after_commit import after_commit
from app.db import new_session
from app.errors import Invalid, NotFound
from app.i18n import _
from app.models import Branch, Region, ReportJob, User, Wave, utcnow
from app.models.base import row_id
from app.services.scorecards import data
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    import dramatiq

log = logging.getLogger(__name__)
IDLE_ROUNDS = 30  # seconds the dispatcher waits for new work before it exits
ACTOR = "report_export"
Claim = Literal["claimed", "busy", "finished"]


class LostClaim(Exception):
    """Another run took this job over (our heartbeat was late): stop without writing."""


def export_branches(db: Session, *, wave: Wave, region_id: int | None) -> list[Branch]:
    """The own branches a wave shops (competitors appear in the summary as the benchmark)."""
    regions = [region_id] if region_id is not None else None
    planned = data.wave_branches(db, wave_id=row_id(wave), scope=None, region_ids=regions)
    return [b for b in planned if not b.competitor]


def queue_export(
    db: Session,
    *,
    user: User | None,
    wave: Wave,
    region: Region | None,
    language: str,
    start: bool = True,
) -> ReportJob:
    """Queue a ZIP of every branch's report plus a ranking summary; it starts on commit.

    `start=False` only records it, for a caller that claims and runs it itself (the CLI).
    """
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
    if start:
        after_commit(db, functools.partial(_start_committed, row_id(job)))
    return job


def _start_committed(job_id: int) -> None:
    """`start`, for the commit that records the job (its caller's `start` flag shadows it)."""
    start(job_id)


def start(job_id: int, *, fail_unsent: bool = True) -> None:
    """Send a committed job to the queue, or wake the in-process dispatcher without one.

    A new job that cannot be sent fails at once with the reason (it would wait forever);
    a re-send at start-up (`fail_unsent=False`) only logs: its first message may be queued.
    """
    if not queue.enabled():
        dispatcher.kick()
        return
    try:
        export_actor().send(job_id)
    except Exception as exc:
        log.exception("report export %s: cannot reach the job queue", job_id)
        if fail_unsent:
            mark_failed(job_id, f"job queue unreachable: {type(exc).__name__}: {exc}")


def wake() -> None:
    """Make sure queued jobs are being worked on (in-process; workers need no prompt)."""
    if not queue.enabled():
        dispatcher.kick()


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


def new_owner() -> str:
    """A token naming one run: host, process and a random part (a process may run many)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _stale_clause(settings: Settings) -> Any:
    cutoff = utcnow() - timedelta(seconds=settings.job_stale_seconds)
    return or_(col(ReportJob.heartbeat_at).is_(None), col(ReportJob.heartbeat_at) < cutoff)


def claim(db: Session, job_id: int, *, owner: str, settings: Settings | None = None) -> Claim:
    """Take the job for `owner` if it is queued or its runner's heartbeat stopped.

    "busy": another live process runs it; "finished": done, failed or gone (nothing to do).
    A dead runner's job that has used up its attempts fails for good here instead.
    """
    settings = settings or get_settings()
    result = db.exec(
        update(ReportJob)
        .where(
            col(ReportJob.id) == job_id,
            col(ReportJob.attempts) < settings.job_max_attempts,
            or_(
                col(ReportJob.status) == "queued",
                (col(ReportJob.status) == "running") & _stale_clause(settings),
            ),
        )
        .values(
            status="running",
            owner=owner,
            heartbeat_at=utcnow(),
            attempts=col(ReportJob.attempts) + 1,
        )
    )
    db.commit()  # a job's claim must be visible to other workers before it runs
    if result.rowcount == 1:
        return "claimed"
    job = db.get(ReportJob, job_id)
    if job is None or job.status in ("done", "failed"):
        return "finished"
    dead = job.status == "queued" or _is_stale(job, settings)
    if job.attempts >= settings.job_max_attempts and dead:
        db.commit()  # end this read: mark_failed writes in its own session (one SQLite writer)
        mark_failed(job_id, f"stopped {job.attempts} times before it finished (attempts used up)")
        return "finished"
    return "busy"  # a live run has it (or just gave it back): look again later


def _is_stale(job: ReportJob, settings: Settings) -> bool:
    cutoff = utcnow() - timedelta(seconds=settings.job_stale_seconds)
    return job.heartbeat_at is None or job.heartbeat_at < cutoff


def owned(db: Session, job_id: int, owner: str | None) -> ReportJob:
    """The job, provided `owner` (when given) still holds its claim; else LostClaim."""
    job = get_job(db, job_id=job_id)
    if owner is not None and (job.owner != owner or job.status != "running"):
        raise LostClaim(f"report export {job_id} is no longer run by {owner}")
    return job


@contextmanager
def heartbeat(job_id: int, owner: str, *, settings: Settings | None = None) -> Iterator[None]:
    """Renew the claim's heartbeat on a thread while the body runs."""
    seconds = (settings or get_settings()).job_heartbeat_seconds
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(seconds):
            try:
                with new_session() as db:
                    db.exec(
                        update(ReportJob)
                        .where(col(ReportJob.id) == job_id, col(ReportJob.owner) == owner)
                        .values(heartbeat_at=utcnow())
                    )
                    db.commit()  # other processes judge the claim by this row
            except Exception:  # the database is briefly unavailable: beat again later
                log.exception("report export %s: heartbeat failed", job_id)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_claimed(
    job_id: int,
    *,
    owner: str,
    workers: int | None = None,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReportJob:
    """Run a job this owner has claimed, its heartbeat beating meanwhile."""
    from app.reports.export import run_job

    with heartbeat(job_id, owner, settings=settings):
        return run_job(job_id, owner=owner, workers=workers, settings=settings, progress=progress)


def retry_delay_ms(attempts: int, settings: Settings) -> int:
    """Backoff before the next attempt: JOB_RETRY_SECONDS, doubled per attempt, at most 1 h."""
    return min(settings.job_retry_seconds * 2 ** max(attempts - 1, 0), 3600) * 1000


def perform(job_id: int, *, settings: Settings | None = None) -> None:
    """A worker's run of one job message: claim, run, and say what should happen next.

    Returns when the message may be acknowledged (done, failed for good, or already
    finished by someone else); raises `dramatiq.Retry` with its delay when it must come
    back: another live process holds it (try again once its heartbeat could have stopped),
    or this attempt failed and attempts are left (the job shows why meanwhile).
    """
    import dramatiq

    settings = settings or get_settings()
    owner = new_owner()
    try:
        with new_session() as db:
            state = claim(db, job_id, owner=owner, settings=settings)
            job = db.get(ReportJob, job_id)
            attempts = job.attempts if job is not None else 0
    except Exception as exc:  # the database is unavailable: keep the message, come back
        log.exception("report export %s: cannot claim it", job_id)
        raise dramatiq.Retry(delay=settings.job_retry_seconds * 1000) from exc
    if state == "finished":
        return
    if state == "busy":
        raise dramatiq.Retry(delay=settings.job_stale_seconds * 1000)
    try:
        run_claimed(job_id, owner=owner, settings=settings)
    except LostClaim:
        log.warning("report export %s was taken over; this run stops", job_id)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"[:500]
        log.exception("report export %s: attempt %s failed", job_id, attempts)
        if attempts >= settings.job_max_attempts:
            mark_failed(job_id, reason)
            return
        release(job_id, owner, reason)
        raise dramatiq.Retry(delay=retry_delay_ms(attempts, settings)) from exc


@lru_cache
def export_actor() -> dramatiq.Actor[[int], None]:
    """The queue's actor for exports, bound to this process's broker."""
    import dramatiq

    declare = dramatiq.actor(actor_name=ACTOR, queue_name=queue.QUEUE, broker=queue.get_broker())
    return declare(perform_message)


def perform_message(job_id: int) -> None:
    perform(job_id)


def release(job_id: int, owner: str, reason: str) -> None:
    """Give a failed attempt's job back to the queue, its reason shown until the next try."""
    with new_session() as db:
        db.exec(
            update(ReportJob)
            .where(col(ReportJob.id) == job_id, col(ReportJob.owner) == owner)
            .values(status="queued", owner=None, heartbeat_at=None, error=reason[:500])
        )
        db.commit()  # the page polls from other sessions, the next attempt claims it


def mark_failed(job_id: int, message: str) -> None:
    """The job failed for good: the page shows the reason and stops polling."""
    with new_session() as db:
        job = db.get(ReportJob, job_id)
        if job is not None:
            job.status, job.error, job.owner = "failed", message[:500], None
            job.finished_at = utcnow()
            db.add(job)
            db.commit()  # no request commits for a worker: store it so the progress bar stops
    from app.reports.export import discard_partials

    discard_partials(job_id)  # a killed last run's unfinished ZIP: no run will finish it


def requeue_stale(settings: Settings | None = None) -> list[int]:
    """Put running jobs whose heartbeat stopped back in the queue; returns their ids.

    Called when a web process or a worker starts. A job another live process runs (its
    heartbeat is fresh) is left alone. They start again from the first branch (finished
    PDFs come from the report cache).
    """
    settings = settings or get_settings()
    with new_session(write=False) as db:  # a read first: start-up takes no write lock
        query = select(ReportJob.id).where(ReportJob.status == "running", _stale_clause(settings))
        stuck = [job_id for job_id in db.exec(query) if job_id is not None]
    if not stuck:
        return []
    with new_session() as db:
        result = db.exec(
            update(ReportJob)
            .where(
                col(ReportJob.id).in_(stuck),
                col(ReportJob.status) == "running",
                _stale_clause(settings),
            )
            .values(status="queued", done=0, failures=None, owner=None, heartbeat_at=None)
        )
        db.commit()  # the dispatcher or a worker reads the queue in its own session
    log.info("re-queued %s report export(s) whose heartbeat had stopped", result.rowcount)
    return stuck


def queued_ids() -> list[int]:
    with new_session(write=False) as db:
        query = select(ReportJob.id).where(ReportJob.status == "queued")
        return [job_id for job_id in db.exec(query.order_by(col(ReportJob.id))) if job_id]


def resume_interrupted() -> int:
    """At start-up: re-queue dead runs and make sure every queued job will run.

    With a broker every queued job is sent again (a message lost with a Redis restart must
    not strand it; a duplicate finds the job claimed or finished and does nothing).
    Returns how many jobs were re-queued.
    """
    stale = requeue_stale()
    if queue.enabled():
        for job_id in queued_ids():
            start(job_id, fail_unsent=job_id in stale)
    elif stale or queued_ids():
        dispatcher.kick()
    return len(stale)


def next_queued() -> int | None:
    """The oldest queued job's id (a read: it never waits on a writer)."""
    ids = queued_ids()
    return ids[0] if ids else None


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

    def _leave(self) -> bool:
        """End the thread, unless a kick came in meanwhile.

        A kick that finds the thread alive only wakes it; one that arrived during the last
        idle second, just before the thread gave up, would be lost (its job left queued
        until the next kick). Under the lock no kick can slip in between.
        """
        with self._lock:
            if self._wake.is_set():
                return False
            self._thread = None
            return True

    def _loop(self) -> None:
        idle = 0
        while not queue.enabled():  # with a broker, workers run jobs
            if idle >= IDLE_ROUNDS:
                if self._leave():
                    return
                idle = 0
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
            owner = new_owner()
            try:
                with new_session() as db:
                    claimed = claim(db, job_id, owner=owner) == "claimed"
                if claimed:
                    run_claimed(job_id, owner=owner, settings=get_settings())
            except LostClaim:
                log.warning("report export %s was taken over; this run stops", job_id)
            except Exception as exc:
                log.exception("report export %s failed", job_id)
                mark_failed(job_id, f"{type(exc).__name__}: {exc}")


dispatcher = Dispatcher()
