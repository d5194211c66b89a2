"""Validation of the checklist extensions: each rule valid and invalid, with its message.

Messages name the item by position and id (``sections[0].items[1] (wait).max: ...``), are
translated in the Chinese interface, and YAML syntax errors say how to quote a text.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.scoring import (
    DocumentError,
    checklist_to_dict,
    completeness_rules,
    content_hash,
    direction,
    dump_checklist,
    is_rtl,
    parse_checklist,
    use_translator,
)

Doc = dict[str, Any]

BASE: Doc = {
    "format": 1,
    "code": "x",
    "name": {"en": "Visit", "ar": "زيارة"},
    "languages": ["en", "ar"],
    "variants": [
        {"id": "enquiry", "name": {"en": "Enquiry", "ar": "استفسار"}},
        {"id": "buy", "name": {"en": "Purchase", "ar": "شراء"}},
    ],
    "sections": [
        {
            "id": "door",
            "title": {"en": "Door", "ar": "الباب"},
            "items": [
                {"id": "greet", "text": {"en": "Greeted", "ar": "ترحيب"}, "kind": "check"},
                {
                    "id": "wait",
                    "text": {"en": "Wait", "ar": "انتظار"},
                    "kind": "measure",
                    "better": "lower",
                    "target": 30,
                    "limit": 90,
                },
                {
                    "id": "nps",
                    "text": {"en": "Recommend", "ar": "توصية"},
                    "kind": "rating",
                    "from": 0,
                    "scale": 10,
                },
                {
                    "id": "offer",
                    "text": {"en": "Offer", "ar": "عرض"},
                    "kind": "choice",
                    "options": [
                        {"id": "current", "text": {"en": "Current", "ar": "حالي"}, "score": 1},
                        {"id": "none", "text": {"en": "None", "ar": "لا يوجد"}, "na": True},
                    ],
                },
            ],
        },
        {
            "id": "desk",
            "title": {"en": "Desk", "ar": "المكتب"},
            "items": [{"id": "pay", "text": {"en": "Paid", "ar": "دفع"}, "kind": "check"}],
        },
    ],
}


def at(*path: str | int) -> Callable[[Doc], Any]:
    def pick(doc: Doc) -> Any:
        node: Any = doc
        for part in path:
            node = node[part]
        return node

    return pick


ROOT = at()
DOOR = at("sections", 0)
DESK = at("sections", 1)
GREET = at("sections", 0, "items", 0)
WAIT = at("sections", 0, "items", 1)
NPS = at("sections", 0, "items", 2)
OFFER = at("sections", 0, "items", 3)
NONE = at("sections", 0, "items", 3, "options", 1)
PAY = at("sections", 1, "items", 0)


def sets(path: Callable[[Doc], Any], **fields: Any) -> Callable[[Doc], None]:
    return lambda doc: path(doc).update(fields)


def drops(path: Callable[[Doc], Any], key: str) -> Callable[[Doc], None]:
    return lambda doc: path(doc).pop(key)


W = "sections[0].items[1] (wait)"
P = "sections[1].items[0] (pay)"
COND = "must be a condition: {item, in}, {item, not_in}, {variant}, {all}, {any} or {not}"

INVALID: list[tuple[Callable[[Doc], None], str]] = [
    # languages: every language map gives exactly these
    (sets(GREET, text={"en": "Greeted"}), "sections[0].items[0] (greet).text: missing language ar"),
    (sets(GREET, help={"en": "Help"}), "sections[0].items[0] (greet).help: missing language ar"),
    (sets(ROOT, scenario={"en": "Go"}), "scenario: missing language ar"),
    (sets(ROOT, name={"en": "Visit", "ar": "زيارة", "fr": "Visite"}), "name: unknown language fr"),
    (sets(ROOT, languages=[]), "languages: must not be empty"),
    (sets(ROOT, languages=["en", "en"]), "languages[1]: duplicate language en"),
    (
        sets(ROOT, languages=["english"]),
        "languages[0]: 'english' is not a language tag such as en or zh-CN",
    ),
    (sets(ROOT, content_languages=["en", "ar"]), "content_languages: unknown field"),
    (sets(NPS, from_=0), "sections[0].items[2] (nps).from_: unknown field"),
    (sets(NPS, scored_flag=False), "sections[0].items[2] (nps).scored_flag: unknown field"),
    # labels
    (sets(ROOT, labels={"maybe": "Maybe"}), "labels.maybe: unknown field"),
    (sets(ROOT, labels={"yes": {"en": "Yes"}}), "labels.yes: missing language ar"),
    # variants
    (sets(ROOT, variants=[]), "variants: must not be empty"),
    (
        lambda d: d["variants"].append({"id": "buy", "name": {"en": "B", "ar": "ب"}}),
        "variants[2].id: duplicate variant id 'buy'",
    ),
    (drops(at("variants", 0), "name"), "variants[0].name: is required"),
    (
        lambda d: [d.pop("variants"), PAY(d).update(when={"variant": ["buy"]})],
        f"{P}.when.variant: the checklist has no variants",
    ),
    # section when
    (
        sets(DESK, when={"item": "pay", "in": ["yes"]}),
        "sections[1] (desk).when.item: a section's condition must name an item of an earlier "
        "section ('pay' is in this section)",
    ),
    (
        sets(DOOR, when={"item": "pay", "in": ["yes"]}),
        "sections[0] (door).when.item: must name an earlier item ('pay' comes later)",
    ),
    (
        sets(DESK, when={"variant": ["walk-in"]}),
        "sections[1] (desk).when.variant[0]: unknown variant 'walk-in' (variants: buy, enquiry)",
    ),
    # item conditions: the grammar
    (
        sets(PAY, when={"item": "greet", "not_in": ["maybe"]}),
        f"{P}.when.not_in[0]: 'maybe' is not an answer of 'greet' (yes, no)",
    ),
    (sets(PAY, when={"item": "greet", "not_in": []}), f"{P}.when.not_in: must not be empty"),
    (
        sets(PAY, when={"item": "greet", "in": ["yes"], "not_in": ["no"]}),
        f"{P}.when.in: unknown field",
    ),
    (sets(PAY, when={"all": []}), f"{P}.when.all: must not be empty"),
    (sets(PAY, when={"any": "greet"}), f"{P}.when.any: must be a list"),
    (
        sets(PAY, when={"all": [{"item": "greet", "in": ["yes"]}, {"colour": "red"}]}),
        f"{P}.when.all[1]: {COND}",
    ),
    (
        sets(PAY, when={"not": {"item": "nps", "in": [11]}}),
        f"{P}.when.not.in[0]: 11 is not an answer of 'nps' (0 to 10)",
    ),
    (
        sets(PAY, when={"any": [{"not": {"item": "wait", "in": [1]}}]}),
        f"{P}.when.any[0].not.item: must name a check, rating or choice item ('wait' is measure)",
    ),
    (sets(PAY, when={"variant": []}), f"{P}.when.variant: must not be empty"),
    (sets(PAY, when="greet"), f"{P}.when: {COND}"),
    # group
    (sets(GREET, group={"en": "Door"}), "sections[0].items[0] (greet).group: missing language ar"),
    (sets(GREET, group=""), "sections[0].items[0] (greet).group: must not be empty"),
    # scored: false
    (sets(PAY, scored="sometimes"), f"{P}.scored: must be true or false"),
    (
        sets(PAY, scored=False, critical=True),
        f"{P}.critical: an informational item (scored: false) cannot be critical",
    ),
    (
        lambda d: DESK(d)["items"].append(
            {"id": "t", "text": {"en": "T", "ar": "ت"}, "kind": "text", "scored": False}
        ),
        "sections[1].items[1] (t).scored: only for check, rating, choice or measure items",
    ),
    (drops(WAIT, "target"), f"{W}.target: is required for a measure item"),
    # min, max, integer
    (sets(WAIT, min=-1), f"{W}.min: must be ≥ 0"),
    (sets(WAIT, max=10, min=20), f"{W}.max: must not be below min (20)"),
    (sets(WAIT, min=40), f"{W}.target: must be ≥ min (40)"),
    (sets(WAIT, max=60), f"{W}.limit: must be ≤ max (60)"),
    (sets(WAIT, integer="whole"), f"{W}.integer: must be true or false"),
    (sets(GREET, max=3), "sections[0].items[0] (greet).max: only for measure items"),
    (sets(GREET, integer=True), "sections[0].items[0] (greet).integer: only for measure items"),
    # from
    (sets(NPS, **{"from": 2}), "sections[0].items[2] (nps).from: must be one of: 0, 1"),
    (sets(GREET, **{"from": 0}), "sections[0].items[0] (greet).from: only for rating items"),
    # N/A options
    (
        sets(NONE, score=0),
        "sections[0].items[3] (offer).options[1].score: an N/A option (na: true) has no score",
    ),
    (
        drops(at("sections", 0, "items", 3, "options", 0), "score"),
        "sections[0].items[3] (offer).options[0].score: is required",
    ),
    (
        sets(NONE, na="yes please"),
        "sections[0].items[3] (offer).options[1].na: must be true or false",
    ),
    (
        sets(at("sections", 0, "items", 3, "options", 0), na=True),
        "sections[0].items[3] (offer).options[0].score: an N/A option (na: true) has no score",
    ),
    (
        sets(NONE, id="N/A"),
        "sections[0].items[3] (offer).options[1].id: must be 1-64 letters, "
        "digits, '-' or '_', starting with a letter or digit",
    ),
    (
        sets(NONE, id="Na"),
        "sections[0].items[3] (offer).options[1].id: "
        "option id 'Na' is reserved for N/A; choose another id",
    ),
    # require_comment / require_photo
    (
        sets(GREET, require_comment=["maybe"]),
        "sections[0].items[0] (greet).require_comment[0]: "
        "'maybe' is not an answer of 'greet' (yes, no)",
    ),
    (
        sets(GREET, require_photo=["na"]),
        "sections[0].items[0] (greet).require_photo[0]: 'greet' cannot be answered na",
    ),
    (
        sets(GREET, require_photo=[]),
        "sections[0].items[0] (greet).require_photo: must not be empty",
    ),
    (
        sets(WAIT, require_comment=[100]),
        f"{W}.require_comment: only for check, rating or choice items",
    ),
    (
        sets(NPS, require_comment=[0, 11]),
        "sections[0].items[2] (nps).require_comment[1]: 11 is not an answer of 'nps' (0 to 10)",
    ),
    (
        sets(OFFER, require_photo=["old"]),
        "sections[0].items[3] (offer).require_photo[0]: "
        "'old' is not an answer of 'offer' (current, none)",
    ),
    (
        sets(GREET, require_comment="no"),
        "sections[0].items[0] (greet).require_comment: must be a list",
    ),
]


def _without_languages(message: str) -> str:
    return message.split(" (checklist languages")[0]


@pytest.mark.parametrize(("mutate", "expected"), INVALID, ids=[c[1][:70] for c in INVALID])
def test_each_extension_rule_has_its_own_message(
    mutate: Callable[[Doc], None], expected: str
) -> None:
    doc = copy.deepcopy(BASE)
    mutate(doc)
    with pytest.raises(DocumentError) as exc:
        parse_checklist(doc)
    assert expected in [_without_languages(e) for e in exc.value.errors]


VALID: list[Callable[[Doc], None]] = [
    sets(GREET, group={"en": "Door", "ar": "الباب"}, require_comment=["no"], require_photo=["no"]),
    sets(PAY, when={"item": "greet", "not_in": ["no"]}),
    sets(PAY, when={"all": [{"variant": ["buy"]}, {"not": {"item": "offer", "in": ["none"]}}]}),
    sets(PAY, when={"any": [{"item": "nps", "in": [0, 1, 2]}, {"item": "greet", "in": ["yes"]}]}),
    sets(DESK, when={"any": [{"variant": ["buy"]}, {"item": "greet", "not_in": ["no"]}]}),
    sets(WAIT, scored=False),
    lambda d: (
        [WAIT(d).pop(k) for k in ("better", "target", "limit")]
        and WAIT(d).update(scored=False, integer=True, min=1, max=20)
    ),
    sets(WAIT, min=0, max=90, integer=True),
    sets(NPS, scored=False, require_comment=[0, 1]),
    sets(GREET, na=True, require_comment=["na"]),
    sets(OFFER, scored=False, require_photo=["none"]),
    sets(ROOT, labels={"na": {"en": "Not seen", "ar": "لم يُلاحظ"}}),
    sets(ROOT, labels={"yes": "Oui"}),  # a plain string is the same in every language
]


@pytest.mark.parametrize("mutate", VALID)
def test_valid_extensions_round_trip(mutate: Callable[[Doc], None]) -> None:
    doc = copy.deepcopy(BASE)
    mutate(doc)
    checklist = parse_checklist(doc)
    for fmt in ("yaml", "json"):
        again = parse_checklist(dump_checklist(checklist, fmt))
        assert again == checklist
        assert content_hash(again) == content_hash(checklist)


def test_the_model_reads_the_extensions() -> None:
    doc = copy.deepcopy(BASE)
    doc["labels"] = {"yes": {"en": "Yes", "ar": "نعم"}}
    GREET(doc)["group"] = {"en": "Door", "ar": "الباب"}
    WAIT(doc)["scored"] = False
    checklist = parse_checklist(doc)
    assert checklist.languages == ("en", "ar")
    assert checklist.variant_ids == ("enquiry", "buy")
    assert checklist.labels is not None and checklist.labels.yes == {"en": "Yes", "ar": "نعم"}
    assert checklist.labels.no is None
    greet, wait, nps, offer = checklist.sections[0].items
    assert greet.group == {"en": "Door", "ar": "الباب"}
    assert not wait.scored and greet.scored
    assert nps.lowest == 0 and greet.lowest == 1
    assert offer.na_options() == frozenset({"none"})
    exported = checklist_to_dict(checklist)
    assert exported["languages"] == ["en", "ar"]
    assert exported["sections"][0]["items"][1]["scored"] is False
    assert exported["sections"][0]["items"][3]["options"][1] == {
        "id": "none",
        "text": {"en": "None", "ar": "لا يوجد"},
        "na": True,
    }


def test_languages_are_those_of_the_name_without_the_key() -> None:
    doc = copy.deepcopy(BASE)
    del doc["languages"]
    GREET(doc)["help"] = {"en": "Only English help"}  # a subset is fine without `languages`
    assert parse_checklist(doc).languages == ("en", "ar")


# --- messages name the item; YAML errors say how to quote -------------------------------------


def test_messages_name_items_by_position_and_id() -> None:
    doc = copy.deepcopy(BASE)
    WAIT(doc)["limit"] = 10
    DESK(doc)["weight"] = 0
    with pytest.raises(DocumentError) as exc:
        parse_checklist(doc)
    assert exc.value.errors == [
        "sections[0].items[1] (wait).limit: must be above target when better is lower",
        "sections[1] (desk).weight: must be > 0",
    ]


YAML_HEAD = "format: 1\ncode: y\nname: Y\nsections:\n  - id: s\n    title: S\n    items:\n"


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (
            "      - id: a\n        text: Note: ask twice\n        kind: check\n",
            "document: invalid YAML at line 9, column 19: mapping values are not allowed here. "
            "A text with a colon or a comma must be in quotes, for example: "
            'text: "Note: ask twice"',
        ),
        (
            "      - {id: a, text: Wait: 30 s, kind: check}\n",
            "document: invalid YAML at line 8, column 27: expected ',' or '}', but got ':'. "
            'A text with a colon or a comma must be in quotes, for example: text: "Wait: 30 s"',
        ),
        (
            '      - id: a\n        text: Say "hi": loud\n        kind: check\n',
            "document: invalid YAML at line 9, column 23: mapping values are not allowed here. "
            "A text with a colon or a comma must be in quotes, for example: "
            'text: "Say \\"hi\\": loud"',
        ),
        (
            "      - {id: a, text: Hello, world, kind: check}\n",
            "sections[0].items[0] (a).world: unknown field. A text with a colon or a comma must "
            'be in quotes, for example: text: "Hello, world"',
        ),
    ],
)
def test_yaml_errors_say_where_and_how_to_quote(items: str, expected: str) -> None:
    with pytest.raises(DocumentError) as exc:
        parse_checklist(YAML_HEAD + items)
    assert exc.value.errors == [expected]


def test_the_suggested_quoting_parses() -> None:
    text = YAML_HEAD + '      - id: a\n        text: "Say \\"hi\\": loud"\n        kind: check\n'
    assert parse_checklist(text).sections[0].items[0].text == 'Say "hi": loud'


def test_other_yaml_errors_keep_line_and_column_without_a_hint() -> None:
    with pytest.raises(DocumentError) as exc:
        parse_checklist("format: 1\nname: [unclosed\n")
    assert exc.value.errors == [
        "document: invalid YAML at line 3, column 1: expected ',' or ']', but got '<stream end>'"
    ]


# --- translation --------------------------------------------------------------------------


@pytest.fixture
def chinese() -> Iterator[None]:
    from app.i18n import translations

    before = use_translator(translations("zh_CN").gettext)
    yield
    use_translator(before)


@pytest.mark.usefixtures("chinese")
def test_messages_are_translated_where_a_translator_is_installed() -> None:
    doc = copy.deepcopy(BASE)
    WAIT(doc)["max"] = 60
    PAY(doc)["when"] = {"item": "greet", "not_in": ["maybe"]}
    with pytest.raises(DocumentError) as exc:
        parse_checklist(doc)
    assert exc.value.errors == [
        "sections[0].items[1] (wait).limit: 须 ≤ max（60）",
        "sections[1].items[0] (pay).when.not_in[0]: 'maybe' 不是 'greet' 的可选答案（yes, no）",
    ]


def test_messages_are_english_without_a_translator() -> None:
    before = use_translator(None)
    try:
        with pytest.raises(DocumentError) as exc:
            parse_checklist({**copy.deepcopy(BASE), "colour": "red"})
    finally:
        use_translator(before)
    assert exc.value.errors == ["colour: unknown field"]


def test_the_app_translates_in_the_request_language() -> None:
    from app.i18n import current_language

    token = current_language.set("zh_CN")
    try:
        with pytest.raises(DocumentError) as exc:
            parse_checklist({**copy.deepcopy(BASE), "colour": "red"})
    finally:
        current_language.reset(token)
    assert exc.value.errors == ["colour: 未知字段"]


# --- the phone's rules carry the new conditions ---------------------------------------------


def test_rules_as_data_carry_section_and_item_conditions() -> None:
    doc = copy.deepcopy(BASE)
    DESK(doc)["when"] = {"variant": ["buy"]}
    PAY(doc)["when"] = {"item": "greet", "not_in": ["no"]}
    DESK(doc)["items"].append({"id": "p2", "text": {"en": "P", "ar": "ب"}, "kind": "check"})
    rules = completeness_rules(parse_checklist(doc), "buy")
    by_id = {item["id"]: item for item in rules["items"]}
    assert rules["variant"] == "buy"
    assert by_id["greet"]["when"] is None
    assert by_id["pay"]["when"] == {
        "all": [{"variant": ["buy"]}, {"item": "greet", "not_in": ["no"]}]
    }
    assert by_id["p2"]["when"] == {"variant": ["buy"]}


# --- content languages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "rtl"),
    [
        ("ar", True),
        ("ar-EG", True),
        ("he", True),
        ("fa-IR", True),
        ("ur", True),
        ("ku-Arab", True),
        ("en", False),
        ("zh-CN", False),
        ("fr", False),
        ("arn", False),  # Mapudungun, not Arabic
    ],
)
def test_right_to_left_languages(tag: str, rtl: bool) -> None:
    assert is_rtl(tag) is rtl
    assert direction(tag) == ("rtl" if rtl else "ltr")


def test_the_reader_gets_their_language_when_the_checklist_has_it() -> None:
    checklist = parse_checklist(copy.deepcopy(BASE))
    assert checklist.content_language("ar") == "ar"
    assert checklist.content_language("ar-SA") == "ar"
    assert checklist.content_language("zh-CN") == "en"  # not in the checklist: its first
    doc = copy.deepcopy(BASE)
    doc["languages"] = ["ar", "en"]
    assert parse_checklist(doc).content_language("fr") == "ar"
    plain = parse_checklist({"format": 1, "code": "p", "name": "P", "sections": BASE_PLAIN})
    assert plain.content_language("en") is None


BASE_PLAIN = [{"id": "s", "title": "S", "items": [{"id": "a", "text": "A", "kind": "check"}]}]


@pytest.mark.usefixtures("chinese")
def test_yaml_errors_are_translated_too() -> None:
    with pytest.raises(DocumentError) as exc:
        parse_checklist(YAML_HEAD + "      - id: a\n        text: Note: ask twice\n")
    assert exc.value.errors == [
        "document: YAML 格式错误，第 9 行第 19 列：此处不允许冒号（冒号后跟空格表示键值对）. "
        '含冒号或逗号的文本须加引号，例如：text: "Note: ask twice"'
    ]
