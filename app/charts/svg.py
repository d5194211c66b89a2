"""SVG building blocks shared by the charts: escaping, text measuring, number formatting.

Charts are plain strings of SVG with presentation attributes only (no CSS classes,
no scripts, no external fonts), so a browser and WeasyPrint draw them the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import arabic_reshaper
from bidi import get_display

FONT = (
    "'Noto Sans CJK SC', 'Noto Sans Arabic', 'Noto Sans Hebrew', system-ui, -apple-system,"
    " 'Segoe UI', 'PingFang SC', sans-serif"
)
INK = "#1c2430"
MUTED = "#5d6b7a"
GRID = "#dde3ea"
ZONE_FILL = "#e6f4ec"
ZONE_LINE = "#1f7a4d"
CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
PALETTE = ("#0f4c5c", "#8a99a8", "#e36414", "#6a3fb5")


@dataclass(frozen=True)
class Series:
    """One named row of values (None = no figure), drawn in one colour."""

    name: str
    values: tuple[float | None, ...]
    color: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))


def colored(series: list[Series] | tuple[Series, ...]) -> list[Series]:
    """The series with a palette colour filled in where none was given."""
    return [
        s if s.color else Series(s.name, s.values, PALETTE[i % len(PALETTE)])
        for i, s in enumerate(series)
    ]


def text_width(text: str, size: float) -> float:
    """An estimate of the drawn width: wide (CJK) characters are about 1 em, others 0.6 em."""
    return sum(
        size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.6 for ch in text
    )


def fit(text: str, size: float, width: float) -> str:
    """The text, shortened with an ellipsis so it fits in `width`."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def num(value: float) -> str:
    """A coordinate with at most one decimal (small files, stable output)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def fmt(value: float | None) -> str:
    """A figure as shown to people: one decimal, or an en dash when there is none."""
    return "–" if value is None else f"{value:.1f}"


def attrs(**values: object) -> str:
    """Attributes from keywords (`font_size` becomes `font-size`), None values left out."""
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = num(value)
        parts.append(f"{key.rstrip('_').replace('_', '-')}={quoteattr(str(value))}")
    return " ".join(parts)


# Charts drawn for WeasyPrint (the PDF reports): its SVG text places every character on its
# own (weasyprint/svg/text.py), so Arabic letters would not join and a right-to-left run would
# read left to right. In that mode such text is shaped (presentation forms) and put in visual
# order here; a browser draws the logical text itself.
_GLYPH_BY_GLYPH: ContextVar[bool] = ContextVar("glyph_by_glyph", default=False)


@contextmanager
def drawn_glyph_by_glyph() -> Iterator[None]:
    """Draw the charts made inside for a renderer that places each character on its own."""
    token = _GLYPH_BY_GLYPH.set(True)
    try:
        yield
    finally:
        _GLYPH_BY_GLYPH.reset(token)


def _right_to_left(content: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in content)


def drawable(content: str) -> str:
    """The text as a chart's renderer needs it: as written, or shaped and in visual order."""
    if not _GLYPH_BY_GLYPH.get() or not _right_to_left(content):
        return content
    return str(get_display(arabic_reshaper.reshape(content), base_dir="R"))


def text(x: float, y: float, content: str, **extra: object) -> str:
    extra.setdefault("font_family", FONT)
    extra.setdefault("fill", INK)
    return f"<text {attrs(x=float(x), y=float(y), **extra)}>{escape(drawable(content))}</text>"


def document(
    body: list[str], *, width: float, height: float, chart_id: str, title: str, desc: str
) -> str:
    """A standalone <svg> with explicit size, viewBox and an accessible name and description."""
    if not CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart id {chart_id!r}: letters, digits and dashes only")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" '
        f"{attrs(width=float(width), height=float(height))} "
        f'viewBox="0 0 {num(width)} {num(height)}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return head + "".join(body) + "</svg>"


def legend(
    series: list[Series], *, x: float, y: float, width: float, size: float = 12
) -> tuple[list[str], float]:
    """Swatches with names, wrapped to `width`; returns the markup and the height used."""
    out: list[str] = []
    cx, cy, line = x, y, size + 8
    for s in series:
        label_w = text_width(s.name, size)
        if cx > x and cx + 16 + label_w > x + width:
            cx, cy = x, cy + line
        outline = ZONE_LINE if s.color == ZONE_FILL else None
        out.append(
            el(
                "rect",
                x=float(cx),
                y=float(cy),
                width=12,
                height=12,
                rx=2,
                fill=s.color,
                stroke=outline,
                stroke_dasharray="3 2" if outline else None,
            )
        )
        out.append(text(cx + 16, cy + 10.5, fit(s.name, size, width - 16), font_size=size))
        cx += 16 + min(label_w, width - 16) + 14
    return out, (cy - y) + line


def el(tag: str, inner: str = "", **values: object) -> str:
    """One element: `el("rect", x=1.0, fill="#fff")`; `inner` is markup (already escaped)."""
    if inner:
        return f"<{tag} {attrs(**values)}>{inner}</{tag}>"
    return f"<{tag} {attrs(**values)}/>"


def tip(label: str) -> str:
    """A tooltip <title> for a mark (also read by screen readers)."""
    return f"<title>{escape(label)}</title>"
