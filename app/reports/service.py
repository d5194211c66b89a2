"""Branch audit reports: access, cache lookup, rendering. Used by the web, the CLI and jobs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, select
from weasyprint import Document

from app import storage
from app.charts.svg import drawn_glyph_by_glyph
from app.errors import NotFound
from app.i18n import _, content_language, normalize_language
from app.models import Branch, User, Wave
from app.models.base import row_id
from app.reports import cache
from app.reports.data import assemble, language, page_counter_css
from app.reports.renderer import Rendered, get_renderer
from app.services.access import get_branch
from app.settings import LANGUAGES
from app.templating import render_html


@dataclass(frozen=True)
class ReportFile:
    pdf: bytes
    filename: str
    cached: bool


def pick_report_language(requested: str | None, fallback: str) -> str:
    """A supported language code from `?lang=` or the CLI (zh-CN, zh_CN, en), else `fallback`."""
    chosen = normalize_language(requested) if requested else None
    return chosen if chosen in LANGUAGES else fallback


def find_wave(db: Session, ref: str | int) -> Wave:
    """A wave by id or by exact name (the CLI accepts either)."""
    text = str(ref).strip()
    wave = db.exec(select(Wave).where(Wave.name == text)).first()
    if wave is None and text.isdigit():
        wave = db.get(Wave, int(text))
    if wave is None:
        raise NotFound(_("No wave named %(wave)s.", wave=text))
    return wave


def find_branch(
    db: Session, *, user: User | None, branch_id: int | None = None, code: str | None = None
) -> Branch:
    """A branch by id or code; with a user, only one they may see (else NotFound)."""
    query = select(Branch)
    query = (
        query.where(Branch.id == branch_id)
        if branch_id is not None
        else query.where(Branch.code == (code or ""))
    )
    branch = db.exec(query).first()
    if branch is None:
        raise NotFound(_("Not found."))
    return get_branch(db, user, row_id(branch)) if user is not None else branch


def report_filename(branch: Branch, wave: Wave, lang: str) -> str:
    """An ASCII file name: branch code, wave name and language."""
    raw = f"{branch.code}_{wave.name}_{content_language(lang)}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-") + ".pdf"


@dataclass(frozen=True)
class BranchHtml:
    """A branch report's HTML and the thumbnails it may load (photo id -> stored path)."""

    html: str
    thumbs: dict[int, str]


def branch_html(db: Session, *, branch: Branch, wave: Wave, lang: str) -> BranchHtml:
    """The report's HTML in `lang`, ready for the renderer."""
    with language(lang), drawn_glyph_by_glyph():  # WeasyPrint draws SVG text glyph by glyph
        report = assemble(db, branch=branch, wave=wave)
        html = render_html(
            "reports/branch.html",
            {
                "report": report,
                "company": report.company,
                "lang_tag": report.lang_tag,
                "page_counter": page_counter_css(),
            },
        )
    return BranchHtml(html, report.thumbs)


def layout_branch(db: Session, *, branch: Branch, wave: Wave, lang: str) -> Document:
    """A branch's report laid out into pages (what the PDF is drawn from; tests measure it)."""
    doc = branch_html(db, branch=branch, wave=wave, lang=lang)
    return get_renderer().layout(doc.html, media=storage.backend(), thumbs=doc.thumbs)


def render_branch(db: Session, *, branch: Branch, wave: Wave, lang: str) -> Rendered:
    """Assemble and render a branch's report now (no cache)."""
    doc = branch_html(db, branch=branch, wave=wave, lang=lang)
    return get_renderer().render(doc.html, media=storage.backend(), thumbs=doc.thumbs)


def branch_report(
    db: Session, *, user: User | None, branch: Branch, wave: Wave, lang: str
) -> ReportFile:
    """The branch's report for the wave: from the cache when nothing it shows has changed."""
    if user is not None:
        branch = get_branch(db, user, row_id(branch))
    key = cache.content_key(db, branch=branch, wave=wave, language=lang)
    filename = report_filename(branch, wave, lang)
    stored = cache.read_cached(key)
    if stored is not None:
        return ReportFile(stored, filename, cached=True)
    rendered = render_branch(db, branch=branch, wave=wave, lang=lang)
    cache.keep(key, rendered.pdf)
    return ReportFile(rendered.pdf, filename, cached=False)
