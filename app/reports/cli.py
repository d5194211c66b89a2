"""`shopmirror report`: one branch's PDF, or every branch of a wave as a ZIP, from a script."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlmodel import select

from app import storage
from app.db import new_session, session_scope
from app.errors import Invalid
from app.i18n import normalize_language
from app.models import Region
from app.models.base import row_id
from app.reports.export import zip_file
from app.reports.fonts import INSTALL_HINT, cjk_font
from app.reports.jobs import claim, new_owner, queue_export, run_claimed
from app.reports.service import branch_report, find_branch, find_wave, pick_report_language
from app.settings import LANGUAGES, get_settings


def _language(requested: str | None) -> str:
    """--lang as given (en, zh_CN, zh-CN, zh), else DEFAULT_LANGUAGE; anything else is an error."""
    if requested and normalize_language(requested) not in LANGUAGES:
        raise Invalid(f"--lang: must be one of {', '.join(LANGUAGES)}")
    return pick_report_language(requested, get_settings().default_language)


def one_report(branch_code: str, wave_ref: str, output: Path, lang: str) -> str:
    """Write one branch's report; returns a line describing what was written."""
    with new_session(write=False) as db:
        wave = find_wave(db, wave_ref)
        branch = find_branch(db, user=None, code=branch_code)
        report = branch_report(db, user=None, branch=branch, wave=wave, lang=lang)
    output.write_bytes(report.pdf)
    source = "from the cache" if report.cached else "rendered"
    return f"{output}: {branch.code}, {wave.name}, {lang} ({len(report.pdf)} bytes, {source})"


def all_reports(
    wave_ref: str, region_code: str | None, output: Path, lang: str, workers: int | None
) -> tuple[str, int]:
    """Write the ZIP of a wave's (or a region's) reports; returns a summary and the failures."""
    with session_scope() as db:
        wave = find_wave(db, wave_ref)
        region = None
        if region_code:
            region = db.exec(select(Region).where(Region.code == region_code)).first()
            if region is None:
                raise Invalid(f"--region: no region with code {region_code}")
        job = queue_export(db, user=None, wave=wave, region=region, language=lang, start=False)
        job_id = row_id(job)
    owner = new_owner()
    with new_session() as db:
        if claim(db, job_id, owner=owner) != "claimed":
            raise Invalid("the export job was taken by another process")

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total} reports", end="", file=sys.stderr, flush=True)

    finished = run_claimed(job_id, owner=owner, workers=workers, progress=progress)
    print(file=sys.stderr)
    archive = zip_file(finished)
    chunks = storage.backend().open(archive) if archive else None
    assert chunks is not None  # run_job returns the job done, its ZIP just stored
    with output.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
    failures = finished.failures or []
    for failure in failures:
        print(f"failed: {failure['branch']}: {failure['error']}", file=sys.stderr)
    line = f"{output}: {finished.done - len(failures)} of {finished.total} reports + summary"
    return line, len(failures)


def run(args: argparse.Namespace) -> int:
    """The subcommand's body; exit status 0, or 1 when some branch's report failed."""
    lang = _language(args.lang)
    if not cjk_font().ok:
        print(f"warning: no Chinese font found (fc-list :lang=zh); {INSTALL_HINT}", file=sys.stderr)
    if args.all:
        if not args.wave:
            raise Invalid("--all needs --wave WAVE")
        output = Path(args.output or "reports.zip")
        line, failed = all_reports(args.wave, args.region, output, lang, args.workers)
        print(line)
        return 1 if failed else 0
    if not (args.branch and (args.wave_ref or args.wave)):
        raise Invalid("give BRANCH WAVE, or --wave WAVE --all")
    output = Path(args.output or f"{args.branch}.pdf")
    print(one_report(args.branch, args.wave_ref or args.wave, output, lang))
    return 0
