"""The shopper's visit at 360x740: its due window, Back between moments, a refused photo.

A server of this module's own: the tests move the demo shopper's visit windows in its
database (one due now, one closed, one not open yet) so that the dates they read are known.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton

from tests.e2e.conftest import log_in, server_now, shot
from tests.visit.e2e_support import demo_server, execute, query, settle

pytestmark = pytest.mark.e2e
NOW = server_now().replace(microsecond=0)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("due-live"))
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def visits(server) -> dict[str, tuple[int, str]]:
    """The demo shopper's assigned visits, given windows: due now, closed, not open yet."""
    rows = query(
        server,
        'SELECT v.id, b.timezone FROM visit v JOIN "user" u ON u.id = v.shopper_id '
        "JOIN branch b ON b.id = v.branch_id "
        "WHERE u.username = 'shopper' AND v.status = 'assigned' ORDER BY v.id",
    )
    assert len(rows) >= 3, rows
    windows = {
        "due": (NOW - timedelta(days=1), NOW + timedelta(days=5)),
        "late": (NOW - timedelta(days=9), NOW - timedelta(days=2)),
        "ahead": (NOW + timedelta(days=5), NOW + timedelta(days=11)),
    }
    chosen = {}
    for (key, (start, end)), (visit_id, zone) in zip(windows.items(), rows, strict=False):
        execute(
            server,
            "UPDATE visit SET due_from = :a, due_until = :b WHERE id = :v",
            a=start.replace(tzinfo=None),
            b=end.replace(tzinfo=None),
            v=visit_id,
        )
        chosen[key] = (visit_id, zone)
    return chosen


def day(moment: datetime, zone: str, locale: str) -> str:
    return format_skeleton("MMMd", moment.astimezone(ZoneInfo(zone)), locale=locale)


def switch_language(page) -> None:
    with page.expect_navigation():
        page.click(".lang-switch button")


def current_moment(page) -> str:
    return page.locator(".mot.current").get_attribute("data-section")


def test_a_visit_not_due_yet_cannot_be_started(server, visits, phone):
    page = phone
    visit_id, zone = visits["ahead"]
    log_in(page, server, "shopper")
    page.goto(f"{server.url}/visits/{visit_id}")
    opens = day(NOW + timedelta(days=5), zone, "en")
    button = page.locator("#brief button.start-closed")
    assert button.is_disabled() and button.inner_text() == f"Opens {opens}"
    note = page.locator(".not-due-note").inner_text()
    assert note == f"This visit is not due yet. It opens on {opens}."
    assert page.locator("form[data-start]").count() == 0
    assert page.locator("#checklist, .q-item input").count() == 0  # no answer can be entered
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shot(page, "due-01-not-due-en")
    # the server says the same to anything that tries anyway (an old page, the outbox)
    token = page.locator("input[name=csrf_token]").first.input_value()
    refused = page.request.post(
        f"{server.url}/visits/{visit_id}/start",
        form={"csrf_token": token},
        headers={"accept": "application/json"},
    )
    assert refused.status == 409 and opens in refused.json()["detail"]
    switch_language(page)
    try:
        opens_zh = day(NOW + timedelta(days=5), zone, "zh_CN")
        assert page.locator("#brief button.start-closed").inner_text() == f"{opens_zh} 开放"
        assert opens_zh in page.locator(".not-due-note").inner_text()
        shot(page, "due-02-not-due-zh")
    finally:
        switch_language(page)


def test_a_late_visit_says_its_window_closed_and_can_still_be_done(server, visits, phone):
    page = phone
    visit_id, zone = visits["late"]
    log_in(page, server, "shopper")
    page.goto(f"{server.url}/visits/{visit_id}")
    closed = day(NOW - timedelta(days=2), zone, "en")
    notice = page.locator(".window-closed").inner_text()
    assert notice == f"This visit's window closed on {closed}. You can still finish and submit it."
    assert page.locator("form[data-start] button").is_enabled()
    shot(page, "due-03-late-en")
    page.click("form[data-start] button")
    page.wait_for_selector("#checklist:not([data-not-started])")
    assert page.locator(".window-closed").is_visible()
    switch_language(page)
    try:
        assert (
            day(NOW - timedelta(days=2), zone, "zh_CN")
            in page.locator(".window-closed").inner_text()
        )
        shot(page, "due-04-late-zh")
    finally:
        switch_language(page)


def test_back_returns_to_the_previous_moment_then_leaves(server, visits, phone):
    page = phone
    visit_id, _zone = visits["due"]
    log_in(page, server, "shopper")
    page.locator(f".visit-card a[href='/visits/{visit_id}']").first.click()
    page.wait_for_selector("#checklist[data-restored]", state="attached")
    if page.locator("form[data-start]").is_visible():
        page.click("form[data-start] button")
        page.wait_for_selector("#checklist:not([data-not-started])")
    assert current_moment(page) == "arrival" and page.url.endswith("#s-arrival")
    page.click(".mot-pager [data-next]")
    page.click(".mot-pager [data-next]")
    assert current_moment(page) == "product" and page.url.endswith("#s-product")
    assert page.locator(".mot-num").nth(2).is_visible()  # "3/6" on screen
    shot(page, "due-05-moment-3")
    page.go_back()
    assert current_moment(page) == "needs" and page.url.endswith("#s-needs")
    page.go_back()
    assert current_moment(page) == "arrival" and page.url.endswith("#s-arrival")
    assert page.locator("#s-arrival").is_visible() and not page.locator("#s-needs").is_visible()
    page.go_forward()  # and Forward goes on again
    assert current_moment(page) == "needs"
    page.go_back()
    page.go_back()
    page.wait_for_url(f"{server.url}/")
    assert page.locator("h1").inner_text() == "My visits"
    # an address names its moment: opened afresh, the visit shows that one
    page.goto(f"{server.url}/visits/{visit_id}#s-product")
    page.wait_for_selector("#checklist[data-restored]", state="attached")
    assert current_moment(page) == "product"


def test_a_refused_photo_says_why_in_full_without_a_broken_image(server, visits, phone):
    page = phone
    visit_id, _zone = visits["due"]
    log_in(page, server, "shopper")
    page.goto(f"{server.url}/visits/{visit_id}#s-arrival")
    page.wait_for_selector("#checklist[data-restored]", state="attached")
    if page.locator("form[data-start]").is_visible():
        page.click("form[data-start] button")
        page.wait_for_selector("#checklist:not([data-not-started])")
    item = page.locator("#i-storefront")
    item.locator("[data-photo-input]").last.set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo at all\n" * 20}
    )
    message = item.locator(".photo-refusals li")
    message.wait_for()
    text = message.inner_text()
    assert re.match(r"notes\.txt was not accepted: .{8,}", text), text
    assert item.locator(".q-thumb").count() == 0
    box = message.bounding_box()
    assert box and box["width"] >= 280 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    broken = page.evaluate(
        "[...document.images].filter(i => i.getAttribute('src') && i.complete"
        " && i.naturalWidth === 0).length"
    )
    assert broken == 0
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    message.scroll_into_view_if_needed()
    shot(page, "due-06-photo-refused-en")
    switch_language(page)
    try:
        page.wait_for_selector("#checklist[data-restored]", state="attached")
        again = page.locator("#i-storefront .photo-refusals li")
        assert "notes.txt 未被接受" in again.inner_text()  # the refusal is kept on the phone
        again.scroll_into_view_if_needed()
        shot(page, "due-07-photo-refused-zh")
        again.locator("button").click()  # Discard
        assert page.locator("#i-storefront .photo-refusals").count() == 0
    finally:
        switch_language(page)


def test_an_answer_hidden_again_is_gone_from_the_phone_and_the_server(server, visits, phone):
    page = phone
    visit_id, _zone = visits["due"]
    log_in(page, server, "shopper")
    page.goto(f"{server.url}/visits/{visit_id}#s-product")
    page.wait_for_selector("#checklist[data-restored]", state="attached")
    if page.locator("form[data-start]").is_visible():
        page.click("form[data-start] button")
        page.wait_for_selector("#checklist:not([data-not-started])")
        page.goto(f"{server.url}/visits/{visit_id}#s-product")
    offer, terms = page.locator("#i-offer"), page.locator("#i-offer-terms")
    offer.locator("input[value=current] + span").click()
    terms.locator(".q-opt-yes span").click()
    settle(page)
    answered = "SELECT item_id FROM answer WHERE visit_id = :v AND item_id LIKE 'offer%'"
    assert sorted(r[0] for r in query(server, answered, v=visit_id)) == ["offer", "offer-terms"]
    offer.locator("input[value=none] + span").click()  # the terms are no longer asked
    settle(page)
    assert not terms.is_visible()
    assert [r[0] for r in query(server, answered, v=visit_id)] == ["offer"]
    offer.locator("input[value=current] + span").click()  # asked again: a blank question
    assert terms.is_visible() and terms.locator("input:checked").count() == 0
    settle(page)
    page.reload()
    page.wait_for_selector("#checklist[data-restored]", state="attached")
    assert page.locator("#i-offer-terms input:checked").count() == 0
