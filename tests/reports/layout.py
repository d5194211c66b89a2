"""Measures of a laid-out report (WeasyPrint's page boxes), as a reader sees the pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from weasyprint import Document
from weasyprint.formatting_structure import boxes


def _descendants(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        if not isinstance(child, boxes.MarginBox):  # running heads and page numbers
            yield from _descendants(child)


def _drawn(box: Any) -> bool:
    """Something a reader sees: text, an image or chart, or an empty box with a size."""
    if isinstance(box, boxes.TextBox | boxes.ReplacedBox):
        return True
    return not getattr(box, "children", ()) and box.height > 0 and box.width > 0


def page_fill(document: Document) -> list[float]:
    """How much of each page's content height is used, 0 to 1: the lowest drawn box's bottom."""
    fills = []
    for page in document.pages:
        root = page._page_box
        top, height = root.content_box_y(), root.height
        bottoms = [b.border_box_y() + b.border_height() for b in _descendants(root) if _drawn(b)]
        fills.append(max(0.0, min(1.0, (max(bottoms, default=top) - top) / height)))
    return fills


def text_of(box: Any) -> str:
    return "".join(b.text for b in _descendants(box) if isinstance(b, boxes.TextBox))


def tables_with(document: Document, heading: str) -> list[Any]:
    """Every laid-out table (each page's part) with a header cell reading `heading`."""
    return [
        box
        for page in document.pages
        for box in _descendants(page._page_box)
        if isinstance(box, boxes.TableBox)
        and any(text_of(cell).strip() == heading for row in cells(box) for cell in row)
    ]


def cells(table: Any) -> list[list[Any]]:
    """The cells of a laid-out table, row by row (header rows included)."""
    return [
        list(row.children)
        for group in table.children
        if isinstance(group, boxes.TableRowGroupBox)
        for row in group.children
    ]


def ink_right(box: Any) -> float:
    """The right edge of the rightmost text or image inside a box."""
    edges = [
        b.position_x + b.margin_width()
        for b in _descendants(box)
        if isinstance(b, boxes.TextBox | boxes.ReplacedBox)
    ]
    return max(edges, default=box.content_box_x())
