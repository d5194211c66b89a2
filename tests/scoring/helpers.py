"""Builders for small checklists used across the scoring tests."""

from __future__ import annotations

import copy
from typing import Any

from app.scoring import Checklist, parse_checklist

# scoring.md §8, written exactly as described there.
WORKED_EXAMPLE: dict[str, Any] = {
    "format": 1,
    "code": "worked",
    "name": "Worked example",
    "adequate": 70,
    "desired": 90,
    "critical_cap": 0,
    "sections": [
        {
            "id": "arrival",
            "title": "Arrival",
            "weight": 2,
            "items": [
                {"id": "greet", "text": "Greeted", "kind": "check", "kano": "must"},
                {
                    "id": "wait",
                    "text": "Wait",
                    "kind": "measure",
                    "better": "lower",
                    "target": 30,
                    "limit": 90,
                    "kano": "performance",
                    "points": 2,
                },
            ],
        },
        {
            "id": "checkout",
            "title": "Checkout",
            "weight": 1,
            "items": [
                {
                    "id": "receipt",
                    "text": "Receipt",
                    "kind": "check",
                    "kano": "performance",
                    "critical": True,
                },
                {"id": "name", "text": "Used my name", "kind": "check", "kano": "delight"},
                {"id": "clean", "text": "Clean", "kind": "check", "kano": "must", "na": True},
            ],
        },
    ],
}


def worked_doc() -> dict[str, Any]:
    """A fresh copy of the worked example document."""
    return copy.deepcopy(WORKED_EXAMPLE)


def one_section(*items: dict[str, Any], **top: Any) -> Checklist:
    """A checklist with one section holding ``items``; ``top`` overrides settings."""
    return parse_checklist(doc_with(*items, **top))


def doc_with(*items: dict[str, Any], **top: Any) -> dict[str, Any]:
    """The document of ``one_section``."""
    doc: dict[str, Any] = {
        "format": 1,
        "code": "t",
        "name": "T",
        "sections": [{"id": "s", "title": "S", "items": list(items)}],
    }
    doc.update(top)
    return doc


def check(iid: str, **fields: Any) -> dict[str, Any]:
    """A check item."""
    return {"id": iid, "text": iid, "kind": "check", **fields}


def measure(iid: str, better: str, target: float, limit: float | None = None) -> dict[str, Any]:
    """A measure item."""
    item: dict[str, Any] = {
        "id": iid,
        "text": iid,
        "kind": "measure",
        "better": better,
        "target": target,
    }
    if limit is not None:
        item["limit"] = limit
    return item
