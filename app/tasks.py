"""A wave's rescore and report warm-up, and CSV imports of many rows, on the same queue as
the bulk exports.

- `rescore_wave(wave_id)`: rescore every scored visit of a wave with the current engine
  and checklist (after a correction that touches many visits, or an upgrade that changes
  how a rule scores), refresh the branches' aggregates, then warm the wave's reports.
- `warm_reports(wave_id, language)`: render the wave's branch reports into the cache.
- `import_branches(job_id)`, `import_users(job_id)`: apply the CSV file the job's row
  carries (`app.services.import_jobs`).

As for exports (`app.queue`): with BROKER_URL set, `submit` sends a message that any
`shopmirror worker` runs, acknowledged only when the job returns, so a killed worker's
job is run again by another; without one, the same code runs on a thread of this process.
Both jobs are idempotent: a rescore writes only the scores that differ (one branch per
transaction, so a resumed run continues where the dead one stopped) and the warm-up
renders only what the cache lacks. A run that raises is tried again after
JOB_RETRY_SECONDS, doubled each time, up to JOB_MAX_ATTEMPTS runs; then it is logged as
failed for good with its reason.

A job HQ starts from the reports page (or the commands) has a `BackgroundJob` row: it is
queued with it and starts once that row is committed (`queue_job`), and each run writes its
progress (`done` of `total` steps: branches rescored, then reports warmed), each failed
attempt's reason while it waits to be tried again, and how it ended, so the page follows it
as it follows an export. Without a broker, a job a stopped server left unfinished is marked
as failed, with that reason, when the next one starts (`fail_interrupted`).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select, update

from app import queue
from app.after_commit import after_commit
from app.db import new_session, session_scope
from app.errors import Invalid, NotFound
from app.i18n import _
from app.models import BackgroundJob, User, Wave, utcnow
from app.models.base import row_id
from app.reports.jobs import retry_delay_ms
from app.reports.warmup import warm_wave
from app.services import scoring
from app.services.import_jobs import apply_import
from app.settings import LANGUAGES, get_settings

if TYPE_CHECKING:
    import dramatiq
    from dramatiq import Broker

log = logging.getLogger(__name__)
ACTOR = "shopmirror_task"
Arg = int | str
Progress = Callable[[int, int], None]  # (steps done, steps in all)


def _quiet(_done: int, _total: int) -> None:
    pass


def rescore_wave(wave_id: int, *, progress: Progress = _quiet) -> dict[str, Any]:
    """Rescore the wave branch by branch (each committed alone), then warm its reports."""
    with new_session(write=False) as db:
        branch_ids = scoring.scored_branches(db, wave_id=wave_id)
    changed = 0
    steps = len(branch_ids)
    progress(0, steps)
    for index, branch_id in enumerate(branch_ids, 1):
        with session_scope() as db:  # one branch per commit: a resumed run skips what is done
            changed += scoring.rescore_branch_wave(db, branch_id=branch_id, wave_id=wave_id)
        progress(index, steps)
    warmed = warm_wave(
        wave_id,
        get_settings().default_language,
        progress=lambda done, total: progress(steps + done, steps + total),
    )
    log.info("rescored wave %s: %s score(s) changed", wave_id, changed)
    return {"branches": len(branch_ids), "changed": changed, "reports": asdict(warmed)}


def warm_reports(wave_id: int, language: str, *, progress: Progress = _quiet) -> dict[str, Any]:
    warmed = warm_wave(wave_id, language, progress=progress)
    log.info("warmed wave %s (%s): %s", wave_id, language, warmed)
    return asdict(warmed)


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "rescore_wave": rescore_wave,
    "warm_reports": warm_reports,
    "import_branches": functools.partial(apply_import, "branches"),
    "import_users": functools.partial(apply_import, "users"),
}
WAVE_TASKS = frozenset({"rescore_wave", "warm_reports"})


def perform(
    name: str, args: list[Arg], attempt: int = 1, job_id: int | None = None
) -> dict[str, Any] | None:
    """Run one job; on failure send it again after its backoff (or, in-process, wait and
    retry here) until JOB_MAX_ATTEMPTS runs. Returns the job's result, None if it failed.

    With a broker the retry is a new, delayed message sent before this one is
    acknowledged: a worker killed in between leaves both, and the duplicate is harmless.
    With `job_id` its row says how far it got and how it ended.
    """
    settings = get_settings()
    while True:
        _record(job_id, status="running", attempts=attempt, started_at=utcnow())
        try:
            result = TASKS[name](*args, progress=_progress_of(job_id))
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:500]
            if isinstance(exc, Invalid):  # refused for its input: the same input fails again
                reason = exc.message[:500]
            if attempt >= settings.job_max_attempts or isinstance(exc, Invalid):
                log.error("job %s%s failed for good after %s runs: %s", name, args, attempt, reason)
                _record(job_id, status="failed", error=reason, finished_at=utcnow())
                return None
            delay = retry_delay_ms(attempt, settings)
            log.warning(
                "job %s%s: attempt %s failed (%s); again in %s ms",
                name,
                args,
                attempt,
                reason,
                delay,
            )
            _record(job_id, status="queued", error=reason)  # shown while it waits
            attempt += 1
            if queue.enabled():
                task_actor().send_with_options(args=(name, args, attempt, job_id), delay=delay)
                return None
            time.sleep(delay / 1000)
        else:
            _record(job_id, status="done", error=None, result=result, finished_at=utcnow())
            return result


def _record(job_id: int | None, **values: Any) -> None:
    """Write a job row's fields in a transaction of their own (the page reads them)."""
    if job_id is None:
        return
    with session_scope() as db:
        db.exec(update(BackgroundJob).where(col(BackgroundJob.id) == job_id).values(**values))


def _progress_of(job_id: int | None) -> Progress:
    if job_id is None:
        return _quiet

    def progress(done: int, total: int) -> None:
        _record(job_id, done=done, total=total)

    return progress


def arguments(job: BackgroundJob) -> list[Arg]:
    """The job function's arguments, from its row."""
    if job.kind not in WAVE_TASKS:
        return [row_id(job)]  # an import reads its file from the row
    wave_id = int(job.wave_id or 0)
    if job.kind == "warm_reports":
        return [wave_id, job.language or get_settings().default_language]
    return [wave_id]


def queue_job(
    db: Session,
    *,
    user: User | None,
    kind: str,
    wave: Wave | None = None,
    language: str | None = None,
    payload: bytes | None = None,
    requested_from: str = "",
    start: bool = True,
) -> BackgroundJob:
    """Record a job (for the wave, or an import with its file as `payload`); it is sent (or
    started here) once the row is committed.

    `start=False` only records it, for a caller that runs it itself (the commands without a
    broker wait for it).
    """
    if kind not in TASKS:
        raise Invalid(_("There is no such job."), field="kind")
    if (kind in WAVE_TASKS) != (wave is not None) or (kind in WAVE_TASKS) == (payload is not None):
        raise Invalid(_("There is no such job."), field="kind")
    if kind == "warm_reports" and language not in LANGUAGES:
        raise Invalid(_("Choose the reports' language."), field="language")
    job = BackgroundJob(
        kind=kind,
        wave_id=row_id(wave) if wave is not None else None,
        language=language if kind == "warm_reports" else None,
        payload=payload,
        requested_from=requested_from[:64] or None,
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


def start(job_id: int) -> threading.Thread | None:
    """Send a recorded job to the queue (or start it on a thread here); one that cannot be
    sent fails at once with the reason, rather than wait for ever."""
    with new_session(write=False) as db:
        job = db.get(BackgroundJob, job_id)
        if job is None:
            return None
        kind, args = job.kind, arguments(job)
    try:
        return submit(kind, *args, job_id=job_id)
    except Exception as exc:
        log.exception("job %s: cannot reach the job queue", job_id)
        reason = f"job queue unreachable: {type(exc).__name__}: {exc}"[:500]
        _record(job_id, status="failed", error=reason, finished_at=utcnow())
        return None


def fail_interrupted() -> int:
    """At a web process's start without a broker: a job a stopped server was running (or had
    still to start) ran on that server's threads and will not finish; say so on its row, so
    the page does not show it running for ever (HQ starts it again: it is idempotent). With a
    broker the queue hands an unacknowledged job to another worker instead."""
    if queue.enabled():
        return 0
    unfinished = col(BackgroundJob.status).in_(("queued", "running"))
    with new_session(write=False) as db:  # a read first: start-up takes no write lock
        if db.exec(select(BackgroundJob.id).where(unfinished).limit(1)).first() is None:
            return 0
    with session_scope() as db:
        result = db.exec(
            update(BackgroundJob)
            .where(unfinished)
            .values(
                status="failed",
                error="the server stopped before the job finished; start it again",
                finished_at=utcnow(),
            )
        )
        return int(result.rowcount or 0)


def get_job(db: Session, *, job_id: int, kinds: Collection[str] = WAVE_TASKS) -> BackgroundJob:
    """A job of one of these kinds (each page shows only its own), else NotFound."""
    job = db.get(BackgroundJob, job_id)
    if job is None or job.kind not in kinds:
        raise NotFound(_("Not found."))
    return job


def recent_jobs(db: Session, *, wave_id: int, limit: int = 5) -> list[BackgroundJob]:
    query = select(BackgroundJob).where(BackgroundJob.wave_id == wave_id)
    order = (col(BackgroundJob.created_at).desc(), col(BackgroundJob.id).desc())
    return list(db.exec(query.order_by(*order).limit(limit)))


_bound: tuple[Broker, dramatiq.Actor[[str, list[Arg], int, int | None], None]] | None = None
_bind_lock = threading.Lock()


def task_actor() -> dramatiq.Actor[[str, list[Arg], int, int | None], None]:
    """The queue's actor for these jobs, bound to this process's (current) broker."""
    global _bound
    import dramatiq

    broker = queue.get_broker()
    with _bind_lock:
        if _bound is None or _bound[0] is not broker:
            declare = dramatiq.actor(actor_name=ACTOR, queue_name=queue.QUEUE, broker=broker)
            _bound = (broker, declare(perform_message))
        return _bound[1]


def perform_message(name: str, args: list[Arg], attempt: int, job_id: int | None = None) -> None:
    perform(name, args, attempt, job_id)


def submit(name: str, *args: Arg, job_id: int | None = None) -> threading.Thread | None:
    """Queue a job: to the broker when set (None), else on a thread started here (returned,
    for a command that waits for it)."""
    if name not in TASKS:
        raise KeyError(f"no job named {name}")
    if queue.enabled():
        task_actor().send(name, list(args), 1, job_id)
        return None
    thread = threading.Thread(
        target=perform, args=(name, list(args), 1, job_id), name=f"job-{name}", daemon=True
    )
    thread.start()
    return thread
