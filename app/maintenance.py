"""Jobs that own their transaction: the retention purge and the sweep of what killed
uploads left (`app.services.media_sweep`), from the command or every PURGE_EVERY_HOURS.

`run_purge` is the one entry both use: it commits the purge, and only then are the photo
files deleted (`app.storage` applies deletions at commit) and the cached PDFs, which may
show those photos, dropped (they are rebuilt from what remains when asked for again).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from app.db import session_scope
from app.reports import cache
from app.services import media_sweep, retention
from app.settings import get_settings

log = logging.getLogger(__name__)


def run_purge(*, now: datetime | None = None) -> retention.PurgeReport:
    with session_scope() as db:
        report = retention.purge(db, now=now)
    if report.visits:
        cache.prune(max_age_days=0)
    return report


def run_sweep(*, now: datetime | None = None) -> media_sweep.SweepReport:
    with session_scope() as db:
        return media_sweep.sweep(db, now=now)


async def purge_every(hours: int) -> None:
    """Run the purge every `hours` while the server runs (the first run after one interval)."""
    while True:
        await asyncio.sleep(hours * 3600)
        try:
            report = await run_in_threadpool(run_purge)
        except Exception:  # a failed run (a busy database) is logged and tried again later
            log.exception("retention purge failed")
            continue
        log.info("retention purge: %s", report)
        try:
            log.info("media sweep: %s", await run_in_threadpool(run_sweep))
        except Exception:  # a store that does not answer now is swept next time
            log.exception("media sweep failed")


def start_periodic_purge() -> asyncio.Task[None] | None:
    hours = get_settings().purge_every_hours
    return asyncio.create_task(purge_every(hours)) if hours else None
