"""Server-side SVG charts for scorecards and PDF reports (no JavaScript, no external assets).

`bar_chart` compares series per category (branch vs region vs competitors per
moment of truth); `line_chart` draws scores over waves over the zone of tolerance.
Both return a complete `<svg>` string with explicit width, height and viewBox and an
accessible <title>/<desc>; pages pair each chart with a data table.
"""

from app.charts.bar import bar_chart
from app.charts.line import line_chart
from app.charts.svg import Series

__all__ = ["Series", "bar_chart", "line_chart"]
