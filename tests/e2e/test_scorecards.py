"""The manager's scorecards in a real browser: overview and a branch, phone and desktop.

Screenshots land in tests/output/ (scorecards-*.png) for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in, shot


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.e2e
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_overview_and_branch_scorecard(request, live_server, size):
    page = request.getfixturevalue(size)
    log_in(page, live_server, "manager")
    page.goto(live_server.url + "/scorecards")
    assert page.locator("h1").first.inner_text() == "Scorecards"
    assert page.locator("#results svg[role=img]").count() == 1
    assert page.locator(".warning-row").count() >= 1  # the demo has slipping branches
    assert _no_sideways_scroll(page), "the overview scrolls sideways"
    shot(page, f"scorecards-overview-{size}")

    # Switching the wave swaps the results in place and updates the address.
    options = page.locator("select[name=wave] option")
    older = options.nth(1).get_attribute("value")
    page.select_option("select[name=wave]", older)
    page.wait_for_function(f"location.search.includes('wave={older}')")  # hx-push-url
    page.wait_for_load_state("networkidle")
    assert page.locator("header.topbar").count() == 1  # not a page inside the page
    assert page.locator("select[name=wave]").input_value() == older

    page.locator(".warning-row a").first.click()
    page.wait_for_url("**/scorecards/branches/**")
    assert page.locator("#results svg[role=img]").count() == 3
    assert page.locator(".callout-weakest").count() == 1
    assert _no_sideways_scroll(page), "the scorecard scrolls sideways"
    shot(page, f"scorecards-branch-{size}")

    page.locator(".failed-list a").first.click()
    page.wait_for_url("**/standards/**")
    assert page.locator("form.action-form").count() == 1
    assert _no_sideways_scroll(page)
    shot(page, f"scorecards-standard-{size}")
