"""The engine against scoring.md, rule by rule."""

from __future__ import annotations

from typing import Any

import pytest

from app.scoring import (
    DocumentError,
    ItemScore,
    Problem,
    VisitDocument,
    completeness,
    parse_checklist,
    photo_requirements,
    score_documents,
    score_visit,
    visible_items,
)

from .helpers import check, doc_with, measure, one_section, worked_doc

approx = pytest.approx


# --- scoring.md §8 -------------------------------------------------------------------


def test_worked_example_within() -> None:
    checklist = parse_checklist(worked_doc())
    answers = {"greet": "yes", "wait": 60, "receipt": "yes", "name": "yes", "clean": "na"}
    result = score_visit(checklist, answers)
    assert result.sections == {"arrival": approx(200 / 3), "checkout": approx(100.0)}
    assert result.raw_score == approx(77.78, abs=0.005)
    assert result.score == approx(700 / 9)
    assert result.delight == approx(100.0)
    assert result.critical_failure is False
    assert result.must_failures == []
    assert result.critical_failures == []
    assert result.band == "within"
    assert result.missing == []
    assert result.items["wait"] == ItemScore(True, 0.5, 1.0, 2.0, False)
    assert result.items["clean"].applicable is False


def test_worked_example_receipt_no() -> None:
    checklist = parse_checklist(worked_doc())
    answers = {"greet": "yes", "wait": 60, "receipt": "no", "name": "yes", "clean": "na"}
    result = score_visit(checklist, answers)
    assert result.sections["checkout"] == 0.0
    assert result.raw_score == approx(44.44, abs=0.005)
    assert result.score == 0
    assert result.critical_failure is True
    assert result.critical_failures == ["receipt"]
    assert result.must_failures == []
    assert result.band == "below"


def test_to_dict_has_exactly_the_documented_keys() -> None:
    checklist = parse_checklist(worked_doc())
    result = score_visit(checklist, {"greet": "no", "wait": 10, "receipt": "yes"})
    assert list(result.to_dict()) == [
        "score",
        "raw_score",
        "critical_failure",
        "band",
        "delight",
        "must_failures",
        "critical_failures",
        "sections",
        "dimensions",
        "missing",
    ]
    data = result.to_dict()
    assert data["missing"] == ["name", "clean"]
    assert data["must_failures"] == ["greet"]
    assert data["dimensions"] == {"interaction": approx(100 * 3 / 4)}
    assert data["delight"] is None


# --- applicability -------------------------------------------------------------------


def test_all_items_na_is_not_scorable() -> None:
    checklist = one_section(check("a", na=True), check("b", na=True, kano="must"))
    result = score_visit(checklist, {"a": "na", "b": "na"})
    assert result.score is None and result.raw_score is None and result.band is None
    assert result.sections == {"s": None}
    assert result.dimensions == {"interaction": None}
    assert not result.scorable
    assert result.missing == []


def test_section_with_only_delighters_is_left_out_of_the_score() -> None:
    doc = doc_with(check("a"))
    doc["sections"].append(
        {"id": "extra", "title": "Extra", "weight": 5, "items": [check("d", kano="delight")]}
    )
    result = score_visit(parse_checklist(doc), {"a": "yes", "d": "no"})
    assert result.sections == {"s": 100.0, "extra": None}
    assert result.score == 100.0
    assert result.delight == 0.0
    assert result.band == "within"  # S ≥ desired but D = 0


def test_optional_unanswered_is_not_applicable_and_not_missing() -> None:
    checklist = one_section(check("a"), check("b", required=False))
    result = score_visit(checklist, {"a": "yes"})
    assert result.missing == []
    assert result.score == 100.0
    assert result.items["b"].applicable is False


def test_required_unanswered_is_missing_and_counts_nowhere() -> None:
    checklist = one_section(check("a"), check("b"), {"id": "t", "text": "t", "kind": "text"})
    result = score_visit(checklist, {"a": "no", "b": None})
    assert result.missing == ["b", "t"]
    assert result.score == 0.0


def test_photo_items_are_never_missing_and_never_scored() -> None:
    checklist = one_section(check("a"), {"id": "p", "text": "p", "kind": "photo"})
    result = score_visit(checklist, {"a": "yes"})
    assert result.missing == []
    assert result.items["p"] == ItemScore(False, None, 0.0, 0.0, None, True)
    assert photo_requirements(checklist, {"a": "yes"}) == {"p": 1}


def test_text_is_never_scored_and_short_text_is_not_missing() -> None:
    text = {"id": "story", "text": "Story", "kind": "text", "min_chars": 10}
    checklist = one_section(check("a"), text)
    result = score_visit(checklist, {"a": "yes", "story": "short"})
    assert result.missing == []
    assert result.items["story"].applicable is False
    assert completeness(checklist, {"a": "yes", "story": "short"}, {}) == [
        Problem("story", "short", 10)
    ]
    assert completeness(checklist, {"a": "yes", "story": "long enough"}, {}) == []
    assert completeness(checklist, {"a": "yes"}, {}) == [Problem("story", "missing")]


# --- item fractions ------------------------------------------------------------------

MEASURES: list[tuple[str, float, float | None, float, float]] = [
    # better, target, limit, answer, fraction
    ("lower", 30, 90, 0, 1.0),
    ("lower", 30, 90, 30, 1.0),
    ("lower", 30, 90, 45, 0.75),
    ("lower", 30, 90, 60, 0.5),
    ("lower", 30, 90, 90, 0.0),
    ("lower", 30, 90, 200, 0.0),
    ("lower", 30, None, 30, 1.0),
    ("lower", 30, None, 30.5, 0.0),
    ("lower", 0, 4, 1, 0.75),
    ("higher", 3, 1, 5, 1.0),
    ("higher", 3, 1, 3, 1.0),
    ("higher", 3, 1, 2, 0.5),
    ("higher", 3, 1, 1.5, 0.25),
    ("higher", 3, 1, 1, 0.0),
    ("higher", 3, 1, 0, 0.0),
    ("higher", 3, 0, 2.25, 0.75),
    ("higher", 3, None, 3, 1.0),
    ("higher", 3, None, 2.9, 0.0),
]


@pytest.mark.parametrize(("better", "target", "limit", "answer", "fraction"), MEASURES)
def test_measure_fraction(
    better: str, target: float, limit: float | None, answer: float, fraction: float
) -> None:
    checklist = one_section(measure("m", better, target, limit))
    result = score_visit(checklist, {"m": answer})
    assert result.items["m"].fraction == approx(fraction)
    assert result.score == approx(100 * fraction)
    assert result.items["m"].met is (fraction == 1.0)


@pytest.mark.parametrize("scale", range(2, 11))
def test_rating_fraction_for_every_scale(scale: int) -> None:
    checklist = one_section({"id": "r", "text": "r", "kind": "rating", "scale": scale})
    for value in range(1, scale + 1):
        result = score_visit(checklist, {"r": value})
        assert result.items["r"].fraction == approx((value - 1) / (scale - 1))
        assert result.score == approx(100 * (value - 1) / (scale - 1))


def test_rating_default_scale_is_five() -> None:
    checklist = one_section({"id": "r", "text": "r", "kind": "rating"})
    assert score_visit(checklist, {"r": 4}).score == approx(75.0)


@pytest.mark.parametrize(("answer", "score"), [("gold", 100.0), ("silver", 40.0), ("none", 0.0)])
def test_choice_scores(answer: str, score: float) -> None:
    options = [
        {"id": "gold", "text": "Gold", "score": 1},
        {"id": "silver", "text": "Silver", "score": 0.4},
        {"id": "none", "text": "None", "score": 0},
    ]
    checklist = one_section({"id": "c", "text": "c", "kind": "choice", "options": options})
    assert score_visit(checklist, {"c": answer}).score == approx(score)


def test_fractional_points_and_weights() -> None:
    doc = doc_with(
        check("a", points=0.5),
        {"id": "r", "text": "r", "kind": "rating", "scale": 3, "points": 1.5},
    )
    doc["sections"][0]["weight"] = 0.25
    doc["sections"].append(
        {"id": "t", "title": "T", "weight": 0.75, "items": [check("b", points=2.5), check("c")]}
    )
    result = score_visit(parse_checklist(doc), {"a": "yes", "r": 2, "b": "no", "c": "yes"})
    s1 = 100 * (0.5 + 0.75) / 2.0  # 62.5
    s2 = 100 * 1 / 3.5
    assert result.sections == {"s": approx(s1), "t": approx(s2)}
    assert result.score == approx(0.25 * s1 + 0.75 * s2)
    assert result.items["r"] == ItemScore(True, 0.5, 0.75, 1.5, False)


def test_dimensions_group_items_across_sections() -> None:
    doc = doc_with(check("a", dimension="core"), check("b", dimension="promise"))
    doc["sections"].append(
        {"id": "t", "title": "T", "items": [check("c", dimension="core", points=3), check("d")]}
    )
    result = score_visit(parse_checklist(doc), {"a": "yes", "b": "no", "c": "no", "d": "yes"})
    assert result.dimensions == {"core": 25.0, "promise": 0.0, "interaction": 100.0}


# --- critical items, bands ----------------------------------------------------------


@pytest.mark.parametrize(
    ("cap", "answers", "raw", "score", "band"),
    [
        (50, {"k": "no", "a": "yes", "b": "yes", "c": "yes"}, 75.0, 50.0, "below"),
        (80, {"k": "no", "a": "yes", "b": "no", "c": "no"}, 25.0, 25.0, "below"),  # cap > raw
        (95, {"k": "no", "a": "yes", "b": "yes", "c": "yes"}, 75.0, 75.0, "below"),
        (0, {"k": "no", "a": "yes", "b": "yes", "c": "yes"}, 75.0, 0.0, "below"),
        (0, {"k": "yes", "a": "yes", "b": "yes", "c": "no"}, 75.0, 75.0, "within"),
    ],
)
def test_critical_cap(
    cap: float, answers: dict[str, Any], raw: float, score: float, band: str
) -> None:
    checklist = one_section(
        check("k", critical=True), check("a"), check("b"), check("c"), critical_cap=cap
    )
    result = score_visit(checklist, answers)
    assert result.raw_score == approx(raw)
    assert result.score == approx(score)
    assert result.critical_failure is (answers["k"] == "no")
    assert result.band == band
    assert result.sections == {"s": approx(raw)}  # compliance is not capped


def test_critical_rating_fails_below_full_marks() -> None:
    checklist = one_section({"id": "r", "text": "r", "kind": "rating", "critical": True})
    assert score_visit(checklist, {"r": 4}).critical_failures == ["r"]
    assert score_visit(checklist, {"r": 5}).critical_failures == []


def test_must_failure_forces_below_even_with_a_high_score() -> None:
    items = [check(f"p{i}") for i in range(19)] + [check("m", kano="must")]
    checklist = one_section(*items)
    answers = {f"p{i}": "yes" for i in range(19)} | {"m": "no"}
    result = score_visit(checklist, answers)
    assert result.score == approx(95.0)
    assert result.must_failures == ["m"]
    assert result.band == "below"


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ({"a": "yes", "b": "yes", "d": "yes"}, "delighted"),
        ({"a": "yes", "b": "yes", "d": "no"}, "within"),  # D = 0
        ({"a": "yes", "b": "yes", "d": "na"}, "within"),  # D undefined
        ({"a": "yes", "b": "no", "d": "yes"}, "below"),  # 50 < 70
    ],
)
def test_delighted_needs_a_positive_delight_rate(answers: dict[str, str], band: str) -> None:
    checklist = one_section(check("a"), check("b"), check("d", kano="delight", na=True))
    assert score_visit(checklist, answers).band == band


@pytest.mark.parametrize(
    ("met", "band"), [(6, "below"), (7, "within"), (8, "within"), (9, "delighted")]
)
def test_band_thresholds_are_inclusive(met: int, band: str) -> None:
    items = [check(f"i{k}") for k in range(10)] + [check("d", kano="delight")]
    checklist = one_section(*items, adequate=70, desired=90)
    answers = {f"i{k}": "yes" if k < met else "no" for k in range(10)} | {"d": "yes"}
    result = score_visit(checklist, answers)
    assert result.score == approx(met * 10.0)
    assert result.band == band


def test_delight_items_never_lower_the_score() -> None:
    checklist = one_section(check("a"), check("d1", kano="delight"), check("d2", kano="delight"))
    result = score_visit(checklist, {"a": "yes", "d1": "no", "d2": "yes"})
    assert result.score == 100.0
    assert result.delight == 50.0


# --- when rules ---------------------------------------------------------------------


def _when_checklist() -> Any:
    return one_section(
        check("q"),
        check("follow", when={"item": "q", "in": ["yes"]}),
        check("deeper", when={"item": "follow", "in": ["no"]}),
        {"id": "p", "text": "p", "kind": "photo", "when": {"item": "q", "in": ["no"]}},
    )


def test_hidden_items_are_neither_scored_nor_missing() -> None:
    checklist = _when_checklist()
    result = score_visit(checklist, {"q": "no", "follow": "no", "deeper": "no"})
    assert result.score == 0.0  # only q counts
    assert result.missing == []
    assert result.items["follow"] == ItemScore(False, None, 0.0, 0.0, None, False)
    assert result.items["p"].shown is True
    assert visible_items(checklist, {"q": "no", "follow": "no"}) == {"q", "p"}


def test_shown_items_count_and_can_be_missing() -> None:
    checklist = _when_checklist()
    result = score_visit(checklist, {"q": "yes", "follow": "no"})
    assert result.missing == ["deeper"]
    assert result.score == 50.0
    assert visible_items(checklist, {"q": "yes", "follow": "no"}) == {"q", "follow", "deeper"}


def test_unanswered_controller_hides_its_dependants() -> None:
    checklist = _when_checklist()
    result = score_visit(checklist, {})
    assert result.missing == ["q"]
    assert result.score is None
    assert visible_items(checklist, {}) == {"q"}


def test_when_on_rating_and_choice_values() -> None:
    options = [{"id": "x", "text": "x", "score": 1}, {"id": "y", "text": "y", "score": 0}]
    checklist = one_section(
        {"id": "r", "text": "r", "kind": "rating", "scale": 3},
        check("low", when={"item": "r", "in": [1, 2]}),
        {"id": "c", "text": "c", "kind": "choice", "options": options, "na": True},
        check("why", when={"item": "c", "in": ["y", "na"]}),
    )
    assert visible_items(checklist, {"r": 2, "c": "na"}) == {"r", "low", "c", "why"}
    assert visible_items(checklist, {"r": 3, "c": "x"}) == {"r", "c"}


# --- inputs -------------------------------------------------------------------------


def test_scores_a_visit_document() -> None:
    checklist = parse_checklist(worked_doc())
    visit = VisitDocument.model_validate(
        {
            "format": 1,
            "checklist": "worked",
            "branch": "SH-001",
            "visited_at": "2026-11-20T10:15:00+08:00",
            "answers": {"greet": {"value": "yes"}, "wait": {"value": 60}},
        }
    )
    result = score_visit(checklist, visit)
    assert result.sections["arrival"] == approx(200 / 3)
    assert result.missing == ["receipt", "name", "clean"]


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ({"greet": "maybe"}, "answers.greet: must be 'yes' or 'no'"),
        ({"wait": "slow"}, "answers.wait: must be a number ≥ 0"),
        ({"wait": [1]}, "answers.wait: must be a number ≥ 0"),
    ],
)
def test_engine_refuses_values_it_cannot_score(answers: dict[str, Any], error: str) -> None:
    checklist = parse_checklist(worked_doc())
    with pytest.raises(DocumentError) as exc:
        score_visit(checklist, answers)
    assert error in exc.value.errors


def test_item_scores_cover_every_item_in_order() -> None:
    checklist = parse_checklist(worked_doc())
    result = score_visit(checklist, {"greet": "yes", "wait": 100, "name": "no", "clean": "no"})
    assert list(result.items) == ["greet", "wait", "receipt", "name", "clean"]
    assert result.items["wait"] == ItemScore(True, 0.0, 0.0, 2.0, False)
    assert result.items["receipt"].applicable is False
    assert result.items["name"] == ItemScore(True, 0.0, 0.0, 1.0, False)
    assert result.must_failures == ["clean"]


def test_score_documents_for_the_command_line() -> None:
    import json

    checklist_text = json.dumps(worked_doc())
    visit_text = """
format: 1
checklist: worked
branch: SH-001
visited_at: 2026-11-20T10:15:00+08:00
answers:
  greet: {value: yes}
  wait: {value: 60}
  receipt: {value: "no"}
  name: {value: yes, comment: Remembered me}
  clean: {value: na}
"""
    data = score_documents(checklist_text, visit_text)
    assert data["score"] == 0
    assert data["raw_score"] == approx(400 / 9)
    assert data["band"] == "below"
    assert data["critical_failures"] == ["receipt"]
    json.dumps(data)  # plain JSON types only


def test_blank_text_counts_as_unanswered() -> None:
    checklist = one_section(check("a"), {"id": "t", "text": "t", "kind": "text"})
    assert score_visit(checklist, {"a": "yes", "t": "  "}).missing == ["t"]
