"""The API documentation renders in a browser that can reach nothing but our server.

Every request to another host is refused and recorded: the pages must draw the agencies'
operations anyway, and must not even have tried to fetch anything from outside.
Screenshots: tests/output/api-docs-swagger.png, api-docs-redoc.png.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import DESKTOP, shot


def _offline_page(browser):
    """A page whose requests to any host but 127.0.0.1 fail; returns it and the list of those."""
    context = browser.new_context(viewport=DESKTOP)
    refused: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(30000)  # the first load compresses a 2 MB bundle
    return context, page, refused


@pytest.mark.e2e
def test_swagger_ui_renders_the_operations_offline(browser, live_server):
    context, page, refused = _offline_page(browser)
    try:
        page.goto(live_server.url + "/docs")
        operations = page.locator(".opblock .opblock-summary-path")
        operations.first.wait_for()
        paths = operations.all_inner_texts()
        assert any(p.startswith("/api/v1/visits") for p in paths), paths
        assert page.locator(".opblock-get").count() >= 1
        assert page.locator(".opblock-post").count() >= 1
        page.locator(".opblock-summary").first.click()  # an operation opens and shows details
        page.locator(".opblock-body").first.wait_for()
        assert page.locator(".swagger-ui .info .title").inner_text().startswith("ShopMirror")
        shot(page, "api-docs-swagger")
        assert refused == []
    finally:
        context.close()


@pytest.mark.e2e
def test_redoc_renders_the_operations_offline(browser, live_server):
    context, page, refused = _offline_page(browser)
    try:
        page.goto(live_server.url + "/redoc")
        sections = page.locator("[data-section-id^='operation/']")
        sections.first.wait_for()
        assert sections.count() >= 2
        heading = page.locator("h1").first.inner_text()
        assert heading.startswith("ShopMirror"), heading
        assert page.get_by_text("/api/v1/visits", exact=False).count() >= 1
        shot(page, "api-docs-redoc")
        assert refused == []
    finally:
        context.close()
