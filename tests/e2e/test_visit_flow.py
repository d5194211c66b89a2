"""A mystery shopper does a whole visit on a 360x740 phone in Debian's chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.e2e.conftest import device_now, install_clock, log_in, shot, switch_language
from tests.visit.e2e_support import (
    answer_everything,
    demo_server,
    json_value,
    open_due_visit,
    outbox,
    photo_file,
    query,
    settle,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("visit-live"))
    server.start()
    yield server
    server.kill()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def stored(server, visit_id: int) -> dict:
    rows = query(
        server, "SELECT item_id, value, na, comment FROM answer WHERE visit_id = :v", v=visit_id
    )
    return {
        item: (json_value(server, value), bool(na), comment) for item, value, na, comment in rows
    }


def test_a_shopper_does_a_visit_on_a_phone(server, phone):
    page = phone
    install_clock(page, device_now() - timedelta(minutes=30))
    log_in(page, server, "shopper")
    assert page.locator("h1").inner_text() == "My visits"
    assert page.locator(".group-due .visit-card").count() >= 1
    assert no_sideways_scroll(page)
    shot(page, "visit-01-home")

    visit_id = open_due_visit(page)
    assert page.locator("#brief").is_visible()
    assert "5G phone" in page.locator("#brief").inner_text()  # the scenario, before the visit
    shot(page, "visit-02-brief")
    page.click("form[data-start] button")
    page.wait_for_selector("#checklist:not([data-not-started])")
    settle(page)
    assert query(server, "SELECT status FROM visit WHERE id = :v", v=visit_id) == [("in_progress",)]
    assert "0 of" in page.locator("[data-progress]").inner_text()

    # time the greeting with the stopwatch; it keeps running across moments and a reload
    page.clock.pause_at(device_now() - timedelta(minutes=20))
    page.click("#i-greet-time [data-sw-toggle]")
    page.clock.fast_forward(20_000)
    page.click("[data-next]")
    page.reload()
    assert page.locator(".mot.current").get_attribute("data-section") == "needs"
    chip = page.locator("[data-timer-chip] button")
    assert chip.is_visible()
    page.clock.fast_forward(22_000)
    shot(page, "visit-03-timer-running-elsewhere")
    chip.click()
    assert page.locator(".mot.current").get_attribute("data-section") == "arrival"
    page.click("#i-greet-time [data-sw-toggle]")
    page.clock.resume()
    assert page.locator("#i-greet-time input[type=number]").input_value() == "42"

    # every kind of item: check, rating, measure with comment, photo
    page.click("#i-greeting-words .q-opt-yes span")
    page.click("#i-staff-appearance .q-opt-no span")
    page.click("#i-store-tidy .q-opt:nth-child(4) span")
    page.fill("#i-staff-on-floor input[type=number]", "2")
    page.click("#i-staff-on-floor summary")
    page.fill("#i-staff-on-floor textarea[name^='c.']", "One was on the phone")
    page.locator("#i-storefront [data-photo-input]").first.set_input_files(photo_file())
    page.locator("#i-store-tidy [data-photo-input]").last.set_input_files(photo_file("tidy.jpg"))
    page.wait_for_selector("#i-storefront .q-thumb[data-photo-id]")
    page.wait_for_selector("#i-store-tidy .q-thumb[data-photo-id]")
    settle(page)
    assert page.locator("#i-storefront .q-thumb").count() == 1
    assert page.locator("#i-greeting-words [data-save]").inner_text() == "Saved"
    shot(page, "visit-04-arrival-answered")

    # choice with skip logic, N/A, narrative with a live count
    page.click("[data-overview]")
    page.click("[data-goto=product]")
    terms = page.locator("#i-offer-terms")
    assert terms.is_hidden()
    page.click("#i-offer .q-opt:has(input[value=current]) span")
    assert terms.is_visible()
    page.click("#i-offer .q-opt:has(input[value=none]) span")
    assert terms.is_hidden()
    page.click("#i-offer .q-opt:has(input[value=old]) span")
    page.click("#i-trade-in .q-opt-na span")
    page.click("#i-knowledge .q-opt:has(input[value='8']) span")
    shot(page, "visit-05-product")
    page.click("[data-next]")
    story = page.locator("#i-complaint-story textarea[name^='v.']")
    story.fill("Too slow")
    assert page.locator("#i-complaint-story [data-chars]").inner_text() == (
        "8 of at least 80 characters"
    )
    page.click("[data-next]")
    page.click("#i-queue-time .na-toggle")
    assert page.locator("#i-queue-time input[type=number]").is_disabled()
    settle(page)
    shot(page, "visit-06-checkout")

    saved = stored(server, visit_id)
    assert saved["greet-time"][0] == 42
    assert saved["staff-on-floor"] == (2, False, "One was on the phone")
    assert saved["offer"][0] == "old" and saved["trade-in"][1]
    assert saved["queue-time"][1] and saved["complaint-story"][0] == "Too slow"

    # reload: everything is still there
    page.reload()
    page.click("[data-overview]")
    page.click("[data-goto=arrival]")
    assert page.locator("#i-greet-time input[type=number]").input_value() == "42"
    assert page.locator("#i-greeting-words input[value=yes]").is_checked()
    assert page.locator("#i-staff-appearance input[value=no]").is_checked()
    assert page.locator("#i-store-tidy input[value='4']").is_checked()
    assert page.locator("#i-staff-on-floor textarea[name^='c.']").input_value() == (
        "One was on the phone"
    )
    assert page.locator("#i-storefront .q-thumb img").count() == 1
    assert page.locator("#i-store-tidy .q-thumb img").count() == 1
    assert page.locator("#i-offer input[value=old]").is_checked()
    assert page.locator("#i-offer-terms").get_attribute("hidden") is None  # shown by skip logic
    assert page.locator("#i-trade-in input[value=na]").is_checked()
    assert page.locator("#i-queue-time .na-toggle input").is_checked()
    assert page.locator("#i-complaint-story textarea[name^='v.']").input_value() == "Too slow"
    assert no_sideways_scroll(page)

    # submit with things missing: the list, with links to each item
    page.click("[data-overview]")
    page.click("[data-goto=finish]")
    assert page.locator("[data-missing-list] li").count() > 3
    shot(page, "visit-07-finish-missing")
    page.click("form[data-submit] button")
    page.wait_for_selector("[data-refused]:visible")  # refused on the phone: the list, live
    assert page.locator("#problems").count() == 0  # the server was not asked
    assert [e for e in outbox(page) if e[0] == "submit"] == []  # and nothing was queued
    assert page.locator(".mot.current").get_attribute("data-section") == "finish"
    missing = page.locator("[data-missing-list]")
    assert missing.locator("li").count() > 3
    assert missing.locator("a[href='#i-complaint-story']").count() == 1
    assert "at least 80 characters" in missing.inner_text()
    shot(page, "visit-08-cannot-submit")
    missing.locator("a[href='#i-complaint-story']").click()
    assert page.locator(".mot.current").get_attribute("data-section") == "complaint"
    assert page.locator("#i-complaint-story").is_visible()

    # complete and submit
    answer_everything(page)
    assert page.locator("[data-missing]").is_hidden()
    assert page.locator("[data-ready]").is_visible()
    page.click("form[data-submit] button")
    page.wait_for_selector(".submitted-banner")
    assert "can no longer be changed" in page.locator(".submitted-banner").inner_text()
    assert page.locator("input[type=radio], textarea").count() == 0
    assert "42 s" in page.locator("#i-greet-time").inner_text()
    shot(page, "visit-09-submitted")
    status, time_in, time_out = query(
        server, "SELECT status, time_in, time_out FROM visit WHERE id = :v", v=visit_id
    )[0]
    assert status == "submitted" and time_in is not None and time_out is not None
    assert query(
        server, "SELECT score IS NOT NULL FROM visitscore WHERE visit_id = :v", v=visit_id
    ) == [(True,)]
    assert query(server, "SELECT action FROM auditevent WHERE visit_id = :v", v=visit_id) == [
        ("submitted",)
    ]
    page.goto(server.url + "/")
    assert page.locator(f".group-submitted a[href='/visits/{visit_id}']").count() == 1


def test_the_checklist_in_chinese(server, phone):
    page = phone
    log_in(page, server, "shopper")
    switch_language(page)
    try:
        open_due_visit(page)
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        if page.locator("form[data-start]").count():
            assert "开始访问" in page.locator("form[data-start] button").inner_text()
            shot(page, "visit-10-brief-zh")
            page.click("form[data-start] button")
            page.wait_for_selector("#checklist:not([data-not-started])")
        assert re.search(r"必答", page.locator("[data-progress]").inner_text())
        assert "进店接待" in page.locator(".mot.current h2").inner_text()
        assert no_sideways_scroll(page)
        shot(page, "visit-11-checklist-zh")
    finally:
        switch_language(page)
