"""Every validation rule of formats.md, with its exact path and message."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from app.scoring import DocumentError, parse_checklist, parse_visit, validate_answer

Doc = dict[str, Any]

BASE: Doc = {
    "format": 1,
    "code": "v",
    "name": {"en": "Visit", "zh-CN": "暗访"},
    "sections": [
        {
            "id": "arrival",
            "title": {"en": "Arrival", "zh-CN": "进店"},
            "items": [
                {"id": "greet", "text": {"en": "Greeted", "zh-CN": "招呼"}, "kind": "check"},
                {
                    "id": "wait",
                    "text": "Wait",
                    "kind": "measure",
                    "better": "lower",
                    "target": 30,
                    "limit": 90,
                },
                {"id": "knowledge", "text": "Knowledge", "kind": "rating", "scale": 5},
                {
                    "id": "offer",
                    "text": "Offer",
                    "kind": "choice",
                    "options": [
                        {"id": "current", "text": {"en": "Current", "zh-CN": "当期"}, "score": 1},
                        {"id": "old", "text": "Old", "score": 0.5},
                        {"id": "none", "text": "None", "score": 0},
                    ],
                },
                {"id": "story", "text": "Story", "kind": "text", "min_chars": 20},
            ],
        },
        {
            "id": "checkout",
            "title": "Checkout",
            "items": [
                {"id": "pay", "text": "Paid", "kind": "check", "na": True},
                {"id": "receipt", "text": "Receipt photo", "kind": "photo"},
            ],
        },
    ],
}


def item(doc: Doc, s: int, i: int) -> Doc:
    return doc["sections"][s]["items"][i]


def sets(path: Callable[[Doc], Doc], **fields: Any) -> Callable[[Doc], None]:
    """A mutation setting ``fields`` on the mapping ``path`` picks out."""
    return lambda doc: path(doc).update(fields)


def drops(path: Callable[[Doc], Doc], key: str) -> Callable[[Doc], None]:
    return lambda doc: path(doc).pop(key)


ROOT = lambda d: d  # noqa: E731
S0 = lambda d: d["sections"][0]  # noqa: E731
GREET = lambda d: item(d, 0, 0)  # noqa: E731
WAIT = lambda d: item(d, 0, 1)  # noqa: E731
RATING = lambda d: item(d, 0, 2)  # noqa: E731
OFFER = lambda d: item(d, 0, 3)  # noqa: E731
STORY = lambda d: item(d, 0, 4)  # noqa: E731
PAY = lambda d: item(d, 1, 0)  # noqa: E731
PHOTO = lambda d: item(d, 1, 1)  # noqa: E731
OPTION0 = lambda d: item(d, 0, 3)["options"][0]  # noqa: E731

KINDS = "check, rating, choice, measure, text, photo"
LANGS = "(checklist languages: en, zh-CN)"
SCORED = "only for scored items (check, rating, choice, measure)"

CASES: list[tuple[Callable[[Doc], None], str]] = [
    # structure and types
    (sets(ROOT, colour="red"), "colour: unknown field"),
    (sets(WAIT, colour="red"), "sections[0].items[1] (wait).colour: unknown field"),
    (sets(OPTION0, colour="red"), "sections[0].items[3] (offer).options[0].colour: unknown field"),
    (drops(ROOT, "name"), "name: is required"),
    (drops(ROOT, "code"), "code: is required"),
    (drops(S0, "title"), "sections[0] (arrival).title: is required"),
    (drops(GREET, "kind"), "sections[0].items[0] (greet).kind: is required"),
    (drops(OPTION0, "score"), "sections[0].items[3] (offer).options[0].score: is required"),
    (sets(ROOT, format=2), "format: must be 1"),
    (sets(ROOT, channel="fax"), "channel: must be one of: in_person, phone, online"),
    (sets(GREET, kind="slider"), f"sections[0].items[0] (greet).kind: must be one of: {KINDS}"),
    (
        sets(GREET, kano="basic"),
        "sections[0].items[0] (greet).kano: must be one of: must, performance, delight",
    ),
    (
        sets(GREET, dimension="price"),
        "sections[0].items[0] (greet).dimension: must be one of: "
        "core, support, promise, interaction, emotion",
    ),
    (
        sets(GREET, photo="always"),
        "sections[0].items[0] (greet).photo: must be one of: none, optional, required",
    ),
    (
        sets(WAIT, better="faster"),
        "sections[0].items[1] (wait).better: must be one of: lower, higher",
    ),
    (sets(WAIT, target="thirty"), "sections[0].items[1] (wait).target: must be a number"),
    (sets(WAIT, target=True), "sections[0].items[1] (wait).target: must be a number"),
    (sets(GREET, required="maybe"), "sections[0].items[0] (greet).required: must be true or false"),
    (
        sets(GREET, id="has space"),
        "sections[0].items[0].id: must be 1-64 letters, digits, '-' "
        "or '_', starting with a letter or digit",
    ),
    (sets(GREET, id=7), "sections[0].items[0].id: must be a string"),
    (sets(WAIT, text=""), "sections[0].items[1] (wait).text: must not be empty"),
    (
        sets(WAIT, text=["a"]),
        "sections[0].items[1] (wait).text: must be a string or a map of language to string",
    ),
    (
        sets(WAIT, text={"english": "x"}),
        "sections[0].items[1] (wait).text: 'english' is not a language tag such as en or zh-CN",
    ),
    (sets(ROOT, sections=[]), "sections: must not be empty"),
    (sets(S0, items=[]), "sections[0].items: must not be empty"),
    (sets(S0, items="greet"), "sections[0].items: must be a list"),
    (
        lambda d: d["sections"][0]["items"].__setitem__(0, "greet"),
        "sections[0].items[0]: must be a mapping",
    ),
    # ids
    (sets(PAY, id="greet"), "sections[1].items[0] (greet).id: duplicate id 'greet'"),
    (
        sets(lambda d: d["sections"][1], id="arrival"),
        "sections[1] (arrival).id: duplicate id 'arrival'",
    ),
    (sets(PAY, id="arrival"), "sections[1].items[0] (arrival).id: duplicate id 'arrival'"),
    # numbers and thresholds
    (sets(GREET, points=0), "sections[0].items[0] (greet).points: must be > 0"),
    (sets(GREET, points=-1.5), "sections[0].items[0] (greet).points: must be > 0"),
    (sets(S0, weight=0), "sections[0] (arrival).weight: must be > 0"),
    (sets(RATING, scale=1), "sections[0].items[2] (knowledge).scale: must be ≥ 2"),
    (sets(RATING, scale=4.5), "sections[0].items[2] (knowledge).scale: must be a whole number"),
    (sets(ROOT, adequate=90, desired=80), "adequate: must be below desired (80)"),
    (sets(ROOT, adequate=90), "adequate: must be below desired (90)"),
    (sets(ROOT, desired=101), "desired: must be ≤ 100"),
    (sets(ROOT, critical_cap=-1), "critical_cap: must be ≥ 0"),
    (sets(ROOT, alert_drop=0), "alert_drop: must be > 0"),
    (sets(STORY, min_chars=-1), "sections[0].items[4] (story).min_chars: must be ≥ 0"),
    (sets(PHOTO, min_photos=0), "sections[1].items[1] (receipt).min_photos: must be ≥ 1"),
    # measures
    (
        sets(WAIT, limit=20),
        "sections[0].items[1] (wait).limit: must be above target when better is lower",
    ),
    (
        sets(WAIT, limit=30),
        "sections[0].items[1] (wait).limit: must be above target when better is lower",
    ),
    (
        sets(WAIT, better="higher", target=3, limit=5),
        "sections[0].items[1] (wait).limit: must be below target when better is higher",
    ),
    (
        sets(WAIT, better="higher", target=0, limit=None),
        "sections[0].items[1] (wait).target: must be > 0 when better is higher",
    ),
    (sets(WAIT, target=-5), "sections[0].items[1] (wait).target: must be ≥ 0"),
    (drops(WAIT, "better"), "sections[0].items[1] (wait).better: is required for a measure item"),
    (drops(WAIT, "target"), "sections[0].items[1] (wait).target: is required for a measure item"),
    # choices
    (
        sets(OPTION0, id="old"),
        "sections[0].items[3] (offer).options[1].id: duplicate option id 'old'",
    ),
    (
        sets(OPTION0, id="NA"),
        "sections[0].items[3] (offer).options[0].id: "
        "option id 'NA' is reserved for N/A; choose another id",
    ),
    (sets(OPTION0, score=1.5), "sections[0].items[3] (offer).options[0].score: must be ≤ 1"),
    (sets(OPTION0, score=-0.1), "sections[0].items[3] (offer).options[0].score: must be ≥ 0"),
    (
        lambda d: OFFER(d).update(options=OFFER(d)["options"][:1]),
        "sections[0].items[3] (offer).options: a choice needs at least 2 options",
    ),
    (
        drops(OFFER, "options"),
        "sections[0].items[3] (offer).options: is required for a choice item",
    ),
    # fields that do not fit the kind
    (sets(GREET, scale=5), "sections[0].items[0] (greet).scale: only for rating items"),
    (sets(GREET, options=[]), "sections[0].items[0] (greet).options: only for choice items"),
    (sets(GREET, target=3), "sections[0].items[0] (greet).target: only for measure items"),
    (sets(GREET, unit="s"), "sections[0].items[0] (greet).unit: only for measure items"),
    (sets(GREET, min_chars=3), "sections[0].items[0] (greet).min_chars: only for text items"),
    (sets(STORY, min_photos=1), "sections[0].items[4] (story).min_photos: only for photo items"),
    (sets(STORY, points=2), f"sections[0].items[4] (story).points: {SCORED}"),
    (sets(STORY, kano="must"), f"sections[0].items[4] (story).kano: {SCORED}"),
    (sets(PHOTO, dimension="core"), f"sections[1].items[1] (receipt).dimension: {SCORED}"),
    (sets(PHOTO, critical=True), f"sections[1].items[1] (receipt).critical: {SCORED}"),
    (sets(PHOTO, na=True), "sections[1].items[1] (receipt).na: a photo item cannot be N/A"),
    (
        sets(PHOTO, photo="required"),
        "sections[1].items[1] (receipt).photo: not for photo items (the item is itself a photo)",
    ),
    (
        sets(GREET, kano="delight", critical=True),
        "sections[0].items[0] (greet).critical: a delight item cannot be critical",
    ),
    # when
    (
        sets(PAY, when={"item": "nope", "in": ["yes"]}),
        "sections[1].items[0] (pay).when.item: unknown item 'nope'",
    ),
    (
        sets(GREET, when={"item": "pay", "in": ["yes"]}),
        "sections[0].items[0] (greet).when.item: must name an earlier item ('pay' comes later)",
    ),
    (
        sets(GREET, when={"item": "greet", "in": ["yes"]}),
        "sections[0].items[0] (greet).when.item: an item cannot depend on itself",
    ),
    (
        sets(PAY, when={"item": "wait", "in": [1]}),
        "sections[1].items[0] (pay).when.item: "
        "must name a check, rating or choice item ('wait' is measure)",
    ),
    (
        sets(PAY, when={"item": "greet", "in": ["yes", "maybe"]}),
        "sections[1].items[0] (pay).when.in[1]: 'maybe' is not an answer of 'greet' (yes, no)",
    ),
    (
        sets(PAY, when={"item": "greet", "in": ["na"]}),
        "sections[1].items[0] (pay).when.in[0]: 'greet' cannot be answered na",
    ),
    (
        sets(PAY, when={"item": "knowledge", "in": [5, 6]}),
        "sections[1].items[0] (pay).when.in[1]: 6 is not an answer of 'knowledge' (1 to 5)",
    ),
    (
        sets(PAY, when={"item": "offer", "in": ["gold"]}),
        "sections[1].items[0] (pay).when.in[0]: "
        "'gold' is not an answer of 'offer' (current, old, none)",
    ),
    (
        sets(PAY, when={"item": "greet", "in": []}),
        "sections[1].items[0] (pay).when.in: must not be empty",
    ),
    (
        sets(PAY, when={"item": "greet", "in": [True]}),
        "sections[1].items[0] (pay).when.in[0]: must be a string or a whole number",
    ),
    (sets(PAY, when={"item": "greet"}), "sections[1].items[0] (pay).when.in: is required"),
    # languages
    (
        sets(GREET, text={"en": "Greeted"}),
        f"sections[0].items[0] (greet).text: missing language zh-CN {LANGS}",
    ),
    (
        sets(S0, title={"en": "A", "zh-CN": "B", "fr": "C"}),
        f"sections[0] (arrival).title: unknown language fr {LANGS}",
    ),
    (
        sets(OPTION0, text={"zh-CN": "当期"}),
        f"sections[0].items[3] (offer).options[0].text: missing language en {LANGS}",
    ),
    (
        sets(GREET, help={"en": "x", "zh-TW": "y"}),
        f"sections[0].items[0] (greet).help: unknown language zh-TW {LANGS}",
    ),
    (sets(ROOT, scenario={"fr": "x"}), f"scenario: unknown language fr {LANGS}"),
]


@pytest.mark.parametrize(("mutate", "expected"), CASES, ids=[c[1][:60] for c in CASES])
def test_each_rule_has_its_own_message(mutate: Callable[[Doc], None], expected: str) -> None:
    doc = copy.deepcopy(BASE)
    mutate(doc)
    with pytest.raises(DocumentError) as exc:
        parse_checklist(doc)
    assert expected in exc.value.errors
    assert str(exc.value) == "\n".join(exc.value.errors)


def test_base_document_is_valid() -> None:
    checklist = parse_checklist(copy.deepcopy(BASE))
    assert checklist.languages == ("en", "zh-CN")


@pytest.mark.parametrize(
    "mutate",
    [
        sets(GREET, help={"en": "Only English help is fine"}),
        sets(ROOT, scenario={"en": "English scenario"}),
        sets(GREET, text="A plain string counts as any language"),
        sets(PAY, when={"item": "knowledge", "in": [1, 2]}),
        sets(PAY, when={"item": "offer", "in": ["old", "none"]}),
        sets(WAIT, better="lower", target=0, limit=3),
        sets(WAIT, better="higher", target=3, limit=0),
        sets(GREET, critical="yes"),
        sets(STORY, na=True, required=False),
    ],
)
def test_valid_variants(mutate: Callable[[Doc], None]) -> None:
    doc = copy.deepcopy(BASE)
    mutate(doc)
    parse_checklist(doc)


def test_all_errors_are_reported_in_document_order() -> None:
    doc = copy.deepcopy(BASE)
    doc["colour"] = "red"
    WAIT(doc)["limit"] = 10
    PAY(doc)["id"] = "greet"
    OPTION0(doc)["score"] = 2
    with pytest.raises(DocumentError) as exc:
        parse_checklist(doc)
    assert exc.value.errors == [
        "colour: unknown field",
        "sections[0].items[1] (wait).limit: must be above target when better is lower",
        "sections[0].items[3] (offer).options[0].score: must be ≤ 1",
        "sections[1].items[0] (greet).id: duplicate id 'greet'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- just\n- a list\n", "document: must be a mapping"),
        ("format: 1\nname: [unclosed\n", "document: invalid YAML at line 3, column 1:"),
        ('{"format": 1, "code": "x"', "document: invalid JSON at line 1, column 26:"),
        (b"\xff\xfe\x00", "document: not UTF-8 text"),
    ],
)
def test_unreadable_documents(text: str | bytes, expected: str) -> None:
    with pytest.raises(DocumentError) as exc:
        parse_checklist(text)
    assert exc.value.errors[0].startswith(expected)


def test_yaml_yes_and_no_stay_strings() -> None:
    text = """
format: 1
code: yn
name: Y/N
sections:
  - id: s
    title: S
    items:
      - {id: q, text: Q, kind: check, critical: yes}
      - {id: r, text: R, kind: check, when: {item: q, in: [no]}}
      - id: c
        text: C
        kind: choice
        options: [{id: yes, text: Yes, score: 1}, {id: off, text: Off, score: 0}]
"""
    checklist = parse_checklist(text)
    assert checklist.sections[0].items[0].critical is True
    assert checklist.sections[0].items[1].when is not None
    assert checklist.sections[0].items[1].when.in_ == ("no",)
    assert [o.id for o in checklist.sections[0].items[2].options or ()] == ["yes", "off"]


# --- answers --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checklist() -> Any:
    return parse_checklist(copy.deepcopy(BASE))


@pytest.mark.parametrize(
    ("item_id", "value", "normalized"),
    [
        ("greet", "yes", "yes"),
        ("greet", "No", "no"),
        ("greet", None, None),
        ("pay", "na", "na"),
        ("knowledge", 1, 1),
        ("knowledge", 5.0, 5),
        ("offer", "old", "old"),
        ("wait", 0, 0),
        ("wait", 12.5, 12.5),
        ("story", "It went well", "It went well"),
        ("story", "   ", None),
    ],
)
def test_valid_answers(checklist: Any, item_id: str, value: Any, normalized: Any) -> None:
    assert validate_answer(checklist, item_id, value) == normalized


@pytest.mark.parametrize(
    ("item_id", "value", "error"),
    [
        ("nope", "yes", "answers.nope: unknown item"),
        ("offer", "gold", "answers.offer: unknown option 'gold'"),
        ("offer", 1, "answers.offer: must be an option id (current, old, none)"),
        ("greet", "maybe", "answers.greet: must be 'yes' or 'no'"),
        ("greet", True, "answers.greet: must be 'yes' or 'no'"),
        ("greet", 1, "answers.greet: must be 'yes' or 'no'"),
        ("pay", "maybe", "answers.pay: must be 'yes' or 'no', or 'na'"),
        ("greet", "na", "answers.greet: N/A is not allowed for this item"),
        ("knowledge", 0, "answers.knowledge: must be a whole number from 1 to 5"),
        ("knowledge", 6, "answers.knowledge: must be a whole number from 1 to 5"),
        ("knowledge", 4.5, "answers.knowledge: must be a whole number from 1 to 5"),
        ("knowledge", "4", "answers.knowledge: must be a whole number from 1 to 5"),
        ("knowledge", True, "answers.knowledge: must be a whole number from 1 to 5"),
        ("wait", -1, "answers.wait: must be a number ≥ 0"),
        ("wait", "12", "answers.wait: must be a number ≥ 0"),
        ("wait", False, "answers.wait: must be a number ≥ 0"),
        ("wait", float("nan"), "answers.wait: must be a number ≥ 0"),
        ("story", 42, "answers.story: must be a string"),
        ("receipt", "x.jpg", "answers.receipt: photo items take files, not answers"),
    ],
)
def test_invalid_answers(checklist: Any, item_id: str, value: Any, error: str) -> None:
    with pytest.raises(DocumentError) as exc:
        validate_answer(checklist, item_id, value)
    assert exc.value.errors == [error]


@pytest.mark.parametrize(
    ("item_id", "value", "normalized"),
    [("knowledge", "4", 4), ("wait", "12.5", 12.5), ("wait", " 7 ", 7), ("greet", "", None)],
)
def test_form_strings(checklist: Any, item_id: str, value: str, normalized: Any) -> None:
    assert validate_answer(checklist, item_id, value, from_form=True) == normalized


VISIT = {
    "format": 1,
    "checklist": "v",
    "checklist_version": 3,
    "branch": "SH-001",
    "visited_at": "2026-11-20T10:15:00+08:00",
    "time_out": "2026-11-20T10:41:00+08:00",
    "answers": {
        "greet": {"value": "yes", "comment": "Big smile"},
        "wait": {"value": 42},
        "knowledge": {"value": 4.0},
        "offer": {"value": "current"},
        "pay": {"value": "na"},
    },
}


def test_parse_visit_normalizes_answers(checklist: Any) -> None:
    visit = parse_visit(copy.deepcopy(VISIT), checklist)
    assert visit.branch == "SH-001"
    assert visit.answers["knowledge"].value == 4
    assert visit.answers["greet"].comment == "Big smile"
    assert visit.answer_values()["pay"] == "na"
    assert visit.external_id is None


def test_parse_visit_from_yaml_text(checklist: Any) -> None:
    text = """
format: 1
checklist: v
branch: SH-002
visited_at: 2026-11-20T10:15:00+08:00
external_id: AG-77
answers:
  greet: {value: no}
  offer: {value: none}
"""
    visit = parse_visit(text, checklist)
    assert visit.answer_values() == {"greet": "no", "offer": "none"}
    assert visit.visited_at.isoformat() == "2026-11-20T10:15:00+08:00"
    assert visit.external_id == "AG-77"


def test_parse_visit_reports_every_error(checklist: Any) -> None:
    doc = copy.deepcopy(VISIT)
    doc["checklist"] = "other"
    del doc["branch"]
    doc["time_out"] = "2026-11-20T09:00:00+08:00"
    doc["answers"]["offer"] = {"value": "gold"}
    doc["answers"]["greet"]["colour"] = "red"
    doc["answers"]["ghost"] = {"value": "yes"}
    doc["answers"]["receipt"] = {"value": "x.jpg"}
    doc["answers"]["wait"] = {"value": True}
    with pytest.raises(DocumentError) as exc:
        parse_visit(doc, checklist)
    assert sorted(exc.value.errors) == sorted(
        [
            "branch: is required",
            "answers.greet.colour: unknown field",
            "checklist: is 'other' but the checklist is 'v'",
            "answers.wait: must be a number ≥ 0",
            "answers.offer: unknown option 'gold'",
            "answers.ghost: unknown item",
            "answers.receipt: photo items take files, not answers",
        ]
    )


def test_parse_visit_checks_times(checklist: Any) -> None:
    doc = copy.deepcopy(VISIT)
    doc["time_out"] = "2026-11-20T09:00:00+08:00"
    with pytest.raises(DocumentError) as exc:
        parse_visit(doc, checklist)
    assert exc.value.errors == ["time_out: must not be before visited_at"]
    doc["visited_at"] = "yesterday"
    with pytest.raises(DocumentError) as exc:
        parse_visit(doc, checklist)
    assert exc.value.errors == ["visited_at: must be a date-time such as 2026-11-20T10:15:00+08:00"]


def test_parse_visit_keeps_answers_to_hidden_items() -> None:
    checklist = parse_checklist(
        {
            "format": 1,
            "code": "h",
            "name": "H",
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "items": [
                        {"id": "q", "text": "Q", "kind": "check"},
                        {
                            "id": "f",
                            "text": "F",
                            "kind": "check",
                            "when": {"item": "q", "in": ["yes"]},
                        },
                    ],
                }
            ],
        }
    )
    doc = {
        "format": 1,
        "checklist": "h",
        "branch": "B",
        "visited_at": "2026-11-20T10:15:00",
        "answers": {"q": {"value": "no"}, "f": {"value": "no"}},
    }
    visit = parse_visit(doc, checklist)
    assert visit.answers["f"].value == "no"
