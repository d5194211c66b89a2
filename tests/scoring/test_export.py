"""Export round trips, content hashing, multilingual text and the demo checklist."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.scoring import (
    DIMENSIONS,
    KANO,
    KINDS,
    Checklist,
    checklist_to_dict,
    content_hash,
    dump_checklist,
    parse_checklist,
    score_visit,
    text_for,
)

from .helpers import check, doc_with, worked_doc

DEMO = Path(__file__).resolve().parents[2] / "app" / "demo" / "retail-visit.yaml"


@pytest.fixture(scope="module")
def demo() -> Checklist:
    return parse_checklist(DEMO.read_bytes())


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_demo_round_trips(demo: Checklist, fmt: str) -> None:
    text = dump_checklist(demo, fmt)  # type: ignore[arg-type]
    again = parse_checklist(text)
    assert again == demo
    assert content_hash(again) == content_hash(demo)
    assert dump_checklist(again, fmt) == text  # type: ignore[arg-type]


def test_dict_round_trip_and_language_maps_stay_maps(demo: Checklist) -> None:
    data = checklist_to_dict(demo)
    assert parse_checklist(data) == demo
    assert data["name"] == {"en": "Phone store visit", "zh-CN": "手机门店访问"}
    assert json.loads(dump_checklist(demo, "json"))["name"] == data["name"]
    plain = parse_checklist(doc_with(check("a", text="Plain text")))
    assert checklist_to_dict(plain)["sections"][0]["items"][0]["text"] == "Plain text"


def test_defaults_are_left_out_and_settings_written() -> None:
    data = checklist_to_dict(parse_checklist(doc_with(check("a"))))
    assert data == {
        "format": 1,
        "code": "t",
        "name": "T",
        "channel": "in_person",
        "adequate": 70,
        "desired": 90,
        "critical_cap": 0,
        "alert_drop": 10,
        "sections": [
            {"id": "s", "title": "S", "items": [{"id": "a", "text": "a", "kind": "check"}]}
        ],
    }


def test_explicit_defaults_give_the_same_checklist_and_hash() -> None:
    implicit = parse_checklist(doc_with(check("a"), {"id": "r", "text": "r", "kind": "rating"}))
    explicit = parse_checklist(
        doc_with(
            check(
                "a",
                kano="performance",
                dimension="interaction",
                points=1.0,
                critical=False,
                na=False,
                required=True,
                photo="none",
            ),
            {"id": "r", "text": "r", "kind": "rating", "scale": 5},
            channel="in_person",
            adequate=70.0,
        )
    )
    assert explicit == implicit
    assert content_hash(explicit) == content_hash(implicit)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["sections"][0]["items"][0].update(points=2),
        lambda d: d["sections"][0].update(title="Other"),
        lambda d: d.update(adequate=60),
        lambda d: d["sections"][1]["items"].reverse(),
        lambda d: d["sections"][0]["items"][0].update(help="New help"),
    ],
)
def test_content_hash_changes_with_content(change: Any) -> None:
    doc = worked_doc()
    before = content_hash(parse_checklist(doc))
    change(doc)
    assert content_hash(parse_checklist(doc)) != before


def test_content_hash_is_sha256_hex() -> None:
    digest = content_hash(parse_checklist(worked_doc()))
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_checklists_are_immutable() -> None:
    checklist = parse_checklist(worked_doc())
    with pytest.raises(Exception, match="frozen"):
        checklist.code = "other"  # type: ignore[misc]


def test_unknown_dump_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        dump_checklist(parse_checklist(worked_doc()), "xml")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Plain", "zh-CN", "Plain"),
        ({"en": "Hello", "zh-CN": "你好"}, "zh-CN", "你好"),
        ({"en": "Hello", "zh": "你好"}, "zh-CN", "你好"),
        ({"en": "Hello", "zh-TW": "你好"}, "zh-CN", "你好"),
        ({"en": "Hello", "zh-CN": "你好"}, "zh", "你好"),
        ({"en": "Hello", "zh-CN": "你好"}, "fr", "Hello"),
        ({"en-GB": "Hello", "zh-CN": "你好"}, "fr", "Hello"),
        ({"de": "Hallo", "zh-CN": "你好"}, "fr", "Hallo"),
        ({"en": "Hello", "zh-cn": "你好"}, "zh-CN", "你好"),
        (None, "en", ""),
    ],
)
def test_text_for(text: Any, lang: str, expected: str) -> None:
    assert text_for(text, lang) == expected


def test_text_for_custom_fallback() -> None:
    assert text_for({"zh-CN": "你好", "en": "Hello"}, "fr", fallback="zh-CN") == "你好"


def test_demo_uses_every_feature(demo: Checklist) -> None:
    items = list(demo.all_items())
    assert demo.code == "retail-visit"
    assert demo.languages == ("en", "zh-CN")
    assert demo.scenario is not None
    assert 25 <= len(items) <= 40 and len(demo.sections) == 6
    assert {i.kind for i in items} == set(KINDS)
    assert {i.kano for i in items if i.scored} == set(KANO)
    assert {i.dimension for i in items if i.scored} == set(DIMENSIONS)
    measures = [i for i in items if i.kind == "measure"]
    assert {(i.better, i.limit is not None) for i in measures} >= {
        ("lower", True),
        ("lower", False),
        ("higher", True),
        ("higher", False),
    }
    assert any(i.critical for i in items)
    assert any(i.na for i in items)
    assert any(not i.required for i in items)
    assert {i.photo for i in items} >= {"optional", "required"}
    assert any(i.when for i in items)
    assert any(i.kind == "text" and i.min_chars for i in items)
    assert len({s.weight for s in demo.sections}) > 1


def test_demo_scores_a_good_visit(demo: Checklist) -> None:
    answers: dict[str, Any] = {}
    for item in demo.all_items():
        if item.kind == "check":
            answers[item.id] = "yes"
        elif item.kind == "rating":
            answers[item.id] = item.scale
        elif item.kind == "choice":
            answers[item.id] = item.options[0].id  # type: ignore[index]
        elif item.kind == "measure":
            answers[item.id] = item.target
        elif item.kind == "text":
            answers[item.id] = "A" * 100
    result = score_visit(demo, answers)
    assert result.score == 100.0
    assert result.band == "delighted"
    assert result.missing == []


def test_equal_checklists_hash_alike(demo: Checklist) -> None:
    again = parse_checklist(dump_checklist(demo, "json"))
    assert again is not demo
    assert hash(again) == hash(demo)
    assert len({demo, again, parse_checklist(worked_doc())}) == 2
