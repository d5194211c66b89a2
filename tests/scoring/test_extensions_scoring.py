"""Scoring effects of the checklist extensions (scoring.md §1-§2, formats.md "extensions").

Each case is a small checklist and visit whose figures are worked out by hand from
scoring.md; the arithmetic is in the comment next to each expectation.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest import approx

from app.scoring import (
    DocumentError,
    checklist_to_dict,
    parse_checklist,
    parse_visit,
    score_documents,
    score_visit,
    validate_answer,
    visible_items,
)

from .helpers import check, doc_with, one_section


def choice(iid: str, *options: tuple[str, float | None], **fields: Any) -> dict[str, Any]:
    """A choice item; an option whose score is ``None`` is an N/A option."""
    opts = [
        {"id": oid, "text": oid, "na": True}
        if score is None
        else {"id": oid, "text": oid, "score": score}
        for oid, score in options
    ]
    return {"id": iid, "text": iid, "kind": "choice", "options": opts, **fields}


# --- scored: false ---------------------------------------------------------------------


INFO = one_section(
    check("greet", kano="must"),
    check("smile"),
    {"id": "staff", "text": "Staff", "kind": "measure", "scored": False, "integer": True},
    {"id": "nps", "text": "NPS", "kind": "rating", "from": 0, "scale": 10, "scored": False},
    choice("store-type", ("mall", 1), ("street", 0), scored=False),
    check("flag", scored=False, kano="must"),
)


def test_informational_items_are_never_scored() -> None:
    # greet yes (1 of 1) + smile no (0 of 1): C = 100 × 1 / 2 = 50, whatever the
    # informational items say; flag is a "must" but informational, so no must failure.
    answers = {"greet": "yes", "smile": "no", "staff": 4, "nps": 0, "store-type": "street"}
    result = score_visit(INFO, answers | {"flag": "no"})
    assert result.score == approx(50.0)
    assert result.sections == {"s": approx(50.0)}
    assert result.must_failures == []
    assert score_visit(INFO, {"greet": "yes", "smile": "no", "flag": "yes"}).score == approx(50.0)
    assert [i for i, s in result.items.items() if s.applicable] == ["greet", "smile"]
    assert not INFO.item("nps").scored and INFO.item("greet").scored


def test_informational_items_are_required_like_any_other() -> None:
    result = score_visit(INFO, {"greet": "yes", "smile": "yes"})
    assert result.missing == ["staff", "nps", "store-type", "flag"]


def test_an_informational_answer_is_still_validated() -> None:
    assert validate_answer(INFO, "staff", 4.0) == 4
    with pytest.raises(DocumentError) as exc:
        validate_answer(INFO, "store-type", "kiosk")
    assert exc.value.errors == ["answers.store-type: unknown option 'kiosk'"]
    with pytest.raises(DocumentError):
        score_visit(INFO, {"store-type": "kiosk"})


def test_only_informational_items_leave_the_visit_unscorable() -> None:
    only = one_section({"id": "n", "text": "N", "kind": "measure", "scored": False})
    result = score_visit(only, {"n": 12})
    assert result.score is None and result.band is None and result.sections == {"s": None}


# --- from: 0 ratings ---------------------------------------------------------------------


def test_a_rating_from_zero_scores_v_over_scale() -> None:
    checklist = one_section(
        {"id": "r", "text": "R", "kind": "rating", "from": 0, "scale": 10}, check("c")
    )
    # r = 7 on 0..10: f = 7 / 10 = 0.7; c yes: f = 1. C = 100 × (0.7 + 1) / 2 = 85.
    assert score_visit(checklist, {"r": 7, "c": "yes"}).score == approx(85.0)
    # r = 0: f = 0; C = 100 × (0 + 1) / 2 = 50.
    assert score_visit(checklist, {"r": 0, "c": "yes"}).score == approx(50.0)
    assert validate_answer(checklist, "r", 0) == 0
    with pytest.raises(DocumentError) as exc:
        validate_answer(checklist, "r", 11)
    assert exc.value.errors == ["answers.r: must be a whole number from 0 to 10"]


def test_a_rating_from_one_is_unchanged() -> None:
    checklist = one_section({"id": "r", "text": "R", "kind": "rating", "from": 1, "scale": 5})
    # v = 4 on 1..5: f = (4 − 1) / (5 − 1) = 0.75 → 75.
    assert score_visit(checklist, {"r": 4}).score == approx(75.0)
    with pytest.raises(DocumentError):
        validate_answer(checklist, "r", 0)


# --- options with na: true ------------------------------------------------------------


OFFER = one_section(
    choice("offer", ("current", 1), ("old", 0.5), ("none-running", None), kano="must"),
    check("greet"),
)


def test_an_na_option_makes_the_item_not_applicable() -> None:
    # offer N/A by its option: only greet counts, C = 100 × 1 / 1 = 100, no must failure.
    result = score_visit(OFFER, {"offer": "none-running", "greet": "yes"})
    assert result.score == approx(100.0)
    assert result.must_failures == [] and result.band == "within"
    assert result.items["offer"].applicable is False
    # offer old: f = 0.5 → C = 100 × (0.5 + 1) / 2 = 75, and a must item that fails.
    result = score_visit(OFFER, {"offer": "old", "greet": "yes"})
    assert result.score == approx(75.0)
    assert result.must_failures == ["offer"] and result.band == "below"


def test_an_na_option_is_an_answer_not_a_missing_one() -> None:
    assert score_visit(OFFER, {"offer": "none-running", "greet": "no"}).missing == []
    assert validate_answer(OFFER, "offer", "none-running") == "none-running"
    with pytest.raises(DocumentError) as exc:
        validate_answer(OFFER, "offer", "na")  # the plain N/A needs na: true on the item
    assert exc.value.errors == ["answers.offer: N/A is not allowed for this item"]


def test_only_na_options_chosen_leave_the_section_undefined() -> None:
    checklist = doc_with(choice("c", ("a", 1), ("n", None)))
    checklist["sections"].append({"id": "t", "title": "T", "items": [check("d")]})
    parsed = parse_checklist(checklist)
    # s has no applicable item (C null); t: d no → 0. S = 0 over t alone.
    result = score_visit(parsed, {"c": "n", "d": "no"})
    assert result.sections == {"s": None, "t": approx(0.0)}
    assert result.score == approx(0.0)


# --- section when -----------------------------------------------------------------------


def _parking() -> Any:
    doc = doc_with(check("has-parking"), check("greet"))
    doc["sections"][0]["weight"] = 2
    doc["sections"].append(
        {
            "id": "parking",
            "title": "Parking",
            "when": {"item": "has-parking", "in": ["yes"]},
            "items": [check("clean"), check("signs", kano="must", critical=True)],
        }
    )
    return parse_checklist(doc)


def test_a_hidden_section_counts_nowhere() -> None:
    checklist = _parking()
    # has-parking no (0 of 1), greet yes (1 of 1): s = 100 × 1 / 2 = 50. The parking
    # section is hidden: null, its answers (clean no, a failed critical) are ignored. S = 50.
    result = score_visit(checklist, {"has-parking": "no", "greet": "yes", "signs": "no"})
    assert result.sections == {"s": approx(50.0), "parking": None}
    assert result.score == approx(50.0) and result.raw_score == approx(50.0)
    assert result.critical_failure is False and result.must_failures == []
    assert result.missing == []  # clean and signs are hidden, never missing
    assert visible_items(checklist, {"has-parking": "no"}) == {"has-parking", "greet"}


def test_a_shown_section_counts_with_its_weight() -> None:
    checklist = _parking()
    # s = 100 × 2 / 2 = 100 (weight 2); parking: clean no, signs yes → 100 × 1 / 2 = 50
    # (weight 1). S = (2 × 100 + 1 × 50) / 3 = 83.33.
    answers = {"has-parking": "yes", "greet": "yes", "clean": "no", "signs": "yes"}
    result = score_visit(checklist, answers)
    assert result.sections == {"s": approx(100.0), "parking": approx(50.0)}
    assert result.score == approx(250 / 3)
    # signs unanswered while shown: missing.
    assert score_visit(checklist, {"has-parking": "yes"}).missing == ["greet", "clean", "signs"]


def test_an_unanswered_controller_hides_the_section() -> None:
    checklist = _parking()
    result = score_visit(checklist, {"greet": "yes", "clean": "yes"})
    # has-parking unanswered (missing), greet yes: s = 100 × 1 / 1 = 100; parking hidden.
    assert result.sections == {"s": approx(100.0), "parking": None}
    assert result.missing == ["has-parking"]


# --- the condition grammar -----------------------------------------------------------------


GRAMMAR = parse_checklist(
    {
        "format": 1,
        "code": "g",
        "name": "G",
        "variants": [{"id": "enquiry", "name": "Enquiry"}, {"id": "buy", "name": "Purchase"}],
        "sections": [
            {
                "id": "s",
                "title": "S",
                "items": [
                    check("q", na=True),
                    {"id": "r", "text": "R", "kind": "rating", "scale": 5, "required": False},
                    check("not-no", when={"item": "q", "not_in": ["no"]}),
                    check("on-buy", when={"variant": ["buy"]}),
                    check(
                        "both",
                        when={"all": [{"item": "q", "in": ["yes"]}, {"item": "r", "in": [1, 2]}]},
                    ),
                    check(
                        "either",
                        when={"any": [{"item": "q", "in": ["no"]}, {"variant": ["enquiry"]}]},
                    ),
                    check("neither", when={"not": {"item": "q", "in": ["yes", "no"]}}),
                    check("deep", when={"item": "not-no", "not_in": ["yes"]}),
                ],
            }
        ],
    }
)
ALWAYS = {"q", "r"}


@pytest.mark.parametrize(
    ("answers", "variant", "shown"),
    [
        # not_in: the named item must be answered; a hidden or unanswered one is false.
        ({}, None, ALWAYS | {"neither"}),
        ({"q": "yes"}, None, ALWAYS | {"not-no"}),
        ({"q": "na"}, None, ALWAYS | {"not-no", "neither"}),
        ({"q": "no"}, None, ALWAYS | {"either"}),
        # variant leaves.
        ({"q": "no"}, "buy", ALWAYS | {"either", "on-buy"}),
        ({"q": "yes"}, "enquiry", ALWAYS | {"not-no", "either"}),
        # all / any.
        ({"q": "yes", "r": 2}, "buy", ALWAYS | {"not-no", "on-buy", "both"}),
        ({"q": "yes", "r": 3}, "buy", ALWAYS | {"not-no", "on-buy"}),
        # a leaf on a shown item answered outside not_in, and on a hidden one.
        ({"q": "yes", "not-no": "no"}, None, ALWAYS | {"not-no", "deep"}),
        ({"q": "no", "not-no": "no"}, None, ALWAYS | {"either"}),
    ],
)
def test_conditions_show_exactly_these_items(
    answers: dict[str, Any], variant: str | None, shown: set[str]
) -> None:
    assert visible_items(GRAMMAR, answers, variant) == shown
    assert {i for i, s in score_visit(GRAMMAR, answers, variant).items.items() if s.shown} == shown


def test_a_variant_hides_its_items_from_the_score() -> None:
    answers = {"q": "yes", "r": 5, "not-no": "yes", "on-buy": "no"}
    # enquiry: on-buy hidden; q, r (f = 1), not-no yes: C = 100 × 3 / 3 = 100.
    assert score_visit(GRAMMAR, answers, "enquiry").score == approx(100.0)
    # buy: on-buy no counts: C = 100 × 3 / 4 = 75.
    assert score_visit(GRAMMAR, answers, "buy").score == approx(75.0)


def test_a_visit_document_carries_its_variant() -> None:
    visit = {
        "format": 1,
        "checklist": "g",
        "branch": "B1",
        "variant": "buy",
        "visited_at": "2026-11-20T10:15:00+08:00",
        "answers": {"q": {"value": "yes"}, "r": {"value": 5}, "on-buy": {"value": "no"}},
    }
    parsed = parse_visit(visit, GRAMMAR)
    assert parsed.variant == "buy"
    # q yes, r 5, not-no unanswered (missing), on-buy no: C = 100 × 2 / 3 = 66.67.
    result = score_visit(GRAMMAR, parsed)
    assert result.score == approx(200 / 3)
    assert result.missing == ["not-no"]
    assert score_documents(checklist_to_dict(GRAMMAR), visit)["score"] == approx(200 / 3)


@pytest.mark.parametrize(
    ("variant", "error"),
    [
        (None, "variant: is required (variants: enquiry, buy)"),
        ("walk-in", "variant: unknown variant 'walk-in' (variants: enquiry, buy)"),
    ],
)
def test_a_visit_names_a_known_variant(variant: str | None, error: str) -> None:
    visit: dict[str, Any] = {
        "format": 1,
        "checklist": "g",
        "branch": "B1",
        "visited_at": "2026-11-20T10:15:00+08:00",
    }
    if variant is not None:
        visit["variant"] = variant
    with pytest.raises(DocumentError) as exc:
        parse_visit(visit, GRAMMAR)
    assert exc.value.errors == [error]


def test_a_checklist_without_variants_refuses_one() -> None:
    visit = {
        "format": 1,
        "checklist": "t",
        "branch": "B1",
        "variant": "buy",
        "visited_at": "2026-11-20T10:15:00+08:00",
    }
    with pytest.raises(DocumentError) as exc:
        parse_visit(visit, one_section(check("a")))
    assert exc.value.errors == ["variant: the checklist has no variants"]


# --- min, max, integer ----------------------------------------------------------------------


BOUNDED = one_section(
    {
        "id": "wait",
        "text": "Wait",
        "kind": "measure",
        "better": "lower",
        "target": 30,
        "limit": 90,
        "min": 5,
        "max": 600,
    },
    {"id": "staff-count", "text": "Staff", "kind": "measure", "scored": False, "integer": True},
)


def test_bounds_do_not_change_the_fraction() -> None:
    # wait 60: f = (90 − 60) / (90 − 30) = 0.5 → 50.
    assert score_visit(BOUNDED, {"wait": 60, "staff-count": 3}).score == approx(50.0)


@pytest.mark.parametrize(
    ("item_id", "value", "error"),
    [
        ("wait", 4, "answers.wait: must be a number from 5 to 600"),
        ("wait", 601, "answers.wait: must be a number from 5 to 600"),
        ("wait", "soon", "answers.wait: must be a number from 5 to 600"),
        ("staff-count", 2.5, "answers.staff-count: must be a whole number"),
        ("staff-count", -1, "answers.staff-count: must be a number ≥ 0"),
    ],
)
def test_values_outside_the_bounds_are_refused(item_id: str, value: Any, error: str) -> None:
    with pytest.raises(DocumentError) as exc:
        validate_answer(BOUNDED, item_id, value)
    assert exc.value.errors == [error]


def test_values_inside_the_bounds_are_kept() -> None:
    assert validate_answer(BOUNDED, "wait", 5) == 5
    assert validate_answer(BOUNDED, "wait", 600) == 600
    assert validate_answer(BOUNDED, "staff-count", 3.0) == 3
    assert validate_answer(BOUNDED, "staff-count", "4", from_form=True) == 4


# --- keys with no effect on the score ----------------------------------------------------------


def test_languages_labels_groups_and_requirements_change_no_figure() -> None:
    plain = doc_with(
        check("a", kano="must"), check("b", na=True), {"id": "t", "text": "T", "kind": "text"}
    )
    rich = doc_with(
        check("a", kano="must", group="Door", require_comment=["no"], require_photo=["no"]),
        check("b", na=True, group="Door", require_comment=["na"]),
        {"id": "t", "text": "T", "kind": "text", "group": "Notes"},
        languages=["en"],
        labels={"yes": "Yes", "no": "No", "na": "Not seen"},
    )
    for answers in ({"a": "yes", "b": "no"}, {"a": "no", "b": "na", "t": "x"}, {}):
        # e.g. a no (must, 0 of 1), b na: C = 0, band below; the same with or without.
        before = score_visit(parse_checklist(plain), answers).to_dict()
        assert score_visit(parse_checklist(rich), answers).to_dict() == before
