"""Which answers can change what is shown: the items a condition reads, and only those.

The autosave skips looking for newly hidden answers after an answer to any other item, so
this is checked both ways: the named controllers, and that no other answer moves an item
in or out of view.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.scoring import controls_visibility, parse_checklist, visible_items

from .completeness_cases import extended


def _check(item_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "text": item_id, "kind": "check", **extra}


DOC = {
    "format": 1,
    "code": "controllers",
    "name": "Controllers",
    "variants": [{"id": "phone", "name": "Phone"}, {"id": "visit", "name": "Visit"}],
    "sections": [
        {
            "id": "first",
            "title": "First",
            "items": [_check("a"), _check("b"), _check("c"), _check("d"), _check("plain")],
        },
        {
            "id": "second",
            "title": "Second",
            "when": {"item": "a", "in": ["yes"]},
            "items": [
                _check(
                    "nested",
                    when={
                        "any": [
                            {"all": [{"item": "b", "not_in": ["no"]}, {"variant": ["visit"]}]},
                            {"not": {"item": "c", "in": ["yes"]}},
                        ]
                    },
                ),
                _check("by-variant", when={"variant": ["phone"]}),
                _check("chained", when={"item": "nested", "in": ["yes"]}),
            ],
        },
    ],
}


@pytest.mark.parametrize(
    ("item_id", "controls"),
    [
        ("a", True),  # a section's condition
        ("b", True),  # inside all, inside any
        ("c", True),  # inside not
        ("nested", True),  # an item that is itself conditional controls the next
        ("d", False),
        ("plain", False),
        ("by-variant", False),  # a variant condition reads no answer
        ("chained", False),
    ],
)
def test_the_items_a_condition_reads_control_visibility(item_id: str, controls: bool) -> None:
    assert controls_visibility(parse_checklist(DOC), item_id) is controls


@pytest.mark.parametrize(
    "checklist", [parse_checklist(DOC), extended()], ids=["nested", "extended"]
)
def test_no_other_answer_changes_what_is_shown(checklist) -> None:
    """Every item not named a controller is answered, unanswered and answered N/A in turn,
    against the answers that show the most: the shown set never moves."""
    base = {item.id: "yes" for section in checklist.sections for item in section.items}
    for variant in (None, *(v.id for v in checklist.variants or ())):
        shown = visible_items(checklist, base, variant)
        for section in checklist.sections:
            for item in section.items:
                if controls_visibility(checklist, item.id):
                    continue
                for value in (None, "no", "na", 3):
                    answers = {k: v for k, v in base.items() if k != item.id}
                    if value is not None:
                        answers[item.id] = value
                    assert visible_items(checklist, answers, variant) == shown, item.id
