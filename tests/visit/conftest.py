"""Fixtures for the shopper's visit: a checklist with every kind of item and a visit to it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.models import Visit, VisitStatus
from app.services.checklists import import_checklist

OPTIONS = [
    {"id": "current", "text": "The current promotion", "score": 1},
    {"id": "old", "text": "An expired promotion", "score": 0.5},
    {"id": "none", "text": "None", "score": 0},
]
CHECKLIST = {
    "format": 1,
    "code": "visit-test",
    "name": "Visit test",
    "scenario": "Ask for a phone, then complain.",
    "sections": [
        {
            "id": "arrival",
            "title": "Arrival",
            "items": [
                {
                    "id": "greet-time",
                    "text": "Seconds to greet",
                    "kind": "measure",
                    "unit": "s",
                    "better": "lower",
                    "target": 30,
                    "limit": 90,
                    "kano": "must",
                },
                {"id": "smile", "text": "Smiled", "kind": "check", "photo": "optional"},
                {"id": "tidy", "text": "Tidiness", "kind": "rating", "scale": 5, "na": True},
                {"id": "offer", "text": "Offer mentioned", "kind": "choice", "options": OPTIONS},
                {
                    "id": "offer-terms",
                    "text": "Terms explained",
                    "kind": "check",
                    "when": {"item": "offer", "in": ["current"]},
                },
            ],
        },
        {
            "id": "checkout",
            "title": "Checkout",
            "items": [
                {"id": "price", "text": "Price tags matched", "kind": "check", "photo": "required"},
                {
                    "id": "queue",
                    "text": "Minutes queuing",
                    "kind": "measure",
                    "unit": "min",
                    "better": "lower",
                    "target": 5,
                    "na": True,
                },
                {"id": "story", "text": "What happened", "kind": "text", "min_chars": 20},
                {"id": "storefront", "text": "Storefront", "kind": "photo", "min_photos": 1},
                {"id": "extra", "text": "Extra", "kind": "check", "required": False},
            ],
        },
    ],
}
COMPLETE = {
    "greet-time": "42",
    "smile": "yes",
    "tidy": "4",
    "offer": "none",
    "price": "yes",
    "queue": "na",
    "story": "A calm and friendly visit overall.",
}


@pytest.fixture
def version(db):
    version, _created = import_checklist(db, source=CHECKLIST)
    db.commit()
    return version


def make_visit(db, world, version, *, shopper="shopper", status=VisitStatus.assigned, **fields):
    window = {
        "due_from": datetime(2026, 1, 1, tzinfo=UTC),
        "due_until": datetime(2030, 1, 1, tzinfo=UTC),
    }
    visit = Visit(
        branch_id=world["branches"]["E1"].id,
        shopper_id=world["users"][shopper].id,
        checklist_version_id=version.id,
        status=status,
        **(window | fields),
    )
    db.add(visit)
    db.commit()  # kept when a failing request rolls the session back (all undone after the test)
    return visit


@pytest.fixture
def visit(db, world, version):
    return make_visit(db, world, version)


@pytest.fixture(autouse=True)
def media_dir(tmp_path, monkeypatch):
    """Photos of each test go to their own directory."""
    from app.settings import get_settings

    monkeypatch.setattr(get_settings(), "media_dir", tmp_path / "media")
    return tmp_path / "media"
