"""Property tests: invariants of scoring.md that must hold for any checklist and visit."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring import (
    DIMENSIONS,
    Checklist,
    content_hash,
    dump_checklist,
    parse_checklist,
    score_visit,
)

POINTS = st.sampled_from([0.25, 0.5, 1, 1, 2, 3.5])
WEIGHTS = st.sampled_from([0.5, 1, 1, 2, 3])
MEASURE_VALUES = st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False)


@st.composite
def items(draw: st.DrawFn, iid: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["check", "check", "rating", "choice", "measure", "text"]))
    item: dict[str, Any] = {"id": iid, "text": iid, "kind": kind}
    item["required"] = draw(st.booleans())
    if kind == "text":
        return item
    item["kano"] = draw(st.sampled_from(["must", "performance", "performance", "delight"]))
    item["dimension"] = draw(st.sampled_from(DIMENSIONS))
    item["points"] = draw(POINTS)
    item["na"] = draw(st.booleans())
    item["critical"] = item["kano"] != "delight" and draw(st.integers(0, 5)) == 0
    if kind == "rating":
        item["scale"] = draw(st.integers(2, 10))
    elif kind == "choice":
        scores = draw(st.lists(st.floats(0, 1), min_size=2, max_size=4))
        item["options"] = [{"id": f"o{k}", "text": "o", "score": v} for k, v in enumerate(scores)]
    elif kind == "measure":
        item["better"] = draw(st.sampled_from(["lower", "higher"]))
        target = draw(st.integers(1, 100))
        item["target"] = target
        if draw(st.booleans()):
            gap = draw(st.integers(1, 50))
            item["limit"] = target + gap if item["better"] == "lower" else max(0, target - gap)
    return item


@st.composite
def checklist_docs(draw: st.DrawFn) -> dict[str, Any]:
    sections = []
    n = 0
    for s in range(draw(st.integers(1, 3))):
        section_items = []
        for _ in range(draw(st.integers(1, 5))):
            section_items.append(draw(items(f"i{n}")))
            n += 1
        sections.append(
            {"id": f"s{s}", "title": "S", "weight": draw(WEIGHTS), "items": section_items}
        )
    adequate = draw(st.integers(0, 95))
    return {
        "format": 1,
        "code": "p",
        "name": draw(st.sampled_from(["P", {"en": "P", "zh-CN": "暗访"}])),
        "adequate": adequate,
        "desired": draw(st.integers(adequate + 1, 100)),
        "critical_cap": draw(st.sampled_from([0, 20, 50, 100])),
        "sections": sections,
    }


def answer_for(draw: st.DrawFn, item: Any) -> Any:
    if item.na and draw(st.integers(0, 4)) == 0:
        return "na"
    if item.kind == "check":
        return draw(st.sampled_from(["yes", "no"]))
    if item.kind == "rating":
        return draw(st.integers(1, item.scale))
    if item.kind == "choice":
        return draw(st.sampled_from([o.id for o in item.options]))
    if item.kind == "measure":
        return draw(MEASURE_VALUES)
    return draw(st.sampled_from(["fine", "a longer narrative"]))


@st.composite
def visits(draw: st.DrawFn) -> tuple[Checklist, dict[str, Any]]:
    checklist = parse_checklist(draw(checklist_docs()))
    answers: dict[str, Any] = {}
    for item in checklist.all_items():
        if draw(st.integers(0, 9)) > 0:
            answers[item.id] = answer_for(draw, item)
    return checklist, answers


@settings(max_examples=300)
@given(visits())
def test_score_is_a_percentage_capped_below_raw(visit: tuple[Checklist, dict[str, Any]]) -> None:
    checklist, answers = visit
    result = score_visit(checklist, answers)
    if result.raw_score is None:
        assert result.score is None and result.band is None
        return
    assert 0.0 <= result.score <= result.raw_score <= 100.0
    for value in [*result.sections.values(), *result.dimensions.values(), result.delight]:
        assert value is None or 0.0 <= value <= 100.0


@settings(max_examples=300)
@given(visits())
def test_band_follows_the_thresholds(visit: tuple[Checklist, dict[str, Any]]) -> None:
    checklist, answers = visit
    r = score_visit(checklist, answers)
    if r.score is None:
        assert r.band is None
    elif r.score < checklist.adequate or r.must_failures or r.critical_failure:
        assert r.band == "below"
    elif r.score >= checklist.desired and r.delight is not None and r.delight > 0:
        assert r.band == "delighted"
    else:
        assert r.band == "within"
    assert r.critical_failure == bool(r.critical_failures)


@settings(max_examples=200)
@given(checklist_docs(), st.data())
def test_an_answered_delighter_never_lowers_the_score(doc: dict[str, Any], data: Any) -> None:
    checklist = parse_checklist(doc)
    answers = {i.id: answer_for(data.draw, i) for i in checklist.all_items()}
    before = score_visit(checklist, answers)
    extended = copy.deepcopy(doc)
    where = data.draw(st.integers(0, len(extended["sections"]) - 1))
    extended["sections"][where]["items"].append(
        {"id": "extra", "text": "Extra", "kind": "check", "kano": "delight"}
    )
    answers["extra"] = data.draw(st.sampled_from(["yes", "no"]))
    after = score_visit(parse_checklist(extended), answers)
    assert after.score == before.score
    assert after.raw_score == before.raw_score
    assert after.sections == before.sections


@settings(max_examples=300)
@given(checklist_docs(), st.data())
def test_a_better_measurement_never_lowers_the_score(doc: dict[str, Any], data: Any) -> None:
    item: dict[str, Any] = {
        "id": "m",
        "text": "m",
        "kind": "measure",
        "better": data.draw(st.sampled_from(["lower", "higher"])),
        "target": 30,
        "kano": data.draw(st.sampled_from(["must", "performance"])),
        "critical": data.draw(st.booleans()),
        "points": data.draw(POINTS),
    }
    doc["sections"][0]["items"].append(item)
    if data.draw(st.booleans()):
        item["limit"] = 90 if item["better"] == "lower" else 10
    checklist = parse_checklist(doc)
    answers = {i.id: answer_for(data.draw, i) for i in checklist.all_items()}
    value = data.draw(MEASURE_VALUES)
    step = data.draw(MEASURE_VALUES)
    better = max(0.0, value - step) if item["better"] == "lower" else value + step
    before = score_visit(checklist, answers | {"m": value})
    after = score_visit(checklist, answers | {"m": better})
    assert before.score is not None and after.score is not None
    assert after.score >= before.score - 1e-9
    assert after.items["m"].fraction >= before.items["m"].fraction


@settings(max_examples=150)
@given(checklist_docs())
def test_export_round_trips(doc: dict[str, Any]) -> None:
    checklist = parse_checklist(doc)
    for fmt in ("yaml", "json"):
        again = parse_checklist(dump_checklist(checklist, fmt))
        assert again == checklist
        assert content_hash(again) == content_hash(checklist)
