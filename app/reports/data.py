"""What one branch's audit report shows, built on the scorecard service (same figures).

The scorecard gives every figure and the charts; this adds the report's own parts:
the visits standard by standard, the cover's facts, and helpers the template uses
to show times in the branch's zone and "page x of y" in the report's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_time
from markupsafe import Markup
from sqlmodel import Session

from app.charts.scorecard import dimension_chart, section_chart, trend_chart
from app.i18n import _, content_language, current_language
from app.models import ActionStatus, Branch, Wave
from app.models.base import row_id
from app.reports.cache import branch_date
from app.reports.fonts import FontStatus, cjk_font
from app.reports.visits import VisitDetail, visit_details
from app.scoring import text_for
from app.services.checklists import checklist_of
from app.services.scorecards import branch_scorecard
from app.services.scorecards.types import ActionRow, BranchScorecard, DisputeRow, ItemFigure
from app.services.wave_brief import brief_in
from app.settings import get_settings

CHART_WIDTH = 700.0  # px; the SVG scales to the column, so this sets the type size on paper


@contextmanager
def language(code: str) -> Iterator[None]:
    """Translate everything rendered inside the block into `code` (en, zh_CN)."""
    token = current_language.set(code)
    try:
        yield
    finally:
        current_language.reset(token)


@dataclass
class BranchReport:
    """One branch's report for a wave: the scorecard plus the visits behind it."""

    card: BranchScorecard
    visits: list[VisitDetail]
    thumbs: dict[int, str]
    charts: dict[str, Markup]
    company: str
    fonts: FontStatus
    issued: date
    language: str
    scenario: Any = None  # the checklist's scenario: a language map (or None)

    @property
    def lang_tag(self) -> str:
        return content_language(self.language)

    @property
    def scenario_text(self) -> str:
        """The programme's scenario in the report's language."""
        return text_for(self.scenario, self.lang_tag)

    @property
    def wave_brief(self) -> str:
        """What HQ wrote for this wave, in the report's language when HQ wrote it in that
        language (else as typed), when it adds to the scenario."""
        brief = brief_in(self.card.wave, self.lang_tag).strip()
        return brief if brief != self.scenario_text else ""

    def visit_brief(self, detail: VisitDetail) -> str:
        """A visit's own brief, when it is not the wave's (the wave's is shown once, up front)."""
        brief = brief_in(detail.visit, self.lang_tag).strip()
        wave = brief_in(self.card.wave, self.lang_tag).strip()
        return "" if brief in (wave, self.scenario_text) else brief

    @property
    def critical_failures(self) -> list[ItemFigure]:
        return [f for f in self.card.failed if f.critical]

    @property
    def must_failures(self) -> list[ItemFigure]:
        return [f for f in self.card.failed if f.kano == "must" and not f.critical]

    @property
    def open_actions(self) -> list[ActionRow]:
        return [a for a in self.card.actions if a.status != ActionStatus.done]

    @property
    def disputes(self) -> list[DisputeRow]:
        return self.card.disputes

    @property
    def low_sample_minimum(self) -> int:
        return get_settings().low_sample_visits

    @property
    def zone(self) -> str:
        """The company's zone (settings.company_timezone): the report says its times are there."""
        return get_settings().resolved_timezone.key

    def day(self, value: datetime | None) -> str:
        """A timestamp's date in the company's zone, as on every page, in the report's language."""
        if value is None:
            return ""
        local = value.astimezone(get_settings().resolved_timezone)
        return format_date(local, format="medium", locale=self.language)

    def clock(self, value: datetime | None) -> str:
        if value is None:
            return "–"
        local = value.astimezone(get_settings().resolved_timezone)
        return format_time(local, format="HH:mm", locale=self.language)

    def date(self, value: date | None) -> str:
        return format_date(value, format="medium", locale=self.language) if value else ""


def page_counter_css() -> Markup:
    """The translated "page x of y" as a CSS `content` value with live counters."""
    text = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    for index, chunk in enumerate(text.split("\x00")):
        if index % 2:
            parts.append(f"counter({'page' if chunk == 'page' else 'pages'})")
        elif chunk:
            escaped = chunk.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ")
            parts.append(f'"{escaped}"')
    return Markup(" ".join(parts))


def assemble(db: Session, *, branch: Branch, wave: Wave) -> BranchReport:
    """Gather a report's content (call inside `language(...)`: labels are translated here)."""
    card = branch_scorecard(db, user=None, branch=branch, wave=wave)
    visits, thumbs = visit_details(db, branch_id=row_id(branch), wave_id=row_id(wave))
    charts = {
        "sections": Markup(section_chart(card, width=CHART_WIDTH)),
        "trend": Markup(trend_chart(card, width=CHART_WIDTH)),
    }
    if card.dimensions:
        charts["dimensions"] = Markup(dimension_chart(card, width=CHART_WIDTH))
    return BranchReport(
        card=card,
        visits=visits,
        thumbs=thumbs,
        charts=charts,
        company=get_settings().company_name,
        fonts=cjk_font(),
        issued=branch_date(branch),
        language=current_language.get(),
        scenario=checklist_of(db, wave).scenario,
    )
