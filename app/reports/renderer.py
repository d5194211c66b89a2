"""One long-lived WeasyPrint renderer per process: print CSS and font setup built once.

Parsing the stylesheet and building the font configuration cost more than laying
out a short report, so a web worker or a pool process builds them on first use
and reuses them for every report it renders afterwards.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration

from app.reports.fetcher import STATIC_DIR, ReportFetcher
from app.reports.fonts import INSTALL_HINT, cjk_font
from app.storage import Backend

log = logging.getLogger(__name__)

STYLESHEET = STATIC_DIR / "report.css"
# Thumbnails are at most 320 px; 150 dpi is sharp on paper at the size they are printed.
PDF_OPTIONS = {"optimize_images": True, "jpeg_quality": 70, "dpi": 150}


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


class ReportRenderer:
    """Turns report HTML into PDF bytes with the shared stylesheet and fonts."""

    def __init__(self, stylesheet: Path = STYLESHEET) -> None:
        fonts = cjk_font()
        if not fonts.ok:
            log.warning("No Chinese font found by `fc-list :lang=zh`: %s", INSTALL_HINT)
        self.fonts = fonts
        self.font_config = FontConfiguration()
        static_only = ReportFetcher()
        self.stylesheets = [
            CSS(filename=str(stylesheet), font_config=self.font_config, url_fetcher=static_only),
            CSS(
                string=f":root {{ font-family: {fonts.font_stack}; }}",
                font_config=self.font_config,
            ),
        ]
        self._lock = threading.Lock()  # one layout at a time shares the font configuration

    def layout(
        self, html: str, *, media: Backend | None = None, thumbs: Mapping[int, str] | None = None
    ) -> Document:
        """Lay out `html` into pages, loading only static files and these thumbnails."""
        fetcher = ReportFetcher(media=media, thumbs=thumbs)
        with self._lock:
            return HTML(string=html, url_fetcher=fetcher).render(
                font_config=self.font_config, stylesheets=self.stylesheets, **PDF_OPTIONS
            )

    def render(
        self, html: str, *, media: Backend | None = None, thumbs: Mapping[int, str] | None = None
    ) -> Rendered:
        """Lay out `html` (see `layout`) and return the PDF."""
        document = self.layout(html, media=media, thumbs=thumbs)
        with self._lock:
            pdf = document.write_pdf(**PDF_OPTIONS)
        return Rendered(pdf=pdf, pages=len(document.pages))


_renderer: ReportRenderer | None = None
_renderer_lock = threading.Lock()


def get_renderer() -> ReportRenderer:
    """This process's renderer, built on first use."""
    global _renderer
    if _renderer is None:
        with _renderer_lock:
            if _renderer is None:
                _renderer = ReportRenderer()
    return _renderer
