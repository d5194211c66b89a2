"""The phone's completeness interpreter (static/completeness.js) gives the core's verdicts.

The page's script runs in Debian's chromium on the rules the server sends the page
(`completeness_rules`) and on each case's answers and photo counts; what it finds must be
exactly what `app.scoring.completeness` finds, item by item and in the same order, and it
must show and hide the same items as the core's `when` rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.scoring import (
    Checklist,
    completeness,
    completeness_rules,
    photo_requirements,
    visible_items,
)
from tests.scoring.completeness_cases import (
    EXTENDED_CASES,
    SYNTHETIC_CASES,
    demo,
    demo_cases,
    extended,
    synthetic,
)

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "app" / "static" / "completeness.js"
RUN = """([rules, cases]) => cases.map(([answers, photos]) => ({
  problems: SMCompleteness.problems(rules, answers, photos),
  shown: Object.keys(SMCompleteness.shown(rules, answers)),
}))"""
# The extensions: each case has its own rules (the visit's variant travels in them),
# comments, and the photos the page would ask for.
RUN_EXTENDED = """(cases) => cases.map(([rules, answers, photos, comments]) => ({
  problems: SMCompleteness.problems(rules, answers, photos, comments),
  shown: Object.keys(SMCompleteness.shown(rules, answers)),
  photos: SMCompleteness.photoNeeds(rules, answers),
}))"""


@pytest.fixture(scope="module")
def interpreter(browser):
    """A blank page with only the phone's completeness script loaded."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>completeness</title>")
    page.add_script_tag(path=str(SCRIPT))
    yield page
    context.close()


def _cases(name: str) -> tuple[Checklist, list[tuple[str, dict[str, Any], dict[str, int]]]]:
    if name == "synthetic":
        return synthetic(), [case[:3] for case in SYNTHETIC_CASES]
    return demo(), demo_cases()


@pytest.mark.parametrize("name", ["synthetic", "demo"])
def test_the_phone_and_the_core_give_the_same_verdicts(interpreter, name):
    checklist, cases = _cases(name)
    assert len(cases) >= 20
    verdicts = interpreter.evaluate(
        RUN, [completeness_rules(checklist), [[answers, photos] for _n, answers, photos in cases]]
    )
    order = [item.id for item in checklist.all_items()]
    for (case, answers, photos), verdict in zip(cases, verdicts, strict=True):
        expected = [
            {"item_id": p.item_id, "kind": p.kind, "needed": p.needed}
            for p in completeness(checklist, answers, photos)
        ]
        assert verdict["problems"] == expected, case
        shown = visible_items(checklist, answers)
        assert verdict["shown"] == [i for i in order if i in shown], case


def test_the_phone_reads_the_extensions_as_the_core_does(interpreter):
    """Comments, answer-dependent photos, N/A options, section conditions, not_in, variants."""
    checklist = extended()
    assert len(EXTENDED_CASES) >= 12
    verdicts = interpreter.evaluate(
        RUN_EXTENDED,
        [
            [completeness_rules(checklist, variant), answers, photos, comments]
            for _n, answers, photos, comments, variant, _p in EXTENDED_CASES
        ],
    )
    order = [item.id for item in checklist.all_items()]
    for (case, answers, photos, comments, variant, listed), verdict in zip(
        EXTENDED_CASES, verdicts, strict=True
    ):
        found = completeness(checklist, answers, photos, comments=comments, variant=variant)
        expected = [{"item_id": p.item_id, "kind": p.kind, "needed": p.needed} for p in found]
        assert [(p["item_id"], p["kind"], p["needed"]) for p in expected] == listed, case
        assert verdict["problems"] == expected, case
        shown = visible_items(checklist, answers, variant)
        assert verdict["shown"] == [i for i in order if i in shown], case
        assert verdict["photos"] == photo_requirements(checklist, answers, variant), case
