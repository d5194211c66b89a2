"""What a reviewer and a manager read: delighters not seen, one decimal, standards by text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.models import VisitStatus
from tests.admin.factories import GOOD_ANSWERS, make_visit, make_wave, mini_version
from tests.conftest import login


def _visit(db, world, **answers):
    version = mini_version(db)
    branch = world["branches"]["E1"]
    wave = make_wave(db, version, [branch])
    values = {**GOOD_ANSWERS, **answers}
    values = {k: v for k, v in values.items() if v is not None}
    return make_visit(db, version, branch, wave=wave, answers=values)


def test_review_page_delighter_not_seen_and_names(client, db, world):
    visit = _visit(db, world, name="no", greet=None)
    login(client, "reviewer", "reviewer-pass")
    page = client.get(f"/review/{visit.id}").text
    name_item = page[page.index('id="item-name"') - 40 : page.index('id="item-name"') + 600]
    assert "Not seen" in name_item and "is-failed" not in name_item and "✗" not in name_item
    # the text, not "greet", between Unicode isolates (a checklist text in an interface sentence)
    assert "Required answers missing: \u2068Greeted\u2069" in page
    assert re.findall(r'moment-score">(\d+\.\d)%', page), "section compliance has one decimal"
    assert "<code>greet</code>" not in page and "<code>name</code>" not in page


def test_scorecard_visit_delighter_not_seen(client, db, world):
    visit = _visit(db, world, name="no")
    visit.status = VisitStatus.approved
    visit.approved_at = datetime.now(UTC)
    db.flush()
    login(client, "manager", "manager-pass")
    page = client.get(f"/scorecards/visits/{visit.id}").text
    line = page[page.index('id="i-name"') - 40 : page.index('id="i-name"') + 400]
    assert "Not seen" in line and "answer-failed" not in line and "Not met" not in line
