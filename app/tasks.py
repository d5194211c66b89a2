"""Jobs without a progress page, on the same queue as the bulk exports.

- `rescore_wave(wave_id)`: rescore every scored visit of a wave with the current engine
  and checklist (after a correction that touches many visits, or an upgrade that changes
  how a rule scores), refresh the branches' aggregates, then warm the wave's reports.
- `warm_reports(wave_id, language)`: render the wave's branch reports into the cache.

As for exports (`app.queue`): with BROKER_URL set, `submit` sends a message that any
`shopmirror worker` runs, acknowledged only when the job returns, so a killed worker's
job is run again by another; without one, the same code runs on a thread of this process.
Both jobs are idempotent: a rescore writes only the scores that differ (one branch per
transaction, so a resumed run continues where the dead one stopped) and the warm-up
renders only what the cache lacks. A run that raises is tried again after
JOB_RETRY_SECONDS, doubled each time, up to JOB_MAX_ATTEMPTS runs; then it is logged as
failed for good with its reason.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from app import queue
from app.db import new_session, session_scope
from app.reports.jobs import retry_delay_ms
from app.reports.warmup import warm_wave
from app.services import scoring
from app.settings import get_settings

if TYPE_CHECKING:
    import dramatiq
    from dramatiq import Broker

log = logging.getLogger(__name__)
ACTOR = "shopmirror_task"
Arg = int | str


def rescore_wave(wave_id: int) -> dict[str, Any]:
    """Rescore the wave branch by branch (each committed alone), then warm its reports."""
    with new_session(write=False) as db:
        branch_ids = scoring.scored_branches(db, wave_id=wave_id)
    changed = 0
    for branch_id in branch_ids:
        with session_scope() as db:  # one branch per commit: a resumed run skips what is done
            changed += scoring.rescore_branch_wave(db, branch_id=branch_id, wave_id=wave_id)
    warmed = warm_wave(wave_id, get_settings().default_language)
    log.info("rescored wave %s: %s score(s) changed", wave_id, changed)
    return {"branches": len(branch_ids), "changed": changed, "reports": asdict(warmed)}


def warm_reports(wave_id: int, language: str) -> dict[str, Any]:
    warmed = warm_wave(wave_id, language)
    log.info("warmed wave %s (%s): %s", wave_id, language, warmed)
    return asdict(warmed)


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "rescore_wave": rescore_wave,
    "warm_reports": warm_reports,
}


def perform(name: str, args: list[Arg], attempt: int = 1) -> dict[str, Any] | None:
    """Run one job; on failure send it again after its backoff (or, in-process, wait and
    retry here) until JOB_MAX_ATTEMPTS runs. Returns the job's result, None if it failed.

    With a broker the retry is a new, delayed message sent before this one is
    acknowledged: a worker killed in between leaves both, and the duplicate is harmless.
    """
    settings = get_settings()
    while True:
        try:
            return TASKS[name](*args)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:500]
            if attempt >= settings.job_max_attempts:
                log.error("job %s%s failed for good after %s runs: %s", name, args, attempt, reason)
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
            attempt += 1
            if queue.enabled():
                task_actor().send_with_options(args=(name, args, attempt), delay=delay)
                return None
            time.sleep(delay / 1000)


_bound: tuple[Broker, dramatiq.Actor[[str, list[Arg], int], None]] | None = None
_bind_lock = threading.Lock()


def task_actor() -> dramatiq.Actor[[str, list[Arg], int], None]:
    """The queue's actor for these jobs, bound to this process's (current) broker."""
    global _bound
    import dramatiq

    broker = queue.get_broker()
    with _bind_lock:
        if _bound is None or _bound[0] is not broker:
            declare = dramatiq.actor(actor_name=ACTOR, queue_name=queue.QUEUE, broker=broker)
            _bound = (broker, declare(perform_message))
        return _bound[1]


def perform_message(name: str, args: list[Arg], attempt: int) -> None:
    perform(name, args, attempt)


def submit(name: str, *args: Arg) -> threading.Thread | None:
    """Queue a job: to the broker when set (None), else on a thread started here (returned,
    for a command that waits for it)."""
    if name not in TASKS:
        raise KeyError(f"no job named {name}")
    if queue.enabled():
        task_actor().send(name, list(args), 1)
        return None
    thread = threading.Thread(
        target=perform, args=(name, list(args)), name=f"job-{name}", daemon=True
    )
    thread.start()
    return thread
