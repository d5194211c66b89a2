"""The summary PDF of a bulk export: every branch ranked, and the reports that failed."""

from __future__ import annotations

from markupsafe import Markup
from sqlmodel import Session

from app.charts.scorecard import region_chart
from app.i18n import content_language
from app.models import Region, Wave
from app.reports.data import language, page_counter_css
from app.reports.renderer import get_renderer
from app.scoring import rank_key
from app.services.scorecards import overview
from app.services.scorecards.types import BranchRow, Overview
from app.settings import get_settings
from app.templating import render_html


def ranked_rows(view: Overview) -> list[BranchRow]:
    """Own branches of every region in one ranking, by the scorecards' rule (`rank_key`)."""
    rows = [row for region in view.regions for row in region.ranking]
    return sorted(rows, key=lambda r: rank_key(r.score, r.branch.code))


def render_summary(
    db: Session, *, wave: Wave, region: Region | None, failures: list[dict[str, str]], lang: str
) -> bytes:
    """The ranking of all branches of the export, with any branch whose report failed."""
    with language(lang):
        view = overview(db, user=None, wave=wave, region=region)
        html = render_html(
            "reports/summary.html",
            {
                "view": view,
                "region": region,
                "ranking": ranked_rows(view),
                "failures": failures,
                "chart": Markup(region_chart(view, width=700.0)) if view.regions else "",
                "company": get_settings().company_name,
                "lang_tag": content_language(lang),
                "page_counter": page_counter_css(),
            },
        )
    return get_renderer().render(html).pdf
