"""XLSForm rows -> checklist (the core's mapping), what is left out by row, and back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from app.scoring import DocumentError, content_hash, parse_checklist
from app.scoring.xlsform import convert
from app.scoring.xlsform_export import checklist_to_workbook
from app.scoring.xlsform_expr import (
    ExpressionError,
    parse_bounds,
    parse_min_chars,
    parse_relevant,
    write_relevant,
)
from tests.scoring.test_properties import extended_docs
from tests.xlsform.sheets import YES_NO, from_workbook, sheets

HEAD = ["type", "name", "label", "hint", "required", "relevant", "constraint"]


def one_item(*cells: Any, extra: dict[str, str] | None = None, choices=None) -> dict[str, Any]:
    """The item of one question in a group: ``cells`` follow HEAD, ``extra`` more columns."""
    extra = extra or {}
    head = HEAD + list(extra)
    row = list(cells) + [""] * (len(HEAD) - len(cells)) + list(extra.values())
    survey = [head, ["begin group", "s", "S"], row, ["end group"]]
    conversion = convert(sheets(survey, choices))
    assert conversion.problems == []
    return conversion.document["sections"][0]["items"][0]


@pytest.mark.parametrize(
    ("source", "condition"),
    [
        ("${x} = 'a'", {"item": "x", "in": ["a"]}),
        ("${x}='a'", {"item": "x", "in": ["a"]}),
        ('${x} = "a"', {"item": "x", "in": ["a"]}),
        ("selected(${x}, 'a')", {"item": "x", "in": ["a"]}),
        ("${x} != 'a'", {"item": "x", "not_in": ["a"]}),
        ("${x} = 'a' or ${x} = 'b'", {"item": "x", "in": ["a", "b"]}),
        ("${x} != 'a' and ${x} != 'b'", {"item": "x", "not_in": ["a", "b"]}),
        (
            "(${x} = 'a') or (${x} = 'b')",
            {"any": [{"item": "x", "in": ["a"]}, {"item": "x", "in": ["b"]}]},
        ),
        (
            "${x} = 'a' and ${y} = 'b'",
            {"all": [{"item": "x", "in": ["a"]}, {"item": "y", "in": ["b"]}]},
        ),
        ("not(${x} = 'a')", {"not": {"item": "x", "in": ["a"]}}),
        (
            "${x} = 'a' or ${y} = 'b' and ${z} = 'c'",
            {
                "any": [
                    {"item": "x", "in": ["a"]},
                    {"all": [{"item": "y", "in": ["b"]}, {"item": "z", "in": ["c"]}]},
                ]
            },
        ),
        ("${variant} = 'e' or ${variant} = 't'", {"variant": ["e", "t"]}),
        ("${r} = 4", {"item": "r", "in": ["4"]}),
        ("(${x} = 'a') and true()", {"all": [{"item": "x", "in": ["a"]}]}),
        ("(${x} = 'a') or false()", {"any": [{"item": "x", "in": ["a"]}]}),
    ],
)
def test_relevant_expressions_read_as_conditions_and_write_back(source, condition):
    assert parse_relevant(source) == condition
    assert parse_relevant(write_relevant(condition)) == condition


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("${x} > 3", "only = and != compare answers (found '>')"),
        ("count-selected(${x}) = 2", "the function count-selected is not supported"),
        ("${x} = ${y}", "a question can only be compared with a value"),
        ("${x} = 'a' or", "cannot read '…'"),
        ("${x} = 'a' xor ${y} = 'b'", "cannot read 'xor'"),
        ("${x} = 'a' ; drop", "cannot read '; drop'"),
        ("true()", "true() and false() only fill a one-part and / or"),
    ],
)
def test_expressions_outside_the_grammar_are_refused_with_a_reason(source, reason):
    with pytest.raises(ExpressionError, match=None) as caught:
        parse_relevant(source)
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    ("source", "bounds"),
    [
        (". >= 0 and . <= 600", {"min": 0, "max": 600}),
        (".<=9.5", {"max": 9.5}),
        (". >= 2", {"min": 2}),
    ],
)
def test_simple_constraints_give_min_and_max(source, bounds):
    assert parse_bounds(source) == bounds


@pytest.mark.parametrize(
    "source", [". > 0", ". >= 1 or . <= 3", "regex(., '^a')", ". >= 1 and . >= 2"]
)
def test_other_constraints_are_refused(source):
    with pytest.raises(ExpressionError):
        parse_bounds(source)


def test_string_length_gives_min_chars():
    assert parse_min_chars("string-length(.) >= 80") == 80
    with pytest.raises(ExpressionError):
        parse_min_chars("string-length(.) > 80")


@pytest.mark.parametrize(
    ("cells", "extra", "choices", "expected"),
    [
        (
            ["select_one yes_no", "smile", "Smiled", "Eye contact too", "yes"],
            {"kano": "must", "critical": "TRUE", "points": "2"},
            None,
            {
                "id": "smile",
                "text": "Smiled",
                "help": "Eye contact too",
                "kind": "check",
                "required": True,
                "kano": "must",
                "critical": True,
                "points": 2,
            },
        ),
        (
            ["select_one yn", "clean", "Clean"],
            {},
            [
                ["list_name", "name", "label"],
                ["yn", "yes", "Y"],
                ["yn", "no", "N"],
                ["yn", "na", "-"],
            ],
            {"id": "clean", "text": "Clean", "kind": "check", "required": False, "na": True},
        ),
        (
            ["select_one stars", "k", "Knowledge", "", "yes"],
            {},
            [["list_name", "name", "label"], *[["stars", str(n), str(n)] for n in range(0, 11)]],
            {
                "id": "k",
                "text": "Knowledge",
                "kind": "rating",
                "required": True,
                "scale": 10,
                "from": 0,
            },
        ),
        (
            ["select_one offer", "offer", "Offer", "", "yes"],
            {},
            [
                ["list_name", "name", "label", "score", "na"],
                ["offer", "current", "Current", "1", ""],
                ["offer", "old", "Old", "0.5", ""],
                ["offer", "none", "None running", "", "yes"],
            ],
            {
                "id": "offer",
                "text": "Offer",
                "kind": "choice",
                "required": True,
                "options": [
                    {"id": "current", "text": "Current", "score": 1},
                    {"id": "old", "text": "Old", "score": 0.5},
                    {"id": "none", "text": "None running", "na": True},
                ],
            },
        ),
        (
            ["integer", "wait", "Seconds", "", "yes", "", ". >= 0 and . <= 600"],
            {"better": "lower", "target": "30", "limit": "90", "unit": "s"},
            None,
            {
                "id": "wait",
                "text": "Seconds",
                "kind": "measure",
                "required": True,
                "integer": True,
                "min": 0,
                "max": 600,
                "better": "lower",
                "target": 30,
                "limit": 90,
                "unit": "s",
            },
        ),
        (
            ["decimal", "price", "Price seen"],
            {"scored": "no"},
            None,
            {
                "id": "price",
                "text": "Price seen",
                "kind": "measure",
                "required": False,
                "scored": False,
            },
        ),
        (
            ["text", "story", "Story", "", "yes", "", "string-length(.) >= 80"],
            {},
            None,
            {"id": "story", "text": "Story", "kind": "text", "required": True, "min_chars": 80},
        ),
        (
            ["image", "front", "Storefront", "", "yes"],
            {"min_photos": "2"},
            None,
            {
                "id": "front",
                "text": "Storefront",
                "kind": "photo",
                "required": True,
                "min_photos": 2,
            },
        ),
        (
            ["select_one yes_no", "tidy", "Tidy", "", "yes"],
            {"require_comment": "no", "require_photo": "no", "photo": "optional"},
            None,
            {
                "id": "tidy",
                "text": "Tidy",
                "kind": "check",
                "required": True,
                "require_comment": ["no"],
                "require_photo": ["no"],
                "photo": "optional",
            },
        ),
    ],
)
def test_each_question_type_maps_to_an_item(cells, extra, choices, expected):
    assert one_item(*cells, extra=extra, choices=choices) == expected


def test_groups_languages_conditions_and_settings():
    survey = [
        ["type", "name", "label::English (en)", "label::Arabic (ar)", "relevant", "weight"],
        ["select_one visit", "variant", "Kind", "نوع", "", ""],
        ["begin group", "arrival", "Arrival", "الوصول", "", "2"],
        ["select_one yes_no", "greet", "Greeted", "تحية", "", ""],
        ["begin group", "queue", "Queue", "الطابور", "${variant} = 'enquiry'", ""],
        ["select_one yes_no", "ticket", "Ticket", "تذكرة", "${greet} = 'yes'", ""],
        ["end group", "", "", "", "", ""],
        ["end group", "", "", "", "", ""],
        ["begin group", "desk", "Desk", "المكتب", "not(${greet} = 'no')", ""],
        ["select_one yes_no", "name", "Name given", "الاسم", "", ""],
        ["end group", "", "", "", "", ""],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Arabic (ar)"],
        ["yes_no", "yes", "Yes", "نعم"],
        ["yes_no", "no", "No", "لا"],
        ["visit", "enquiry", "Enquiry", "استفسار"],
        ["visit", "transaction", "Transaction", "معاملة"],
        ["labels", "yes", "Yes", "نعم"],
    ]
    settings_rows = [
        ["form_id", "form_title", "default_language", "adequate", "channel"],
        ["centre", "Service centre", "Arabic (ar)", "60", "phone"],
    ]
    conversion = convert(sheets(survey, choices, settings_rows))
    assert conversion.problems == []
    doc = conversion.document
    assert doc["languages"] == ["ar", "en"]  # the default language first
    assert doc["variants"] == [
        {"id": "enquiry", "name": {"en": "Enquiry", "ar": "استفسار"}},
        {"id": "transaction", "name": {"en": "Transaction", "ar": "معاملة"}},
    ]
    assert doc["labels"] == {"yes": {"en": "Yes", "ar": "نعم"}}
    assert (doc["code"], doc["name"], doc["adequate"], doc["channel"]) == (
        "centre",
        "Service centre",
        60,
        "phone",
    )
    arrival, desk = doc["sections"]
    assert arrival["weight"] == 2 and arrival["title"] == {"en": "Arrival", "ar": "الوصول"}
    ticket = arrival["items"][1]
    assert ticket["group"] == {"en": "Queue", "ar": "الطابور"}
    assert ticket["when"] == {
        "all": [{"variant": ["enquiry"]}, {"item": "greet", "in": ["yes"]}]
    }  # the sub-group's condition and the question's own
    assert "group" not in arrival["items"][0]
    assert desk["when"] == {"not": {"item": "greet", "in": ["no"]}}
    checklist = parse_checklist(doc)
    assert checklist.languages == ("ar", "en") and checklist.variant_ids == (
        "enquiry",
        "transaction",
    )


# Each construct the checklist cannot carry, the row it is reported at and the message.
LEFT_OUT = [
    (
        [["begin repeat", "people", "People"], ["text", "who", "Who"], ["end repeat"]],
        3,
        "people",
        "a repeat cannot be carried: it and every question in it are left out",
    ),
    ([["calculate", "total", ""]], 3, "total", "calculate cannot be carried"),
    ([["select_multiple yes_no", "many", "Many"]], 3, "many", "select_multiple cannot be carried"),
    ([["geopoint", "where", "Where"]], 3, "where", "the question type geopoint cannot be carried"),
    ([["note", "hello", "Hello"]], 3, "hello", "a note is not carried"),
    ([["select_one yes_no or_other", "o", "O"]], 3, "o", "'select_one yes_no or_other' cannot"),
    ([["select_one colours", "c", "C"]], 3, "c", "the choices sheet has no list colours"),
    (
        [["select_one yes_no", "a", "A", "${b} = 'yes'"], ["select_one yes_no", "b", "B"]],
        3,
        "a",
        "it refers to ${b}, a later question): the question is always asked",
    ),
    (
        [["select_one yes_no", "a", "A", "${zz} = 'yes'"]],
        3,
        "a",
        "it refers to ${zz}, which the form does not have",
    ),
    (
        [["calculate", "c", ""], ["select_one yes_no", "a", "A", "${c} = 'yes'"]],
        4,
        "a",
        "it refers to ${c}, which is left out",
    ),
    (
        [["integer", "n", "N"], ["select_one yes_no", "a", "A", "${n} = '3'"]],
        4,
        "a",
        "only select_one questions can be referred to",
    ),
    (
        [["select_one yes_no", "q", "Q"], ["text", "a", "A", "${q} != ''"]],
        4,
        "a",
        "a comparison with an empty answer cannot be carried",
    ),
    (
        [["select_one yes_no", "q", "Q"], ["text", "a", "A", "string-length(${q}) > 2"]],
        4,
        "a",
        "relevant 'string-length(${q}) > 2' is left out (the function string-length",
    ),
    (
        [["integer", "n", "N", "", ". > 0"]],
        3,
        "n",
        "constraint '. > 0' is left out (only . >= N and . <= N are read",
    ),
    (
        [["begin group", "sub", "Sub"], ["begin group", "subsub", "Deeper"], ["text", "t", "T"]],
        4,
        "subsub",
        "a group inside a sub-group: its heading replaces the outer one",
    ),
    ([["", "", "stray label"]], 3, "", "the row has no type"),
    (
        [["begin group", "sub", "Sub", "${kept} = 'yes'"], ["text", "t", "T"], ["end group"]],
        3,
        "sub",
        "a later question): the group is always shown",
    ),
]


@pytest.mark.parametrize(("rows", "row", "name", "message"), LEFT_OUT)
def test_what_cannot_be_carried_is_reported_with_its_row(rows, row, name, message):
    survey = [
        ["type", "name", "label", "relevant", "constraint"],
        ["begin group", "s", "S"],
        *rows,
        ["select_one yes_no", "kept", "Kept"],
        ["end group"],
    ]
    conversion = convert(sheets(survey))
    found = [p for p in conversion.problems if p.row == row]
    assert found, conversion.problems
    assert found[0].sheet == "survey" and found[0].name == name
    assert message in found[0].message
    assert str(found[0]).startswith(f"survey row {row}")
    items = [i["id"] for i in conversion.document["sections"][0]["items"]]
    assert "kept" in items  # the rest is still there to store
    parse_checklist(conversion.document)  # and it is a valid checklist


def test_questions_outside_groups_and_empty_groups_are_reported():
    survey = [
        ["type", "name", "label"],
        ["start", "start", ""],
        ["text", "loose", "Loose"],
        ["begin group", "empty", "Empty"],
        ["calculate", "c", ""],
        ["end group"],
        ["begin group", "s", "S"],
        ["select_one yes_no", "a", "A"],
        ["end group"],
    ]
    conversion = convert(sheets(survey))
    assert [(p.row, p.name) for p in conversion.problems] == [
        (2, "start"),
        (3, "loose"),
        (4, "empty"),
        (5, "c"),
    ]
    assert "metadata" in conversion.problems[0].message
    assert "outside any group" in conversion.problems[1].message
    assert [s["id"] for s in conversion.document["sections"]] == ["s"]
    assert conversion.rows == {"sections[0]": 7, "sections[0].items[0]": 8}


def test_a_header_without_a_language_tag_is_reported():
    survey = [["type", "name", "label", "label::Klingon"], ["begin group", "s", "S", "x"]]
    survey += [["select_one yes_no", "a", "A", "b"], ["end group"]]
    conversion = convert(sheets(survey))
    assert [(p.sheet, p.row, p.name) for p in conversion.problems] == [
        ("survey", 1, "label::Klingon")
    ]


def test_a_validation_message_finds_its_survey_row():
    survey = [
        ["type", "name", "label", "better", "target", "limit"],
        ["begin group", "s", "S"],
        ["select_one yes_no", "a", "A"],
        ["integer", "wait", "Wait", "lower", "30", "10"],
        ["end group"],
    ]
    conversion = convert(sheets(survey, YES_NO))
    with pytest.raises(DocumentError) as caught:
        parse_checklist(conversion.document)
    message = caught.value.errors[0]
    assert message.startswith("sections[0].items[1] (wait).limit: must be above target")
    assert conversion.row_of(message) == 4
    assert conversion.row_of("sections[0].title: x") == 2
    assert conversion.row_of("adequate: x") is None


def _names(tag: str) -> str:
    return {"en": "English", "ar": "Arabic", "zh-CN": "Chinese"}.get(tag, tag)


@settings(max_examples=120, deadline=None)
@given(extended_docs())
def test_generated_checklists_round_trip_through_xlsform_rows(doc: dict[str, Any]) -> None:
    checklist = parse_checklist(doc)
    conversion = convert(from_workbook(checklist_to_workbook(checklist, language_name=_names)))
    assert conversion.problems == []
    again = parse_checklist(conversion.document)
    assert again == checklist
    assert content_hash(again) == content_hash(checklist)
