"""A checklist compiled into flat tuples for fast scoring, cached per instance.

Scoring runs for every visit in every scorecard, so the engine walks a precomputed
plan instead of the pydantic models. Plans are cached by object identity (a weak
reference drops the entry with the checklist), which is safe because checklists are
immutable.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .checklist import Checklist, Item, Section
from .conditions import Predicate, both, compile_condition, referenced_items
from .export import content_hash

NA = -1.0  # fraction marker: answered N/A
BAD = -2.0  # fraction marker: a value the item cannot take
TABLE, LOWER, HIGHER, TEXT, NUMBER = 0, 1, 2, 3, 4  # NUMBER: an informational measure
MUST, PERFORMANCE, DELIGHT, UNSCORED = 0, 1, 2, 3
_CLASS = {"must": MUST, "performance": PERFORMANCE, "delight": DELIGHT}

# (item id, kind code, table or na-allowed, target, limit, points, class,
#  section index, dimension index, critical, required, condition (Predicate) or None);
# the condition is the section's and the item's together.
Step = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the engine needs, precomputed from one checklist."""

    items: dict[str, Item]
    section_of: dict[str, Section]
    steps: tuple[Step, ...]
    conditions: tuple[tuple[str, Predicate | None], ...]  # every item, in order
    controllers: frozenset[str]  # items some section's or item's condition reads
    section_ids: tuple[str, ...]
    weights: tuple[float, ...]
    dimensions: tuple[str, ...]
    adequate: float
    desired: float
    critical_cap: float
    digest: str


def _table(item: Item) -> dict[Any, float]:
    if item.kind == "check":
        table: dict[Any, float] = {"yes": 1.0, "no": 0.0}
    elif item.kind == "rating":
        scale, low = item.scale or 5, item.lowest
        table = {v: (v - low) / (scale - low) for v in range(low, scale + 1)}
    else:
        table = {o.id: NA if o.na else float(o.score) for o in item.options or ()}
    if item.na:
        table["na"] = NA
    return table


def _compile(checklist: Checklist) -> Plan:
    items: dict[str, Item] = {}
    section_of: dict[str, Section] = {}
    steps: list[Step] = []
    conditions: list[tuple[str, Predicate | None]] = []
    dims: list[str] = []
    controllers: set[str] = set()
    for s_index, section in enumerate(checklist.sections):
        shown_by = compile_condition(section.when) if section.when else None
        if section.when:
            controllers |= referenced_items(section.when)
        for item in section.items:
            if item.when:
                controllers |= referenced_items(item.when)
            items[item.id] = item
            section_of[item.id] = section
            when = both(shown_by, compile_condition(item.when) if item.when else None)
            conditions.append((item.id, when))
            if item.kind == "photo":
                continue
            cls = _CLASS[item.kano] if item.scored and item.kano else UNSCORED
            d_index = -1
            if cls in (MUST, PERFORMANCE):
                # Scored items always carry a dimension (Item fills the default).
                dimension = item.dimension or "interaction"
                if dimension not in dims:
                    dims.append(dimension)
                d_index = dims.index(dimension)
            if item.kind == "measure":
                kind = NUMBER if cls == UNSCORED else LOWER if item.better == "lower" else HIGHER
                table: Any = item.na
            elif item.kind == "text":
                kind, table = TEXT, None
            else:
                kind, table = TABLE, _table(item)
            steps.append(
                (
                    item.id,
                    kind,
                    table,
                    item.target,
                    item.limit,
                    float(item.points or 0),
                    cls,
                    s_index,
                    d_index,
                    bool(item.critical),
                    item.required,
                    when,
                )
            )
    return Plan(
        items=items,
        section_of=section_of,
        steps=tuple(steps),
        conditions=tuple(conditions),
        controllers=frozenset(controllers),
        section_ids=tuple(s.id for s in checklist.sections),
        weights=tuple(float(s.weight) for s in checklist.sections),
        dimensions=tuple(dims),
        adequate=float(checklist.adequate),
        desired=float(checklist.desired),
        critical_cap=float(checklist.critical_cap),
        digest=content_hash(checklist),
    )


_CACHE: dict[int, tuple[weakref.ref[Checklist], Plan]] = {}


def plan_for(checklist: Checklist) -> Plan:
    """The compiled plan of this checklist instance (compiled once, then cached)."""
    key = id(checklist)
    entry = _CACHE.get(key)
    if entry is not None and entry[0]() is checklist:
        return entry[1]
    plan = _compile(checklist)
    ref = weakref.ref(checklist, functools.partial(_drop, key))
    _CACHE[key] = (ref, plan)
    return plan


def _drop(key: int, ref: weakref.ref[Checklist]) -> None:
    entry = _CACHE.get(key)
    if entry is not None and entry[0] is ref:
        del _CACHE[key]


def controls_visibility(checklist: Checklist, item_id: str) -> bool:
    """Whether an answer to this item can change which items are shown: only items that a
    condition reads can (a chain hides on through them), so any other answer leaves the set
    of shown items as it was."""
    return item_id in plan_for(checklist).controllers


def visible_items(
    checklist: Checklist, answers: Mapping[str, Any], variant: str | None = None
) -> set[str]:
    """Ids of the items shown under the ``when`` conditions for these answers and variant.

    An item is shown when its section's condition and its own hold (conditions.py: a leaf
    on an item is true only if that earlier item is shown and answered accordingly); the
    form, the engine and completeness all rely on this.
    """
    shown: set[str] = set()
    hidden: set[str] = set()
    get = answers.get
    for item_id, when in plan_for(checklist).conditions:
        if when is None or when(get, hidden, variant):
            shown.add(item_id)
        else:
            hidden.add(item_id)
    return shown
