"""The branch-facing PDF shows a visit's times to the quarter hour (the fixture's are HH:05)."""

from __future__ import annotations

import re

from app.reports.service import branch_report
from tests.reports.conftest import pdf_text


def test_the_branch_pdf_shows_quarter_hours(db, programme):
    branch, wave = programme.branches["E1"], programme.waves[-1]
    text = pdf_text(branch_report(db, user=None, branch=branch, wave=wave, lang="en").pdf)
    times = re.findall(r"Time (?:in|out)\s*(\d\d):(\d\d)", text)
    assert times and all(minute in ("00", "15", "30", "45") for _hour, minute in times)
