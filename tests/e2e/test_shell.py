"""Every demo user logs in and sees their home, in English and Chinese, on a phone and a desktop."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in, shot

HEADINGS = {
    "shopper": ("My visits", "我的访问"),
    "reviewer": ("Review queue", "审核队列"),
    "manager": ("My regions", "我的区域"),
    "admin": ("Dashboard", "总览"),
}


@pytest.mark.e2e
@pytest.mark.parametrize("role", list(HEADINGS))
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_role_home_in_both_languages(request, live_server, role, size):
    page = request.getfixturevalue(size)
    log_in(page, live_server, role)
    english, chinese = HEADINGS[role]
    assert page.locator("h1").first.inner_text() == english
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow, "the page scrolls sideways"
    shot(page, f"home-{role}-{size}-en")
    with page.expect_navigation():
        page.click(".lang-switch button")
    assert page.locator("h1").first.inner_text() == chinese
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    shot(page, f"home-{role}-{size}-zh")
    with page.expect_navigation():  # leave the account in English for other tests
        page.click(".lang-switch button")
