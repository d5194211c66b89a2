"""A small, fixed programme whose scorecard figures are computed by hand in the tests.

Checklist (adequate 70, desired 90, critical cap 0, alert drop 10):
- arrival (weight 2): greet check must 1 pt; wait measure lower 30..90 performance 2 pts (support)
- checkout (weight 1): receipt check performance critical; name check delight
- restroom (weight 1): clean check must, N/A allowed

Region E: E1, E2 and the competitor EC; region S: S1. Waves W1 then W2, same checklist.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.models import Answer, Branch, Visit, Wave, WaveBranch

CHECKLIST = {
    "format": 1,
    "code": "sc-test",
    "name": {"en": "Scorecard test", "zh-CN": "测试"},
    "adequate": 70,
    "desired": 90,
    "critical_cap": 0,
    "alert_drop": 10,
    "sections": [
        {
            "id": "arrival",
            "title": {"en": "Arrival", "zh-CN": "进店"},
            "weight": 2,
            "items": [
                {
                    "id": "greet",
                    "text": {"en": "Greeted", "zh-CN": "问候"},
                    "kind": "check",
                    "kano": "must",
                },
                {
                    "id": "wait",
                    "text": {"en": "Wait", "zh-CN": "等待"},
                    "kind": "measure",
                    "better": "lower",
                    "target": 30,
                    "limit": 90,
                    "points": 2,
                    "dimension": "support",
                    "unit": {"en": "s", "zh-CN": "秒"},
                },
            ],
        },
        {
            "id": "checkout",
            "title": {"en": "Checkout", "zh-CN": "结账"},
            "items": [
                {
                    "id": "receipt",
                    "text": {"en": "Receipt", "zh-CN": "小票"},
                    "kind": "check",
                    "critical": True,
                },
                {
                    "id": "name",
                    "text": {"en": "Name used", "zh-CN": "称呼"},
                    "kind": "check",
                    "kano": "delight",
                },
            ],
        },
        {
            "id": "restroom",
            "title": {"en": "Restroom", "zh-CN": "洗手间"},
            "items": [
                {
                    "id": "clean",
                    "text": {"en": "Clean", "zh-CN": "干净"},
                    "kind": "check",
                    "kano": "must",
                    "na": True,
                },
            ],
        },
    ],
}

# (wave, branch, answers) of approved visits; a submitted one is added apart.
VISITS = [
    ("W1", "E1", {"greet": "yes", "wait": 30, "receipt": "yes", "name": "yes", "clean": "yes"}),
    ("W1", "E1", {"greet": "yes", "wait": 60, "receipt": "yes", "name": "no", "clean": "na"}),
    ("W1", "E2", {"greet": "no", "wait": 90, "receipt": "yes", "name": "no", "clean": "yes"}),
    ("W1", "EC", {"greet": "yes", "wait": 30, "receipt": "yes", "name": "no", "clean": "yes"}),
    ("W1", "S1", {"greet": "yes", "wait": 30, "receipt": "yes", "name": "yes", "clean": "yes"}),
    ("W2", "E1", {"greet": "yes", "wait": 90, "receipt": "no", "name": "yes", "clean": "na"}),
    ("W2", "E1", {"greet": "yes", "wait": 30, "receipt": "yes", "name": "no", "clean": "yes"}),
    ("W2", "E2", {"greet": "yes", "wait": 30, "receipt": "yes", "name": "no", "clean": "na"}),
    ("W2", "EC", {"greet": "yes", "wait": 60, "receipt": "yes", "name": "no", "clean": "yes"}),
]
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def approx(value: float, digits: int = 6):
    return pytest.approx(value, abs=10**-digits)


def add_visit(db, *, wave, branch, answers, status="approved", approved_at=None, shopper=None):
    from app.services.scoring import record_score

    start = datetime.combine(wave.starts_on, datetime.min.time(), UTC) + timedelta(days=3)
    visit = Visit(
        branch_id=branch.id,
        wave_id=wave.id,
        shopper_id=shopper.id if shopper else None,
        checklist_version_id=wave.checklist_version_id,
        status=status,
        time_in=start,
        time_out=start + timedelta(minutes=20),
        submitted_at=start + timedelta(minutes=30),
        approved_at=(approved_at or NOW) if status == "approved" else None,
    )
    db.add(visit)
    db.flush()
    for item_id, value in answers.items():
        na = value == "na"
        db.add(
            Answer(
                visit_id=visit.id,
                item_id=item_id,
                value=None if na else value,
                na=na,
                comment=f"note on {item_id}",
            )
        )
    db.flush()
    record_score(db, visit=visit)
    return visit


@pytest.fixture
def scdata(db, world):
    """The fixed data set on top of `world` (E1, E2, S1, users): returns names -> objects."""
    from app.services.checklists import import_checklist

    version, _created = import_checklist(db, source=CHECKLIST)
    branches = dict(world["branches"])
    branches["EC"] = Branch(
        code="EC", name="Rival East", region_id=world["regions"]["E"].id, competitor=True
    )
    db.add(branches["EC"])
    db.flush()
    waves = {
        "W1": Wave(
            name="Wave 1",
            starts_on=date(2026, 1, 5),
            ends_on=date(2026, 3, 27),
            checklist_version_id=version.id,
            visits_per_branch=2,
        ),
        "W2": Wave(
            name="Wave 2",
            starts_on=date(2026, 4, 6),
            ends_on=date(2026, 6, 26),
            checklist_version_id=version.id,
            visits_per_branch=2,
        ),
    }
    db.add_all(waves.values())
    db.flush()
    for wave in waves.values():
        db.add_all(WaveBranch(wave_id=wave.id, branch_id=b.id) for b in branches.values())
    visits = [
        add_visit(
            db, wave=waves[w], branch=branches[b], answers=a, shopper=world["users"]["shopper"]
        )
        for w, b, a in VISITS
    ]
    pending = add_visit(
        db,
        wave=waves["W2"],
        branch=branches["E2"],
        status="submitted",
        answers={"greet": "no", "wait": 90, "receipt": "no", "name": "no", "clean": "no"},
        shopper=world["users"]["shopper"],
    )
    db.flush()
    return {
        **world,
        "branches": branches,
        "waves": waves,
        "visits": visits,
        "pending": pending,
        "version": version,
    }
