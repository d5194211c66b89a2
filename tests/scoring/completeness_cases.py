"""Completeness cases shared by the core's unit tests and the browser test of completeness.js.

Each case: (name, answers as engine values, photo counts, the problems expected as
(item id, kind, needed) tuples in checklist order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.scoring import Checklist, parse_checklist

ROOT = Path(__file__).resolve().parents[2]

SYNTHETIC: dict[str, Any] = {
    "format": 1,
    "code": "completeness",
    "name": "Completeness",
    "sections": [
        {
            "id": "one",
            "title": "One",
            "items": [
                {"id": "a", "text": "A", "kind": "check", "na": True, "photo": "required"},
                {"id": "r", "text": "R", "kind": "rating", "required": False},
                {
                    "id": "c",
                    "text": "C",
                    "kind": "choice",
                    "options": [
                        {"id": "x", "text": "X", "score": 1},
                        {"id": "y", "text": "Y", "score": 0.5},
                        {"id": "z", "text": "Z", "score": 0},
                    ],
                },
                {
                    "id": "c-more",
                    "text": "More",
                    "kind": "check",
                    "when": {"item": "c", "in": ["x", "y"]},
                },
                {
                    "id": "c-deep",
                    "text": "Deep",
                    "kind": "text",
                    "min_chars": 10,
                    "when": {"item": "c-more", "in": ["yes"]},
                },
                {
                    "id": "r-low",
                    "text": "Low",
                    "kind": "check",
                    "when": {"item": "r", "in": [1, 2]},
                },
            ],
        },
        {
            "id": "two",
            "title": "Two",
            "items": [
                {"id": "t", "text": "T", "kind": "text", "min_chars": 12},
                {"id": "t-opt", "text": "T opt", "kind": "text", "required": False, "min_chars": 5},
                {"id": "p", "text": "P", "kind": "photo", "min_photos": 2},
                {"id": "p-opt", "text": "P opt", "kind": "photo", "required": False},
                {
                    "id": "m",
                    "text": "M",
                    "kind": "measure",
                    "better": "lower",
                    "target": 5,
                    "na": True,
                    "photo": "required",
                },
            ],
        },
    ],
}

FULL: dict[str, Any] = {"a": "yes", "c": "z", "t": "twelve chars", "m": 3}
FULL_PHOTOS = {"a": 1, "p": 2, "m": 1}

SYNTHETIC_CASES: list[tuple[str, dict[str, Any], dict[str, int], list[tuple[str, str, int]]]] = [
    (
        "nothing answered: answers and photo items, no evidence yet",
        {},
        {},
        [
            ("a", "missing", 0),
            ("c", "missing", 0),
            ("t", "missing", 0),
            ("p", "photos", 2),
            ("m", "missing", 0),
        ],
    ),
    ("everything there", FULL, FULL_PHOTOS, []),
    (
        "answered without any photo: evidence and photo items",
        FULL,
        {},
        [("a", "photos", 1), ("p", "photos", 2), ("m", "photos", 1)],
    ),
    ("N/A needs no evidence photo", FULL | {"a": "na", "m": "na"}, {"p": 2}, []),
    ("one photo of two", FULL, FULL_PHOTOS | {"p": 1}, [("p", "photos", 2)]),
    ("more photos than needed", FULL, FULL_PHOTOS | {"p": 5, "p-opt": 3}, []),
    ("a choice shows its follow-up", FULL | {"c": "x"}, FULL_PHOTOS, [("c-more", "missing", 0)]),
    (
        "a follow-up shows a deeper one",
        FULL | {"c": "y", "c-more": "yes"},
        FULL_PHOTOS,
        [("c-deep", "missing", 0)],
    ),
    ("the deeper one hidden by a no", FULL | {"c": "y", "c-more": "no"}, FULL_PHOTOS, []),
    (
        "an answer to a hidden item is ignored, even a short text",
        FULL | {"c": "z", "c-more": "yes", "c-deep": "short"},
        FULL_PHOTOS,
        [],
    ),
    (
        "a short text in a shown follow-up",
        FULL | {"c": "x", "c-more": "yes", "c-deep": "short"},
        FULL_PHOTOS,
        [("c-deep", "short", 10)],
    ),
    (
        "an optional rating shows its follow-up",
        FULL | {"r": 2},
        FULL_PHOTOS,
        [("r-low", "missing", 0)],
    ),
    ("a high rating does not", FULL | {"r": 5}, FULL_PHOTOS, []),
    ("a short required text", FULL | {"t": "eleven char"}, FULL_PHOTOS, [("t", "short", 12)]),
    (
        "blanks around a text do not count",
        FULL | {"t": "  eleven char \n\t"},
        FULL_PHOTOS,
        [("t", "short", 12)],
    ),
    ("a blank text is no answer", FULL | {"t": " \n\u3000 "}, FULL_PHOTOS, [("t", "missing", 0)]),
    (
        "Chinese characters count one each",
        FULL | {"t": "服务热情周到，讲解清楚明白"},
        FULL_PHOTOS,
        [],
    ),
    ("emoji count one each", FULL | {"t": "😀" * 11}, FULL_PHOTOS, [("t", "short", 12)]),
    ("twelve emoji are enough", FULL | {"t": "😀" * 12}, FULL_PHOTOS, []),
    (
        "Python's blanks: NEL and ideographic space",
        FULL | {"t": "\x85eleven char\u3000"},
        FULL_PHOTOS,
        [("t", "short", 12)],
    ),
    (
        "a short optional text blocks too",
        FULL | {"t-opt": "abc"},
        FULL_PHOTOS,
        [("t-opt", "short", 5)],
    ),
    ("a long enough optional text", FULL | {"t-opt": "abcde"}, FULL_PHOTOS, []),
    ("a blank optional text is simply unanswered", FULL | {"t-opt": "   "}, FULL_PHOTOS, []),
    ("zero is an answer", FULL | {"m": 0}, FULL_PHOTOS, []),
    (
        "a measure answered, no evidence photo",
        FULL | {"m": 12.5},
        FULL_PHOTOS | {"m": 0},
        [("m", "photos", 1)],
    ),
    (
        "unanswered evidence item: missing, not photos",
        {k: v for k, v in FULL.items() if k != "a"},
        FULL_PHOTOS,
        [("a", "missing", 0)],
    ),
]


def synthetic() -> Checklist:
    return parse_checklist(SYNTHETIC)


def demo() -> Checklist:
    """The demo's checklist (app/demo/retail-visit.yaml)."""
    return parse_checklist((ROOT / "app" / "demo" / "retail-visit.yaml").read_text())


# A complete demo visit, as the demo's shopper would answer it.
DEMO_FULL: dict[str, Any] = {
    "greet-time": 20,
    "staff-on-floor": 2,
    "greeting-words": "yes",
    "staff-appearance": "yes",
    "store-tidy": 4,
    "open-questions": "yes",
    "listening": 3,
    "name-used": "no",
    "knowledge": 8,
    "demo-tried": "yes",
    "demo-count": 6,
    "price-tags": "yes",
    "offer": "none",
    "trade-in": "na",
    "complaint-accepted": "yes",
    "apology": "yes",
    "remedy": "manager",
    "complaint-story": (
        "The assistant listened, apologised and called the manager, who promised a call back."
    ),
    "queue-time": "na",
    "mobile-payment": "yes",
    "invoice": "yes",
    "warranty": "yes",
    "goodbye": "yes",
    "waiting-area": "na",
    "come-back": 4,
}
DEMO_PHOTOS = {"storefront": 1, "price-tags": 1}


def demo_cases() -> list[tuple[str, dict[str, Any], dict[str, int]]]:
    """Visits of the demo checklist: complete, then with one thing changed at a time."""
    checklist = demo()
    full = {item.id: DEMO_FULL[item.id] for item in checklist.all_items() if item.id in DEMO_FULL}
    cases = [
        ("demo: nothing answered", {}, {}),
        ("demo: complete", full, DEMO_PHOTOS),
        ("demo: complete, no photos", full, {}),
        ("demo: a current offer asks about its terms", full | {"offer": "current"}, DEMO_PHOTOS),
        ("demo: terms answered", full | {"offer": "old", "offer-terms": "no"}, DEMO_PHOTOS),
        ("demo: short story", full | {"complaint-story": "Fine."}, DEMO_PHOTOS),
        (
            "demo: a no on price tags still needs its photo",
            full | {"price-tags": "no"},
            {"storefront": 1},
        ),
        (
            "demo: optional items answered",
            full | {"accessory": "no", "remarks": "-"},
            DEMO_PHOTOS | {"receipt-photo": 2},
        ),
    ]
    for item in checklist.all_items():  # each required item left out once
        if item.id in full and item.required:
            rest = {k: v for k, v in full.items() if k != item.id}
            cases.append((f"demo: without {item.id}", rest, DEMO_PHOTOS))
    return cases


# The checklist extensions (formats.md): answer-dependent comments and photos, section
# conditions, not_in, variants. Kept apart from SYNTHETIC_CASES until static/completeness.js
# reads comments, `on: "in"` needs and the whole condition grammar; the browser test can then
# run these too. Each case: (name, answers, photo counts, comments, variant, problems).
EXTENDED: dict[str, Any] = {
    "format": 1,
    "code": "extended",
    "name": "Extended",
    "variants": [{"id": "visit", "name": "Visit"}, {"id": "call", "name": "Call"}],
    "sections": [
        {
            "id": "one",
            "title": "One",
            "items": [
                {
                    "id": "clean",
                    "text": "Clean",
                    "kind": "check",
                    "na": True,
                    "require_comment": ["no", "na"],
                    "require_photo": ["no"],
                },
                {
                    "id": "score",
                    "text": "Score",
                    "kind": "rating",
                    "from": 0,
                    "scale": 10,
                    "require_comment": [0, 1, 2],
                },
                {
                    "id": "offer",
                    "text": "Offer",
                    "kind": "choice",
                    "photo": "required",
                    "require_photo": ["old"],
                    "options": [
                        {"id": "current", "text": "Current", "score": 1},
                        {"id": "old", "text": "Old", "score": 0},
                        {"id": "none", "text": "None running", "na": True},
                    ],
                },
                {
                    "id": "why-not",
                    "text": "Why not",
                    "kind": "text",
                    "when": {"item": "offer", "not_in": ["current"]},
                },
            ],
        },
        {
            "id": "desk",
            "title": "Desk",
            "when": {"all": [{"variant": ["visit"]}, {"item": "clean", "in": ["yes", "no"]}]},
            "items": [
                {"id": "queue", "text": "Queue", "kind": "check"},
                {"id": "desk-photo", "text": "Desk photo", "kind": "photo"},
            ],
        },
    ],
}

EXTENDED_FULL: dict[str, Any] = {"clean": "yes", "score": 8, "offer": "current"}
ExtendedCase = tuple[
    str, dict[str, Any], dict[str, int], dict[str, str], str | None, list[tuple[str, str, int]]
]
EXTENDED_CASES: list[ExtendedCase] = [
    ("a call: the desk section is hidden", EXTENDED_FULL, {"offer": 1}, {}, "call", []),
    (
        "a visit: the desk section is shown",
        EXTENDED_FULL,
        {"offer": 1},
        {},
        "visit",
        [("queue", "missing", 0), ("desk-photo", "photos", 1)],
    ),
    (
        "no variant: a variant leaf is false",
        EXTENDED_FULL,
        {"offer": 1},
        {},
        None,
        [],
    ),
    (
        "clean no: a comment and a photo",
        EXTENDED_FULL | {"clean": "no"},
        {"offer": 1},
        {},
        "call",
        [("clean", "photos", 1), ("clean", "comment", 0)],
    ),
    (
        "clean no with both",
        EXTENDED_FULL | {"clean": "no"},
        {"offer": 1, "clean": 1},
        {"clean": "Dust on the counter"},
        "call",
        [],
    ),
    (
        "a blank comment is no comment",
        EXTENDED_FULL | {"clean": "na"},
        {"offer": 1},
        {"clean": " \n\u3000"},
        "call",
        [("clean", "comment", 0)],
    ),
    (
        "clean na: a comment, no photo, and the desk section hidden",
        EXTENDED_FULL | {"clean": "na"},
        {"offer": 1},
        {"clean": "Closed for cleaning"},
        "visit",
        [],
    ),
    (
        "a low score asks for a comment; 0 is an answer",
        EXTENDED_FULL | {"score": 0},
        {"offer": 1},
        {},
        "call",
        [("score", "comment", 0)],
    ),
    ("a score of 3 does not", EXTENDED_FULL | {"score": 3}, {"offer": 1}, {}, "call", []),
    (
        "old offer: one photo problem for two photo needs, and its follow-up",
        EXTENDED_FULL | {"offer": "old"},
        {},
        {},
        "call",
        [("offer", "photos", 1), ("why-not", "missing", 0)],
    ),
    (
        "an N/A option: no evidence photo, the follow-up shown",
        EXTENDED_FULL | {"offer": "none"},
        {},
        {},
        "call",
        [("why-not", "missing", 0)],
    ),
    (
        "unanswered offer: missing; its not_in follow-up is hidden",
        {"clean": "yes", "score": 8},
        {},
        {},
        "call",
        [("offer", "missing", 0)],
    ),
    (
        "unanswered clean hides the desk section too",
        {"score": 8, "offer": "current"},
        {"offer": 1},
        {},
        "visit",
        [("clean", "missing", 0)],
    ),
]


def extended() -> Checklist:
    return parse_checklist(EXTENDED)
