"""The completeness rule of the core: what blocks submission, case by case."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.scoring import (
    Problem,
    completeness,
    completeness_rules,
    parse_checklist,
    photo_requirements,
    score_visit,
    text_length,
)
from app.scoring.completeness import SPACE

from .completeness_cases import SYNTHETIC_CASES, demo, demo_cases, synthetic
from .helpers import check, one_section


@pytest.mark.parametrize(
    ("answers", "photos", "expected"),
    [case[1:] for case in SYNTHETIC_CASES],
    ids=[case[0] for case in SYNTHETIC_CASES],
)
def test_problems_in_checklist_order(
    answers: dict[str, Any], photos: dict[str, int], expected: list[tuple[str, str, int]]
) -> None:
    found = completeness(synthetic(), answers, photos)
    assert [(p.item_id, p.kind, p.needed) for p in found] == expected


ALL_CASES = [(synthetic(), *case[1:3]) for case in SYNTHETIC_CASES] + [
    (demo(), *case[1:]) for case in demo_cases()
]


@pytest.mark.parametrize(("checklist", "answers", "photos"), ALL_CASES)
def test_missing_answers_are_exactly_the_engines_missing(
    checklist: Any, answers: dict[str, Any], photos: dict[str, int]
) -> None:
    found = completeness(checklist, answers, photos)
    assert [p.item_id for p in found if p.kind == "missing"] == score_visit(
        checklist, answers
    ).missing


@pytest.mark.parametrize(("checklist", "answers", "photos"), ALL_CASES)
def test_photo_problems_follow_the_photo_requirements(
    checklist: Any, answers: dict[str, Any], photos: dict[str, int]
) -> None:
    needed = photo_requirements(checklist, answers)
    expected = [(i, n) for i, n in needed.items() if photos.get(i, 0) < n]
    found = completeness(checklist, answers, photos)
    assert [(p.item_id, p.needed) for p in found if p.kind == "photos"] == expected


def test_a_missing_answer_and_its_photo_are_two_problems_of_one_item() -> None:
    checklist = one_section(check("a", photo="required"), {"id": "p", "text": "P", "kind": "photo"})
    assert completeness(checklist, {"a": "no"}, {}) == [
        Problem("a", "photos", 1),
        Problem("p", "photos", 1),
    ]
    assert completeness(checklist, {}, {"p": 1}) == [Problem("a", "missing")]


def test_demo_visit_cases_cover_hidden_and_short_items() -> None:
    verdicts = {
        name: completeness(demo(), answers, photos) for name, answers, photos in demo_cases()
    }
    assert verdicts["demo: complete"] == []
    assert verdicts["demo: a current offer asks about its terms"] == [
        Problem("offer-terms", "missing")
    ]
    assert verdicts["demo: short story"] == [Problem("complaint-story", "short", 80)]
    assert verdicts["demo: complete, no photos"] == [
        Problem("storefront", "photos", 1),
        Problem("price-tags", "photos", 1),
    ]


def test_text_length_trims_what_python_calls_blank() -> None:
    assert "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) == SPACE
    assert text_length(" \u3000服务\x85 ") == 2
    assert text_length("😀😀") == 2


def test_the_rules_as_data_say_what_the_function_checks() -> None:
    rules = completeness_rules(synthetic())
    assert json.loads(json.dumps(rules)) == rules
    by_id = {item["id"]: item for item in rules["items"]}
    assert [item["id"] for item in rules["items"]] == [i.id for i in synthetic().all_items()]
    assert by_id["a"] == {
        "id": "a",
        "required": True,
        "when": None,
        "needs": [
            {"kind": "answer", "count": 0, "on": "always"},
            {"kind": "photos", "count": 1, "on": "answered"},
        ],
    }
    assert by_id["c-deep"]["when"] == {"item": "c-more", "in": ["yes"]}
    assert by_id["c-deep"]["needs"][1] == {"kind": "chars", "count": 10, "on": "answered"}
    assert by_id["p"]["needs"] == [{"kind": "photos", "count": 2, "on": "always"}]
    assert by_id["p-opt"] == {"id": "p-opt", "required": False, "when": None, "needs": []}
    assert by_id["r-low"]["when"] == {"item": "r", "in": [1, 2]}


def test_an_optional_item_with_nothing_to_check_needs_nothing() -> None:
    checklist = parse_checklist(
        {
            "format": 1,
            "code": "o",
            "name": "O",
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "items": [check("a", required=False), check("b", na=True)],
                }
            ],
        }
    )
    assert completeness(checklist, {"b": "na"}, {}) == []
    assert completeness(checklist, {}, {}) == [Problem("b", "missing")]
