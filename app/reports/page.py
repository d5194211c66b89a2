"""What HQ's reports page lists: waves, their branches with scores, export jobs, and the
wave's rescores and report warm-ups."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.errors import NotFound
from app.i18n import _
from app.models import BackgroundJob, Branch, Region, ReportJob, Wave
from app.models.base import row_id
from app.reports.fonts import FontStatus, cjk_font
from app.reports.jobs import recent_jobs
from app.services.scorecards import data, overview
from app.services.scorecards.types import BranchRow
from app.tasks import recent_jobs as recent_background_jobs


@dataclass
class BranchLine:
    branch: Branch
    region: Region
    row: BranchRow | None  # the scorecard's line (None: no score in this wave)


@dataclass
class ReportsPage:
    waves: list[Wave]
    wave: Wave | None
    regions: list[Region]
    region: Region | None
    branches: list[BranchLine]
    jobs: list[ReportJob]
    fonts: FontStatus
    tasks: list[BackgroundJob]  # the wave's rescores and warm-ups, newest first


def reports_page(db: Session, *, wave_id: int | None, region_id: int | None) -> ReportsPage:
    """The chosen (or latest scored) wave's branches with their scorecard line, and jobs."""
    waves = data.waves_newest_first(db)
    wave = db.get(Wave, wave_id) if wave_id else data.default_wave(db)
    if wave_id and wave is None:
        raise NotFound(_("Not found."))
    regions = data.visible_regions(db, scope=None)
    region = next((r for r in regions if r.id == region_id), None) if region_id else None
    if region_id and region is None:
        raise NotFound(_("Not found."))
    lines: list[BranchLine] = []
    if wave is not None:
        view = overview(db, user=None, wave=wave, region=region)
        rows = {row.branch.id: row for r in view.regions for row in (*r.ranking, *r.benchmark)}
        by_id = {r.id: r for r in regions}
        planned = data.wave_branches(
            db, wave_id=row_id(wave), scope=None, region_ids=[row_id(region)] if region else None
        )
        lines = [BranchLine(b, by_id[b.region_id], rows.get(row_id(b))) for b in planned]
    return ReportsPage(
        waves=waves,
        wave=wave,
        regions=regions,
        region=region,
        branches=lines,
        jobs=recent_jobs(db, wave_id=wave.id) if wave else [],
        fonts=cjk_font(),
        tasks=recent_background_jobs(db, wave_id=row_id(wave)) if wave else [],
    )
