"""What blocks a visit's submission, as one pure function of checklist, answers and photos.

Every place that asks "is this visit complete?" calls ``completeness`` (the shopper's
submit, the agency import, the reviewer's approve, the visit page). The phone gets the
same rules as data (``completeness_rules``) and interprets them in ``static/completeness.js``;
a browser test holds the two interpreters to the same verdicts.

Each item carries a list of *needs*; a need that is not met on a shown item is a
``Problem``. Answer-dependent requirements (``require_comment``, ``require_photo`` of
formats.md) are further needs with ``on: "in"`` and the answers they apply to
(``values``), and, for a comment, a further problem kind (``comment``). Items are shown
or hidden by their section's and their own ``when`` (conditions.py), sent to the phone in
the same data form as the documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .checklist import Checklist, Item
from .conditions import ConditionNode, condition_to_dict
from .plan import visible_items

ProblemKind = Literal["missing", "short", "photos", "comment"]
NeedKind = Literal["answer", "chars", "photos", "comment"]
NeedOn = Literal["always", "answered", "in"]

_PROBLEM_OF: dict[NeedKind, ProblemKind] = {
    "answer": "missing",
    "chars": "short",
    "photos": "photos",
    "comment": "comment",
}
# The blanks ``str.strip()`` removes (every ``isspace`` character), sent to the phone so
# completeness.js trims and counts texts exactly as Python does.
SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing that blocks submission: an answer, characters, photos or a comment still
    needed."""

    item_id: str
    kind: ProblemKind
    needed: int = 0  # characters or photos


@dataclass(frozen=True, slots=True)
class Need:
    """One requirement of an item: an answer, ``count`` characters, ``count`` photos or a
    comment.

    ``on`` says when it applies: ``always`` (the item is shown), ``answered`` (shown and
    answered with something other than N/A) or ``in`` (shown and answered with one of
    ``values``: ``require_comment`` and ``require_photo``).
    """

    kind: NeedKind
    count: int = 0
    on: NeedOn = "always"
    values: tuple[str | int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "count": self.count, "on": self.on}
        if self.on == "in":
            out["values"] = list(self.values)
        return out


def text_length(text: str) -> int:
    """Characters of a text without the blanks around it (what ``min_chars`` counts)."""
    return len(text.strip())


def answered(value: Any) -> bool:
    """True for a given answer: not absent, and not a blank text."""
    return value is not None and not (isinstance(value, str) and not text_length(value))


def needs_of(item: Item) -> tuple[Need, ...]:
    """What this item needs before the visit can be submitted, in the order it is reported."""
    needs: list[Need] = []
    if item.kind == "photo":
        if item.required:
            needs.append(Need("photos", item.min_photos or 1))
        return tuple(needs)
    if item.required:
        needs.append(Need("answer"))
    if item.kind == "text" and item.min_chars:
        needs.append(Need("chars", item.min_chars, "answered"))
    if item.photo == "required":
        needs.append(Need("photos", 1, "answered"))
    if item.require_photo:
        needs.append(Need("photos", 1, "in", item.require_photo))
    if item.require_comment:
        needs.append(Need("comment", 0, "in", item.require_comment))
    return tuple(needs)


def _among(value: Any, values: tuple[str | int, ...]) -> bool:
    try:
        return value.__class__ is not bool and value in values
    except TypeError:  # unhashable garbage is none of the values
        return False


def _applies(need: Need, value: Any, na_options: frozenset[str] = frozenset()) -> bool:
    if need.on == "always":
        return True
    if need.on == "in":
        return answered(value) and _among(value, need.values)
    # "answered": with something that is not N/A (``na``, or a choice's N/A option)
    return answered(value) and value != "na" and not _among(value, tuple(na_options))


def _met(need: Need, value: Any, photos: int, comment: Any) -> bool:
    if need.kind == "answer":
        return answered(value)
    if need.kind == "chars":
        return not isinstance(value, str) or text_length(value) >= need.count
    if need.kind == "comment":
        return isinstance(comment, str) and text_length(comment) > 0
    return photos >= need.count


def item_problems(item: Item, value: Any, photos: int, comment: Any = None) -> list[Problem]:
    """The problems of one shown item with this answer, this many photos and this comment.

    A photo asked for twice (``photo: required`` and ``require_photo``) is one problem.
    """
    found: list[Problem] = []
    na_options = item.na_options()
    for need in needs_of(item):
        if _applies(need, value, na_options) and not _met(need, value, photos, comment):
            problem = Problem(item.id, _PROBLEM_OF[need.kind], need.count)
            if problem not in found:
                found.append(problem)
    return found


def completeness(
    checklist: Checklist,
    answers: Mapping[str, Any],
    photos: Mapping[str, int],
    *,
    comments: Mapping[str, Any] | None = None,
    variant: str | None = None,
) -> list[Problem]:
    """Everything that blocks submission, in checklist order (empty: the visit is complete).

    ``answers`` are engine values (``"na"`` for N/A, ``None`` or absent = unanswered);
    ``photos`` counts the photos per item id; ``comments`` are the shopper's comments per
    item id (for ``require_comment``); ``variant`` is the visit's variant. Hidden items
    (their own or their section's ``when``) need nothing.
    """
    shown = visible_items(checklist, answers, variant)
    notes = comments or {}
    problems: list[Problem] = []
    for item in checklist.all_items():
        if item.id in shown:
            problems += item_problems(
                item, answers.get(item.id), photos.get(item.id, 0), notes.get(item.id)
            )
    return problems


def photo_requirements(
    checklist: Checklist, answers: Mapping[str, Any], variant: str | None = None
) -> dict[str, int]:
    """Photos each shown item needs with these answers (items needing none are left out)."""
    shown = visible_items(checklist, answers, variant)
    out: dict[str, int] = {}
    for item in checklist.all_items():
        if item.id not in shown:
            continue
        for need in needs_of(item):
            if need.kind == "photos" and _applies(need, answers.get(item.id), item.na_options()):
                out[item.id] = max(out.get(item.id, 0), need.count)
    return out


def _shown_when(section_when: ConditionNode | None, item: Item) -> dict[str, Any] | None:
    """An item's condition with its section's, as data (``all`` of both when both exist)."""
    if section_when is not None and item.when is not None:
        return {"all": [condition_to_dict(section_when), condition_to_dict(item.when)]}
    cond = item.when if item.when is not None else section_when
    return condition_to_dict(cond) if cond is not None else None


def completeness_rules(checklist: Checklist, variant: str | None = None) -> dict[str, Any]:
    """The same rules as JSON-ready data, for the phone's interpreter (static/completeness.js).

    One entry per item in checklist order: its id, whether it counts in the progress
    (``required``), the condition that shows it (``when``: its section's and its own, in
    the documents' form: ``{item, in}``, ``{item, not_in}``, ``{variant}``, ``{all}``,
    ``{any}``, ``{not}``; ``null`` when always shown) and its needs (``on: "in"`` with
    ``values`` for answer-dependent ones; kind ``comment`` reads the item's comment). A
    choice with N/A options also sends their ids (``na_options``): those answers are N/A
    for ``on: "answered"``. A checklist with variants also sends the visit's ``variant``.
    """
    entries: list[dict[str, Any]] = []
    for section in checklist.sections:
        for item in section.items:
            entry: dict[str, Any] = {
                "id": item.id,
                "required": item.required,
                "when": _shown_when(section.when, item),
                "needs": [need.to_dict() for need in needs_of(item)],
            }
            if item.na_options():
                entry["na_options"] = [o.id for o in item.options or () if o.na]
            entries.append(entry)
    rules: dict[str, Any] = {"space": SPACE, "items": entries}
    if checklist.variants:
        rules["variant"] = variant
    return rules
