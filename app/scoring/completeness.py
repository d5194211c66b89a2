"""What blocks a visit's submission, as one pure function of checklist, answers and photos.

Every place that asks "is this visit complete?" calls ``completeness`` (the shopper's
submit, the agency import, the reviewer's approve, the visit page). The phone gets the
same rules as data (``completeness_rules``) and interprets them in ``static/completeness.js``;
a browser test holds the two interpreters to the same verdicts.

Each item carries a list of *needs*; a need that is not met on a shown item is a
``Problem``. Answer-dependent requirements (``require_comment``, ``require_photo`` of
formats.md) are further needs with an ``on`` condition naming the answers, and, for a
comment, a further problem kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .checklist import Checklist, Item
from .plan import visible_items

ProblemKind = Literal["missing", "short", "photos"]
NeedKind = Literal["answer", "chars", "photos"]
NeedOn = Literal["always", "answered"]

_PROBLEM_OF: dict[NeedKind, ProblemKind] = {
    "answer": "missing",
    "chars": "short",
    "photos": "photos",
}
# The blanks ``str.strip()`` removes (every ``isspace`` character), sent to the phone so
# completeness.js trims and counts texts exactly as Python does.
SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing that blocks submission: an answer, characters or photos still needed."""

    item_id: str
    kind: ProblemKind
    needed: int = 0  # characters or photos


@dataclass(frozen=True, slots=True)
class Need:
    """One requirement of an item: an answer, ``count`` characters, or ``count`` photos.

    ``on`` says when it applies: ``always`` (the item is shown) or ``answered`` (shown
    and answered with something other than N/A).
    """

    kind: NeedKind
    count: int = 0
    on: NeedOn = "always"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": self.count, "on": self.on}


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
    return tuple(needs)


def _applies(need: Need, value: Any) -> bool:
    if need.on == "always":
        return True
    return answered(value) and value != "na"


def _met(need: Need, value: Any, photos: int) -> bool:
    if need.kind == "answer":
        return answered(value)
    if need.kind == "chars":
        return not isinstance(value, str) or text_length(value) >= need.count
    return photos >= need.count


def item_problems(item: Item, value: Any, photos: int) -> list[Problem]:
    """The problems of one shown item with this answer and this many photos."""
    return [
        Problem(item.id, _PROBLEM_OF[need.kind], need.count)
        for need in needs_of(item)
        if _applies(need, value) and not _met(need, value, photos)
    ]


def completeness(
    checklist: Checklist, answers: Mapping[str, Any], photos: Mapping[str, int]
) -> list[Problem]:
    """Everything that blocks submission, in checklist order (empty: the visit is complete).

    ``answers`` are engine values (``"na"`` for N/A, ``None`` or absent = unanswered);
    ``photos`` counts the photos per item id. Hidden items (``when``) need nothing.
    """
    shown = visible_items(checklist, answers)
    problems: list[Problem] = []
    for item in checklist.all_items():
        if item.id in shown:
            problems += item_problems(item, answers.get(item.id), photos.get(item.id, 0))
    return problems


def photo_requirements(checklist: Checklist, answers: Mapping[str, Any]) -> dict[str, int]:
    """Photos each shown item needs with these answers (items needing none are left out)."""
    shown = visible_items(checklist, answers)
    out: dict[str, int] = {}
    for item in checklist.all_items():
        if item.id not in shown:
            continue
        for need in needs_of(item):
            if need.kind == "photos" and _applies(need, answers.get(item.id)):
                out[item.id] = max(out.get(item.id, 0), need.count)
    return out


def completeness_rules(checklist: Checklist) -> dict[str, Any]:
    """The same rules as JSON-ready data, for the phone's interpreter (static/completeness.js).

    One entry per item in checklist order: its id, whether it counts in the progress
    (``required``), its ``when`` condition and its needs.
    """
    return {
        "space": SPACE,
        "items": [
            {
                "id": item.id,
                "required": item.required,
                "when": {"item": item.when.item, "in": list(item.when.in_)} if item.when else None,
                "needs": [need.to_dict() for need in needs_of(item)],
            }
            for item in checklist.all_items()
        ],
    }
