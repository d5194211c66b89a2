"""Horizontal grouped bar chart: one group per category, one bar per series.

Labels sit above their bars, so long moment-of-truth names stay readable on a
phone; a shaded column can mark the zone of tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from app.charts.svg import (
    GRID,
    MUTED,
    ZONE_FILL,
    ZONE_LINE,
    Series,
    colored,
    document,
    el,
    fit,
    fmt,
    legend,
    text,
    text_width,
    tip,
)

PAD = 8.0
VALUE_ROOM = 40.0
LABEL_SIZE = 13.0
BAR = 11.0
BAR_GAP = 3.0
GROUP_GAP = 12.0


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    desc: str,
    width: float = 360.0,
    max_value: float = 100.0,
    zone: tuple[float, float] | None = None,
) -> str:
    """Bars of every series for every category, scaled from 0 to `max_value`.

    A value of None draws no bar and the label "–". `zone` (low, high) shades that
    range behind the bars, e.g. the adequate..desired zone of tolerance.
    """
    drawn = colored(list(series))
    for s in drawn:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values, not {len(categories)}")
    body, legend_h = legend(drawn, x=PAD, y=PAD, width=width - 2 * PAD)
    top = PAD + legend_h + 6
    plot_w = width - 2 * PAD - VALUE_ROOM
    group_h = LABEL_SIZE + 6 + len(drawn) * (BAR + BAR_GAP)
    height = top + len(categories) * (group_h + GROUP_GAP) + 14

    def x_of(value: float) -> float:
        return PAD + plot_w * max(0.0, min(value, max_value)) / max_value

    bottom = height - 16
    if zone is not None:
        low, high = x_of(zone[0]), x_of(zone[1])
        body.append(el("rect", x=low, y=top, width=high - low, height=bottom - top, fill=ZONE_FILL))
        for x in (low, high):
            body.append(
                el(
                    "line",
                    x1=x,
                    y1=top,
                    x2=x,
                    y2=bottom,
                    stroke=ZONE_LINE,
                    stroke_width=1,
                    stroke_dasharray="4 3",
                )
            )
    for tick in (0.0, max_value / 2, max_value):
        x = x_of(tick)
        body.append(el("line", x1=x, y1=top, x2=x, y2=bottom, stroke=GRID, stroke_width=1))
        body.append(
            text(
                x,
                height - 4,
                fmt(tick).removesuffix(".0"),
                font_size=10,
                fill=MUTED,
                text_anchor="middle",
            )
        )
    y = top
    for index, category in enumerate(categories):
        body.append(f"<g><title>{escape(category)}</title>")
        body.append(
            text(
                PAD,
                y + LABEL_SIZE,
                fit(category, LABEL_SIZE, width - 2 * PAD),
                font_size=LABEL_SIZE,
                font_weight=600,
            )
        )
        bar_y = y + LABEL_SIZE + 6
        for s in drawn:
            value = s.values[index]
            if value is not None:
                length = max(x_of(value) - PAD, 1.0)
                label = tip(f"{s.name}: {fmt(value)}")
                body.append(
                    el("rect", label, x=PAD, y=bar_y, width=length, height=BAR, rx=2, fill=s.color)
                )
            end = x_of(value) if value is not None else PAD
            label = fmt(value)
            body.append(
                el(
                    "rect",
                    x=end + 2,
                    y=bar_y - 1,
                    width=text_width(label, 11) + 4,
                    height=BAR + 2,
                    fill="#fff",
                    fill_opacity=0.85,
                )
            )
            body.append(text(end + 4, bar_y + BAR - 1.5, label, font_size=11, fill=MUTED))
            bar_y += BAR + BAR_GAP
        body.append("</g>")
        y += group_h + GROUP_GAP
    return document(body, width=width, height=height, chart_id=chart_id, title=title, desc=desc)
