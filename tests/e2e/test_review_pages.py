"""The reviewer's page at desktop size, and HQ's admin pages on a phone (no sideways scroll)."""

from __future__ import annotations

import re

import pytest

from app.scoring import parse_checklist
from app.services.demo import DEMO_CHECKLIST
from tests.e2e.conftest import log_in, shot

SLACK_MS = 45000  # the machine is shared: allow a slow first response, never a wrong one

ADMIN_PAGES = [
    "/admin/checklists",
    "/admin/checklists/retail-visit/1",
    "/admin/branches",
    "/admin/branches/new",
    "/admin/branches/import",
    "/admin/regions",
    "/admin/users",
    "/admin/users/new",
    "/admin/waves",
    "/admin/waves/new",
    "/admin/agencies",
    "/review",
]


@pytest.mark.e2e
def test_review_page_at_desktop(live_server, desktop):
    desktop.set_default_timeout(SLACK_MS)
    log_in(desktop, live_server, "reviewer")
    desktop.click("text=Review the oldest visit")
    desktop.wait_for_url(re.compile(r"/review/\d+$"))
    assert desktop.locator("h1").inner_text().startswith("Visit #")
    sections = parse_checklist(DEMO_CHECKLIST.read_text(encoding="utf-8")).sections
    assert desktop.locator(".moment-block").count() == len(sections)
    assert desktop.locator(".big-score .score").is_visible()
    approve = desktop.get_by_role("button", name="Approve")
    box = approve.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, "Approve is below the fold"
    assert desktop.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(desktop, "review-desktop")

    # A correction is saved in place (HTMX) and shows up in the audit trail.
    item = desktop.locator("article.answer", has=desktop.locator("select[name=value]")).first
    item.locator("summary", has_text="Correct this answer").click()
    select = item.locator("select[name=value]")
    options = [o for o in select.locator("option").all_inner_texts() if o != "Choose…"]
    current = select.input_value()
    choice = next(
        v
        for v in select.locator("option").evaluate_all("els => els.map(e => e.value)")
        if v and v != current
    )
    select.select_option(choice)
    item.locator("input[name=reason]").fill("Checked against the shopper's photo")
    url = desktop.url
    item.get_by_role("button", name="Save correction").click()
    desktop.locator(".review-notice").wait_for()
    assert desktop.url == url and options
    assert "Checked against the shopper's photo" in desktop.locator(".trail").inner_text()
    assert item.locator(".inline-notice").is_visible()
    desktop.evaluate("window.scrollTo(0, 0)")  # a full-page shot draws the sticky bar here
    shot(desktop, "review-desktop-corrected")


@pytest.mark.e2e
def test_admin_pages_fit_a_phone(live_server, phone):
    phone.set_default_timeout(SLACK_MS)
    log_in(phone, live_server, "admin")
    for path in ADMIN_PAGES:
        phone.goto(live_server.url + path)
        assert phone.locator("h1").count() == 1, path
        fits = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, f"{path} scrolls sideways"
    phone.goto(live_server.url + "/admin/waves")
    phone.locator("table.data a").first.click()
    phone.wait_for_url(re.compile(r"/admin/waves/\d+$"))
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "admin-wave-phone")
