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
    visible_items,
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


# --- the checklist extensions (formats.md): old documents mean what they meant ---------------


def _scoring_figures(result: Any) -> dict[str, Any]:
    figures = result.to_dict()
    figures.pop("missing")
    return figures


@settings(max_examples=200)
@given(checklist_docs(), st.data())
def test_neutral_extension_keys_change_no_figure(doc: dict[str, Any], data: Any) -> None:
    checklist = parse_checklist(doc)
    answers = {i.id: answer_for(data.draw, i) for i in checklist.all_items()}
    answers = {k: v for k, v in answers.items() if data.draw(st.integers(0, 5)) > 0}
    extended = copy.deepcopy(doc)
    if isinstance(extended["name"], dict):
        extended["languages"] = list(extended["name"])
    extended["labels"] = {"na": "Not seen"}
    extended["variants"] = [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]
    for section in extended["sections"]:
        # true on every visit, whatever its variant: any(variant a, not variant a)
        section["when"] = {"any": [{"variant": ["a"]}, {"not": {"variant": ["a"]}}]}
        for item in section["items"]:
            item["group"] = "G"
            if item["kind"] != "text":
                item["scored"] = True
            if item["kind"] == "rating":
                item["from"] = 1
            if item["kind"] == "measure":
                item["min"] = 0
            if item["kind"] == "check":
                item["require_comment"] = ["no"]
                item["require_photo"] = ["no"]
    again = parse_checklist(extended)
    for variant in (None, "a", "b"):
        assert (
            score_visit(again, answers, variant).to_dict()
            == score_visit(checklist, answers).to_dict()
        )


@settings(max_examples=200)
@given(checklist_docs(), st.data())
def test_an_informational_item_scores_as_if_it_were_not_there(
    doc: dict[str, Any], data: Any
) -> None:
    sections = doc["sections"]
    s = data.draw(st.integers(0, len(sections) - 1))
    if len(sections[s]["items"]) < 2:
        return
    k = data.draw(st.integers(0, len(sections[s]["items"]) - 1))
    info = copy.deepcopy(doc)
    target = info["sections"][s]["items"][k]
    if target["kind"] == "text":
        return
    target["scored"] = False
    target["critical"] = False
    removed = copy.deepcopy(doc)
    del removed["sections"][s]["items"][k]
    checklist = parse_checklist(info)
    answers = {i.id: answer_for(data.draw, i) for i in checklist.all_items()}
    without = {key: v for key, v in answers.items() if key != target["id"]}
    assert _scoring_figures(score_visit(checklist, answers)) == _scoring_figures(
        score_visit(parse_checklist(removed), without)
    )


@settings(max_examples=200)
@given(checklist_docs(), st.data())
def test_an_na_option_scores_like_the_plain_na(doc: dict[str, Any], data: Any) -> None:
    choices = [i for s in doc["sections"] for i in s["items"] if i["kind"] == "choice"]
    if not choices:
        return
    item = data.draw(st.sampled_from(choices))
    item["na"] = True
    item["options"].append({"id": "not-offered", "text": "Not offered", "na": True})
    checklist = parse_checklist(doc)
    answers = {i.id: answer_for(data.draw, i) for i in checklist.all_items()}
    by_option = score_visit(checklist, answers | {item["id"]: "not-offered"})
    by_na = score_visit(checklist, answers | {item["id"]: "na"})
    assert by_option.to_dict() == by_na.to_dict()


@settings(max_examples=150)
@given(checklist_docs(), st.data())
def test_a_hidden_section_scores_as_if_it_were_not_there(doc: dict[str, Any], data: Any) -> None:
    if len(doc["sections"]) < 2:
        return
    s = data.draw(st.integers(1, len(doc["sections"]) - 1))
    hidden = copy.deepcopy(doc)
    hidden["variants"] = [{"id": "call", "name": "Call"}, {"id": "visit", "name": "Visit"}]
    hidden["sections"][s]["when"] = {"variant": ["visit"]}
    removed = copy.deepcopy(doc)
    gone = {i["id"] for i in removed["sections"].pop(s)["items"]}
    checklist = parse_checklist(hidden)
    answers = {i.id: answer_for(data.draw, i) for i in checklist.all_items()}
    result = score_visit(checklist, answers, "call").to_dict()
    expected = score_visit(
        parse_checklist(removed), {k: v for k, v in answers.items() if k not in gone}
    ).to_dict()
    assert result["sections"].pop(doc["sections"][s]["id"]) is None
    # a dimension only the hidden section used is listed, with no value
    for figures in (result, expected):
        figures["dimensions"] = {k: v for k, v in figures["dimensions"].items() if v is not None}
    assert result == expected


@st.composite
def extended_docs(draw: st.DrawFn) -> dict[str, Any]:
    """Documents using the extensions: informational items, 0-based ratings, N/A options,
    bounds, requirements, and conditions of every shape on earlier items."""
    doc = draw(checklist_docs())
    doc["variants"] = [{"id": "v1", "name": "V1"}, {"id": "v2", "name": "V2"}]
    earlier: list[dict[str, Any]] = []
    for s_index, section in enumerate(doc["sections"]):
        if s_index and earlier and draw(st.booleans()):
            section["when"] = draw(conditions(list(earlier)))
        for item in section["items"]:
            kind = item["kind"]
            if kind == "rating" and draw(st.booleans()):
                item["from"] = 0
            if kind == "choice" and draw(st.booleans()):
                item["options"].append({"id": "skip", "text": "Skip", "na": True})
            if kind == "measure" and draw(st.booleans()):
                item["min"], item["max"], item["integer"] = 0, 1000, draw(st.booleans())
            if kind != "text" and draw(st.integers(0, 4)) == 0:
                item["scored"], item["critical"] = False, False
            if kind in ("check", "rating", "choice") and draw(st.booleans()):
                item["require_comment"] = [draw(st.sampled_from(sorted(values_of(item), key=str)))]
            if earlier and draw(st.integers(0, 2)) == 0:
                item["when"] = draw(conditions(list(earlier)))
        earlier += [i for i in section["items"] if i["kind"] in ("check", "rating", "choice")]
    return doc


def values_of(item: dict[str, Any]) -> set[Any]:
    if item["kind"] == "check":
        return {"yes", "no"}
    if item["kind"] == "rating":
        return set(range(item.get("from", 1), item["scale"] + 1))
    return {o["id"] for o in item["options"]}


def conditions(controllers: list[dict[str, Any]], depth: int = 0) -> st.SearchStrategy[Any]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        shape = draw(
            st.sampled_from(
                ["in", "not_in", "variant", "all", "any", "not"][: 3 if depth > 1 else 6]
            )
        )
        if shape == "variant":
            return {
                "variant": draw(st.lists(st.sampled_from(["v1", "v2"]), min_size=1, unique=True))
            }
        if shape in ("all", "any"):
            return {
                shape: draw(st.lists(conditions(controllers, depth + 1), min_size=1, max_size=3))
            }
        if shape == "not":
            return {"not": draw(conditions(controllers, depth + 1))}
        item = draw(st.sampled_from(controllers))
        listed = sorted(values_of(item), key=str)
        return {
            "item": item["id"],
            shape: draw(st.lists(st.sampled_from(listed), min_size=1, unique=True)),
        }

    return build()


@settings(max_examples=150)
@given(extended_docs())
def test_extended_export_round_trips(doc: dict[str, Any]) -> None:
    checklist = parse_checklist(doc)
    for fmt in ("yaml", "json"):
        again = parse_checklist(dump_checklist(checklist, fmt))
        assert again == checklist
        assert content_hash(again) == content_hash(checklist)


@settings(max_examples=150)
@given(extended_docs(), st.data())
def test_extended_scores_stay_percentages_and_hidden_items_count_nowhere(
    doc: dict[str, Any], data: Any
) -> None:
    checklist = parse_checklist(doc)
    answers: dict[str, Any] = {}
    for item in checklist.all_items():
        if item.kind == "photo" or data.draw(st.integers(0, 5)) == 0:
            continue
        if item.kind == "rating":
            answers[item.id] = data.draw(st.integers(item.lowest, item.scale or 5))
        elif item.kind == "measure" and item.integer:
            answers[item.id] = data.draw(st.integers(0, 1000))
        else:
            answers[item.id] = answer_for(data.draw, item)
    variant = data.draw(st.sampled_from([None, "v1", "v2"]))
    result = score_visit(checklist, answers, variant)
    if result.score is not None:
        assert 0.0 <= result.score <= (result.raw_score or 0.0) <= 100.0
    shown = visible_items(checklist, answers, variant)
    for item_id, item_score in result.items.items():
        if item_id not in shown:
            assert not item_score.applicable and not item_score.shown
    # an answer to a hidden item changes nothing
    hidden = [i for i in checklist.all_items() if i.id not in shown and i.kind != "photo"]
    if hidden:
        trimmed = {k: v for k, v in answers.items() if k != hidden[0].id}
        assert score_visit(checklist, trimmed, variant).to_dict() == result.to_dict()
