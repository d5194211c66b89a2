"""Line chart over waves with the zone of tolerance drawn as a shaded band.

Gaps (None) break a line rather than bridging a wave without a score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.charts.svg import (
    GRID,
    MUTED,
    ZONE_FILL,
    ZONE_LINE,
    Series,
    colored,
    document,
    el,
    fmt,
    legend,
    num,
    text,
    text_width,
    tip,
)

PAD = 8.0
AXIS_W = 28.0
RIGHT = 36.0
PLOT_H = 170.0
X_LABEL_SIZE = 11.0


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    desc: str,
    width: float = 360.0,
    max_value: float = 100.0,
    zone: tuple[float, float] | None = None,
    zone_label: str = "",
) -> str:
    """One line per series across `labels` (e.g. waves), y from 0 to `max_value`.

    `zone` (adequate, desired) shades the band between them and marks both edges;
    `zone_label` names the band in the legend.
    """
    drawn = colored(list(series))
    for s in drawn:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values, not {len(labels)}")
    keys = list(drawn)
    if zone is not None and zone_label:
        keys.append(Series(zone_label, (), ZONE_FILL))
    body, legend_h = legend(keys, x=PAD, y=PAD, width=width - 2 * PAD)
    top = PAD + legend_h + 8
    left, right = PAD + AXIS_W, width - RIGHT
    bottom = top + PLOT_H
    height = bottom + X_LABEL_SIZE + 14

    def y_of(value: float) -> float:
        return bottom - PLOT_H * max(0.0, min(value, max_value)) / max_value

    step = (right - left) / max(len(labels) - 1, 1)

    def x_of(index: int) -> float:
        return left + step * index if len(labels) > 1 else (left + right) / 2

    if zone is not None:
        low, high = y_of(zone[0]), y_of(zone[1])
        body.append(
            el("rect", x=left, y=high, width=right - left, height=low - high, fill=ZONE_FILL)
        )
        for y in (low, high):
            body.append(
                el(
                    "line",
                    x1=left,
                    y1=y,
                    x2=right,
                    y2=y,
                    stroke=ZONE_LINE,
                    stroke_width=1,
                    stroke_dasharray="4 3",
                )
            )
    edges = [(value, y_of(value)) for value in zone] if zone is not None else []
    for value, y in edges:  # the zone's edges are labelled on the axis in the zone's colour
        body.append(
            text(
                left - 4,
                y + 4,
                fmt(value).removesuffix(".0"),
                font_size=10,
                fill=ZONE_LINE,
                text_anchor="end",
                font_weight=700,
            )
        )
    for tick in (0.0, max_value / 4, max_value / 2, 3 * max_value / 4, max_value):
        y = y_of(tick)
        body.append(el("line", x1=left, y1=y, x2=right, y2=y, stroke=GRID, stroke_width=1))
        if any(abs(y - edge) < 11 for _value, edge in edges):
            continue  # a zone edge is labelled close by
        body.append(
            text(
                left - 4,
                y + 4,
                fmt(tick).removesuffix(".0"),
                font_size=10,
                fill=MUTED,
                text_anchor="end",
            )
        )
    every = _label_step(labels, step)
    last_index = len(labels) - 1
    for index, label in enumerate(labels):
        shown = index % every == 0 and (index == last_index or last_index - index >= every)
        if not (shown or index == last_index):
            continue  # the last label is always shown; its neighbour gives way
        half = text_width(label, X_LABEL_SIZE) / 2
        x = min(max(x_of(index), half + 2), width - half - 2)
        body.append(
            text(
                x,
                bottom + X_LABEL_SIZE + 6,
                label,
                font_size=X_LABEL_SIZE,
                fill=MUTED,
                text_anchor="middle",
            )
        )
    for s in drawn:
        body.extend(_line(s, x_of, y_of))
    body.extend(_end_labels(drawn, x_of, y_of))
    return document(body, width=width, height=height, chart_id=chart_id, title=title, desc=desc)


def _label_step(labels: Sequence[str], step: float) -> int:
    """Show every n-th x label so that neighbours never overlap."""
    widest = max((text_width(label, X_LABEL_SIZE) for label in labels), default=0.0) + 6
    every = 1
    while step * every < widest and every < len(labels):
        every += 1
    return every


def _line(s: Series, x_of: Callable[[int], float], y_of: Callable[[float], float]) -> list[str]:
    """The series' line (broken at gaps) and a marker with a tooltip at every value."""
    out: list[str] = []
    run: list[str] = []
    for index, value in enumerate((*s.values, None)):
        if value is None:
            if len(run) > 1:
                out.append(
                    el(
                        "polyline",
                        points=" ".join(run),
                        fill="none",
                        stroke=s.color,
                        stroke_width=2.5,
                        stroke_linejoin="round",
                    )
                )
            run = []
            continue
        run.append(f"{num(x_of(index))},{num(y_of(value))}")
    for index, value in enumerate(s.values):
        if value is not None:
            out.append(
                el(
                    "circle",
                    tip(f"{s.name}: {fmt(value)}"),
                    cx=x_of(index),
                    cy=y_of(value),
                    r=3.5,
                    fill="#fff",
                    stroke=s.color,
                    stroke_width=2,
                )
            )
    return out


def _end_labels(
    drawn: list[Series], x_of: Callable[[int], float], y_of: Callable[[float], float]
) -> list[str]:
    """Each series' latest value printed right of its last point, nudged apart if they collide."""
    ends = []
    for s in drawn:
        known = [(i, v) for i, v in enumerate(s.values) if v is not None]
        if known:
            last, value = known[-1]
            ends.append((y_of(value), last, s))
    out: list[str] = []
    placed: list[float] = []
    for y, index, s in sorted(ends, key=lambda end: end[0]):
        label_y = y + 4
        if placed and label_y - placed[-1] < 12:
            label_y = placed[-1] + 12
        placed.append(label_y)
        out.append(
            text(
                x_of(index) + 6,
                label_y,
                fmt(s.values[index]),
                font_size=11,
                font_weight=700,
                fill=s.color,
            )
        )
    return out
