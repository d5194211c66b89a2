"""The SVG charts: standalone, accessible, proportional, escaped, and drawable by WeasyPrint."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from app.charts import Series, bar_chart, line_chart
from app.charts.line import PLOT_H

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> dict[str, float]:
    """Tooltip text ('Series: value') -> drawn width of each bar."""
    out = {}
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        tip = rect.find("svg:title", NS)
        if tip is not None:
            out[tip.text] = float(rect.get("width"))
    return out


def sample_bar(**extra) -> str:
    values = {
        "categories": ["Arrival", "Checkout"],
        "series": [Series("Branch", [50.0, 100.0]), Series("Region", [25.0, None])],
        "chart_id": "mot",
        "title": "Compliance",
        "desc": "Per moment",
    } | extra
    categories, series = values.pop("categories"), values.pop("series")
    return bar_chart(categories, series, **values)


def test_bar_chart_is_a_standalone_accessible_svg():
    svg = sample_bar()
    root = parse(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert width == 360 and height > 100
    assert root.get("role") == "img" and root.get("aria-labelledby") == "mot-title mot-desc"
    assert root.find("svg:title", NS).get("id") == "mot-title"
    assert root.find("svg:title", NS).text == "Compliance"
    assert root.find("svg:desc", NS).text == "Per moment"
    for forbidden in ("<script", "<style", "class=", "url(", "href", "foreignObject", "@import"):
        assert forbidden not in svg


def test_bars_are_proportional_and_missing_values_draw_nothing():
    root = parse(sample_bar())
    drawn = bars(root)
    assert drawn["Branch: 100.0"] == pytest.approx(2 * drawn["Branch: 50.0"], abs=0.2)
    assert drawn["Region: 25.0"] == pytest.approx(drawn["Branch: 50.0"] / 2, abs=0.2)
    assert not any(key.startswith("Region: –") for key in drawn)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "–" in texts and "100.0" in texts and "25.0" in texts


def test_bar_values_are_clamped_to_the_scale():
    root = parse(sample_bar(series=[Series("Branch", [150.0, -5.0])]))
    drawn = bars(root)
    assert drawn["Branch: 150.0"] == pytest.approx(304.0)  # the full plot width
    assert drawn["Branch: -5.0"] == pytest.approx(1.0)  # a sliver, never negative


def test_zone_of_tolerance_is_shaded_between_the_thresholds():
    root = parse(sample_bar(zone=(70, 90)))
    zone = next(
        r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("fill") == "#e6f4ec"
    )
    plot_w = 360 - 16 - 40
    assert float(zone.get("x")) == pytest.approx(8 + plot_w * 0.7, abs=0.1)
    assert float(zone.get("width")) == pytest.approx(plot_w * 0.2, abs=0.1)


def test_text_is_escaped_and_long_labels_are_shortened():
    label = "<Arrival & greeting> " + "very long name " * 10
    svg = sample_bar(categories=[label, "B"], title='Say "hi" & <bye>')
    root = parse(svg)  # still well-formed
    assert root.find("svg:title", NS).text == 'Say "hi" & <bye>'
    shown = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any(s.startswith("<Arrival & greeting>") and s.endswith("…") for s in shown)
    assert label in [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]


def test_wrong_inputs_are_refused():
    with pytest.raises(ValueError):
        sample_bar(series=[Series("Branch", [1.0])])
    with pytest.raises(ValueError):
        sample_bar(chart_id='x" onload="alert(1)')


def test_line_chart_breaks_at_gaps_and_marks_every_value():
    svg = line_chart(
        ["Q1", "Q2", "Q3", "Q4", "Q5"],
        [
            Series("Branch", [60.0, 70.0, None, 80.0, 85.0]),
            Series("Region", [None, None, None, None, 75.0]),
        ],
        chart_id="trend",
        title="Trend",
        desc="Scores",
        zone=(70, 90),
        zone_label="Zone of tolerance",
    )
    root = parse(svg)
    lines = list(root.iter("{http://www.w3.org/2000/svg}polyline"))
    assert len(lines) == 2  # Q1–Q2 and Q4–Q5; the region's single point has no line
    assert all(len(pl.get("points").split()) == 2 for pl in lines)
    circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert len(circles) == 5
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Zone of tolerance" in labels and "85.0" in labels and "75.0" in labels
    ys = {c.find("svg:title", NS).text: float(c.get("cy")) for c in circles}
    assert ys["Branch: 60.0"] - ys["Branch: 80.0"] == pytest.approx(PLOT_H * 0.2, abs=0.2)


def test_line_zone_band_spans_adequate_to_desired():
    root = parse(
        line_chart(
            ["A", "B"],
            [Series("S", [10.0, 100.0])],
            chart_id="z",
            title="t",
            desc="d",
            zone=(70, 90),
        )
    )
    zone = next(
        r
        for r in root.iter("{http://www.w3.org/2000/svg}rect")
        if r.get("fill") == "#e6f4ec" and float(r.get("width")) > 20
    )
    assert float(zone.get("height")) == pytest.approx(PLOT_H * 0.2, abs=0.1)
    ys = sorted(float(c.get("cy")) for c in root.iter("{http://www.w3.org/2000/svg}circle"))
    top_of_plot = ys[0]  # the 100 point
    assert float(zone.get("y")) == pytest.approx(top_of_plot + PLOT_H * 0.1, abs=0.1)


def test_many_waves_thin_out_the_axis_labels_but_keep_the_last():
    labels = [f"Wave {n:02d} 2026" for n in range(1, 13)]
    root = parse(
        line_chart(labels, [Series("S", [50.0] * 12)], chart_id="many", title="t", desc="d")
    )
    shown = [
        t.text
        for t in root.iter("{http://www.w3.org/2000/svg}text")
        if t.text and t.text.startswith("Wave")
    ]
    assert 1 < len(shown) < 12 and shown[-1] == "Wave 12 2026" and shown[0] == "Wave 01 2026"


def test_weasyprint_draws_the_charts_into_a_pdf():
    from weasyprint import HTML

    svg_bar = sample_bar(categories=["Arrival zone", "Checkout zone"])
    svg_line = line_chart(
        ["Q1", "Q2"],
        [Series("Branch", [60.0, 80.0])],
        chart_id="t",
        title="Trend",
        desc="d",
        zone=(70, 90),
    )
    pdf = HTML(string=f"<html><body>{svg_bar}{svg_line}</body></html>").write_pdf()
    # poppler reads the text as a reader's viewer does (pypdf drops the spaces of SVG text
    # set in Noto Sans CJK, the font that gives Chinese labels their Simplified forms)
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Arrival zone" in text and "Checkout zone" in text
    assert re.search(r"80\.0", text)


def test_right_to_left_labels_are_shaped_only_for_a_glyph_by_glyph_renderer():
    """WeasyPrint places each SVG character on its own: for it an Arabic label is joined
    (presentation forms) and in visual order; a browser gets the text as written."""
    from app.charts.svg import drawable, drawn_glyph_by_glyph, text

    assert drawable("الوصول") == "الوصول"
    with drawn_glyph_by_glyph():
        shaped = drawable("الوصول")
        assert drawable("Arrival 3") == "Arrival 3"  # left to right: untouched
        assert "ﻝﻮﺻﻮﻟﺍ" in text(0, 0, "الوصول")
        assert drawable("הגעה") == "העגה"  # Hebrew does not join: only the order turns
    assert shaped == "ﻝﻮﺻﻮﻟﺍ"  # alef, lam joined to waw, sad, waw, lam: drawn right to left
