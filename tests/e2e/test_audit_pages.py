"""HQ's privacy and audit pages in a real browser at 1280x800, in English and Chinese.

HQ records on a branch's page that its staff were informed of mystery shopping; the branch
list shows it; the audit trail shows the change (who, from where, before and after), filtered
to branches, with no column scrolled out of sight; the security log shows HQ's login.
Screenshots: tests/output/audit-*.png.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import logged_in_language, server_now, shot
from tests.visit.e2e_support import demo_server, query

pytestmark = pytest.mark.e2e

FITS = """() => [document.scrollingElement, ...document.querySelectorAll('.table-wrap')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.tagName)"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("audit-live"))
    server.start()
    yield server
    server.kill()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_staff_informed_and_the_audit_trail_at_1280(desktop, server, language):
    page = desktop
    with logged_in_language(page, server, "admin", language):
        _check(page, server, language)


def _check(page, server, language):
    branch_id, code = query(server, "SELECT id, code FROM branch ORDER BY code LIMIT 1")[0]
    who = "Zhang Wei (RM)" if language == "en" else "区域经理 张伟"
    page.goto(f"{server.url}/admin/branches/{branch_id}")
    informed_on = (server_now() - timedelta(days=30)).date().isoformat()  # a past day
    page.fill("input[name=staff_informed_on]", informed_on)
    page.fill("input[name=staff_informed_by]", who)
    page.click("#staff-informed button")
    expect(page.locator("#staff-informed p.muted")).to_contain_text(who)
    shot(page, f"audit-branch-staff-informed-{language}")

    page.goto(f"{server.url}/admin/branches")
    assert who in page.locator("tbody tr", has_text=code).first.inner_text()

    page.goto(server.url + "/")
    page.click("a[href='/admin/audit']")  # from the dashboard's set-up section
    page.wait_for_url(lambda url: url.endswith("/admin/audit"))
    bar = page.locator(".topbar").bounding_box()
    assert bar is not None and bar["height"] < 70, "the top bar wrapped onto a second row"
    page.select_option("select[name=kind]", "branch")
    page.wait_for_url(lambda url: "kind=branch" in url)
    row = page.locator("#results tbody tr").first
    text = row.inner_text()
    assert code in text and "staff_informed_by" in text and who in text and "admin" in text
    assert ("Changed" if language == "en" else "已修改") in text
    assert page.evaluate(FITS) == [], "a column of the audit trail is scrolled out of sight"
    shot(page, f"audit-trail-{language}")

    page.goto(f"{server.url}/admin/security?kind=login")
    first = page.locator("#results tbody tr").first.inner_text()
    assert "admin" in first and ("Login" if language == "en" else "登录") in first
    assert page.evaluate(FITS) == []
    shot(page, f"audit-security-log-{language}")
