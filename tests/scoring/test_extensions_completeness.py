"""Completeness with the checklist extensions: comments and photos asked for by an
answer, items hidden by section conditions, ``not_in`` and variants."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.scoring import Problem, completeness, completeness_rules, photo_requirements, score_visit

from .completeness_cases import EXTENDED_CASES, extended
from .helpers import check, one_section


@pytest.mark.parametrize(
    ("answers", "photos", "comments", "variant", "expected"),
    [case[1:] for case in EXTENDED_CASES],
    ids=[case[0] for case in EXTENDED_CASES],
)
def test_extended_problems_in_checklist_order(
    answers: dict[str, Any],
    photos: dict[str, int],
    comments: dict[str, str],
    variant: str | None,
    expected: list[tuple[str, str, int]],
) -> None:
    found = completeness(extended(), answers, photos, comments=comments, variant=variant)
    assert [(p.item_id, p.kind, p.needed) for p in found] == expected


@pytest.mark.parametrize(
    ("answers", "photos", "comments", "variant"),
    [case[1:5] for case in EXTENDED_CASES],
    ids=[case[0] for case in EXTENDED_CASES],
)
def test_extended_missing_is_the_engines_missing_and_photos_follow_the_requirements(
    answers: dict[str, Any], photos: dict[str, int], comments: dict[str, str], variant: str | None
) -> None:
    checklist = extended()
    found = completeness(checklist, answers, photos, comments=comments, variant=variant)
    missing = [p.item_id for p in found if p.kind == "missing"]
    assert missing == score_visit(checklist, answers, variant).missing
    needed = photo_requirements(checklist, answers, variant)
    expected = [(i, n) for i, n in needed.items() if photos.get(i, 0) < n]
    assert [(p.item_id, p.needed) for p in found if p.kind == "photos"] == expected


def test_requirements_do_not_change_the_score() -> None:
    checklist = extended()
    # clean no (0 of 1), score 8 on 0..10 (0.8), offer current (1): C = 100 × 1.8 / 3 = 60,
    # with or without the comment and photo the answer asks for.
    answers = {"clean": "no", "score": 8, "offer": "current"}
    assert score_visit(checklist, answers, "call").score == pytest.approx(60.0)
    assert completeness(checklist, answers, {}, variant="call") != []


def test_without_comments_a_required_comment_is_missing() -> None:
    checklist = one_section(check("a", require_comment=["no"]))
    assert completeness(checklist, {"a": "no"}, {}) == [Problem("a", "comment")]
    assert completeness(checklist, {"a": "no"}, {}, comments={"a": "Why"}) == []
    assert completeness(checklist, {"a": "yes"}, {}) == []
    assert completeness(checklist, {}, {}) == [Problem("a", "missing")]


def test_the_rules_as_data_carry_the_requirements() -> None:
    rules = completeness_rules(extended(), "visit")
    assert json.loads(json.dumps(rules)) == rules
    assert rules["variant"] == "visit"
    by_id = {item["id"]: item for item in rules["items"]}
    assert by_id["clean"]["needs"] == [
        {"kind": "answer", "count": 0, "on": "always"},
        {"kind": "photos", "count": 1, "on": "in", "values": ["no"]},
        {"kind": "comment", "count": 0, "on": "in", "values": ["no", "na"]},
    ]
    assert by_id["score"]["needs"][1] == {
        "kind": "comment",
        "count": 0,
        "on": "in",
        "values": [0, 1, 2],
    }
    assert by_id["why-not"]["when"] == {"item": "offer", "not_in": ["current"]}
    assert by_id["offer"]["na_options"] == ["none"]  # answers that are N/A
    assert "na_options" not in by_id["clean"]
    section_when = {"all": [{"variant": ["visit"]}, {"item": "clean", "in": ["yes", "no"]}]}
    assert by_id["queue"]["when"] == section_when
    assert by_id["desk-photo"]["when"] == section_when


def test_old_checklists_send_the_same_rules() -> None:
    rules = completeness_rules(
        one_section(check("a"), check("b", when={"item": "a", "in": ["no"]}))
    )
    assert set(rules) == {"space", "items"}
    assert rules["items"][1] == {
        "id": "b",
        "required": True,
        "when": {"item": "a", "in": ["no"]},
        "needs": [{"kind": "answer", "count": 0, "on": "always"}],
    }
