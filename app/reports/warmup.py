"""Warming the report cache: every branch's report of a wave rendered before anyone asks.

After a rescore (or before a wave's results are presented) the reports' content keys are
new and the first download of each would wait for its rendering; a warm-up job renders
them ahead. It goes through the cache (`export.render_one`), so a report already cached
is not drawn again and a repeated or resumed warm-up only renders what is missing. A
branch whose report fails is logged and skipped, as in a bulk export: it does not fail
the job, so one bad branch does not make the others render again on every retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from app.db import new_session
from app.errors import NotFound
from app.i18n import _
from app.models import Branch, Wave
from app.models.base import row_id
from app.reports import cache
from app.reports.export import render_one
from app.reports.jobs import export_branches

log = logging.getLogger(__name__)


@dataclass
class Warmed:
    """What one warm-up did: reports rendered now, found cached, and failed (code: error)."""

    rendered: int = 0
    cached: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def _quiet(_done: int, _total: int) -> None:
    pass


def warm_wave(
    wave_id: int, language: str, *, progress: Callable[[int, int], None] = _quiet
) -> Warmed:
    """Make sure every own branch's report of the wave in `language` is in the cache;
    `progress(done, total)` after each branch (a job's page follows it)."""
    with new_session(write=False) as db:
        wave = db.get(Wave, wave_id)
        if wave is None:
            raise NotFound(_("Not found."))
        branches = [(row_id(b), b.code) for b in export_branches(db, wave=wave, region_id=None)]
    done = Warmed()
    progress(0, len(branches))
    for index, (branch_id, code) in enumerate(branches, 1):
        _warm_one(done, branch_id, code, wave_id, language)
        progress(index, len(branches))
    return done


def _warm_one(done: Warmed, branch_id: int, code: str, wave_id: int, language: str) -> None:
    """One branch's report into the cache (or counted as found there, or as failed)."""
    try:
        with new_session(write=False) as db:
            branch, wave = db.get(Branch, branch_id), db.get(Wave, wave_id)
            assert branch is not None and wave is not None  # read just above
            cached = cache.is_cached(
                cache.content_key(db, branch=branch, wave=wave, language=language)
            )
    except Exception as exc:  # this branch's data cannot be read: as a failed render
        ok, outcome = False, f"{type(exc).__name__}: {exc}"[:500]
    else:
        if cached:
            done.cached += 1
            return
        ok, outcome = render_one(branch_id, wave_id, language)
    if ok:
        done.rendered += 1
    else:
        log.warning("report warm-up: %s of wave %s failed: %s", code, wave_id, outcome)
        done.failed[code] = outcome
