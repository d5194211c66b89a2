"""The scorecard's charts, built from the scorecard dataclasses (pages and PDFs share them).

Labels are translated in the current language, like the rest of the page or report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.charts.bar import bar_chart
from app.charts.line import line_chart
from app.charts.svg import Series
from app.i18n import _

if TYPE_CHECKING:
    from app.services.scorecards.types import BranchScorecard, Overview


def _has(values: list[float | None]) -> bool:
    return any(v is not None for v in values)


def _comparison(
    branch: list[float | None], region: list[float | None], rivals: list[float | None]
) -> list[Series]:
    series = [Series(_("This branch"), tuple(branch), "#0f4c5c")]
    if _has(region):
        series.append(Series(_("Region average"), tuple(region), "#8a99a8"))
    if _has(rivals):
        series.append(Series(_("Competitor average"), tuple(rivals), "#e36414"))
    return series


def section_chart(card: BranchScorecard, *, width: float = 320.0) -> str:
    """Compliance per moment of truth: the branch, its region and the competitors."""
    sections = card.sections
    return bar_chart(
        [s.title for s in sections],
        _comparison(
            [s.score for s in sections],
            [s.region for s in sections],
            [s.competitor for s in sections],
        ),
        chart_id=f"moments-{card.branch.id}",
        title=_("Compliance per moment of truth"),
        desc=_(
            "Branch compliance per moment of truth in %(wave)s, in percent, with the "
            "region average and the competitor average beside it; the shaded band is "
            "the zone of tolerance (%(low)s to %(high)s).",
            wave=card.wave.name,
            low=f"{card.adequate:g}",
            high=f"{card.desired:g}",
        ),
        zone=(card.adequate, card.desired),
        width=width,
    )


def dimension_chart(card: BranchScorecard, *, width: float = 320.0) -> str:
    """Compliance per dimension: product, process or people."""
    dims = card.dimensions
    return bar_chart(
        [d.label for d in dims],
        _comparison(
            [d.score for d in dims], [d.region for d in dims], [d.competitor for d in dims]
        ),
        chart_id=f"dimensions-{card.branch.id}",
        title=_("Compliance per dimension"),
        desc=_(
            "Branch compliance per dimension in %(wave)s, in percent, with the region "
            "average and the competitor average.",
            wave=card.wave.name,
        ),
        width=width,
    )


def trend_chart(card: BranchScorecard, *, width: float = 320.0) -> str:
    """The branch's score over the waves, over the zone of tolerance."""
    points = card.series
    series = [Series(_("This branch"), tuple(p.score for p in points), "#0f4c5c")]
    if _has([p.region_score for p in points]):
        series.append(Series(_("Region average"), tuple(p.region_score for p in points), "#8a99a8"))
    return line_chart(
        [p.wave.name for p in points],
        series,
        chart_id=f"trend-{card.branch.id}",
        title=_("Score over the waves"),
        desc=_(
            "The branch's score in each wave up to %(wave)s, with the region average; the "
            "shaded band is the zone of tolerance (%(low)s to %(high)s).",
            wave=card.wave.name,
            low=f"{card.adequate:g}",
            high=f"{card.desired:g}",
        ),
        zone=(card.adequate, card.desired),
        zone_label=_(
            "Zone of tolerance (%(low)s–%(high)s)",
            low=f"{card.adequate:g}",
            high=f"{card.desired:g}",
        ),
        width=width,
    )


def region_chart(view: Overview, *, width: float = 320.0) -> str:
    """Each region's score beside its competitor benchmark."""
    regions = view.regions
    series = [Series(_("Region score"), tuple(r.score for r in regions), "#0f4c5c")]
    rivals = [r.benchmark_score for r in regions]
    if _has(rivals):
        series.append(Series(_("Competitor benchmark"), tuple(rivals), "#e36414"))
    return bar_chart(
        [r.region.name for r in regions],
        series,
        chart_id="regions",
        title=_("Score per region"),
        desc=_(
            "Each region's score in %(wave)s (mean of its own branches) beside the "
            "competitor benchmark; the shaded band is the zone of tolerance.",
            wave=view.wave.name,
        ),
        zone=(view.adequate, view.desired),
        width=width,
    )
