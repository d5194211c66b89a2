"""Submitting a visit at 360x740, as a shopper would, often with no signal.

The phone checks completeness with the server's own rules before anything is queued; a
complete submission waits in the outbox behind the answers and photos and is sent once,
from the visit, the home page or the service worker; a refusal says why, on the visit and
on the home page; log out and the language switch say when they need the connection; a
session that ended while changes wait asks for a login that comes back to the visit.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import PHONE, await_background_sync, log_in, server_now, shot
from tests.visit.e2e_support import (
    answer_everything,
    answer_item,
    controlled_by_the_worker,
    demo_server,
    execute,
    outbox,
    query,
    settle,
)

pytestmark = pytest.mark.e2e
PHONE_OPTIONS = {"viewport": PHONE, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("submission-live"))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def phone(browser):
    """A phone of its own per test (its outbox and cached pages start empty)."""
    context = browser.new_context(**PHONE_OPTIONS)
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


def _now() -> str:
    return server_now().replace(tzinfo=None).isoformat(sep=" ")


def user_id(server, username: str) -> int:
    return query(server, 'SELECT id FROM "user" WHERE username = :u', u=username)[0][0]


def fresh_visit(server) -> int:
    """The shopper's first visit due now, put back to "assigned" with nothing answered."""
    shopper = user_id(server, "shopper")
    now = _now()
    visit_id = query(
        server,
        "SELECT id FROM visit WHERE shopper_id = :s AND due_from <= :now AND due_until >= :now "
        "AND status != 'approved' ORDER BY id LIMIT 1",
        s=shopper,
        now=now,
    )
    if not visit_id:  # every due visit was given away by an earlier test: take one back
        visit_id = query(
            server,
            "SELECT id FROM visit WHERE due_from <= :now AND due_until >= :now "
            "AND status != 'approved' AND shopper_id IS NOT NULL ORDER BY id LIMIT 1",
            now=now,
        )
    (vid,) = visit_id[0]
    # an earlier test may have left the shopper in Chinese
    execute(server, "UPDATE \"user\" SET language = 'en' WHERE id = :s", s=shopper)
    for table in ("answer", "photo", "auditevent", "visitscore", "dispute"):
        execute(server, f"DELETE FROM {table} WHERE visit_id = :v", v=vid)
    execute(
        server,
        "UPDATE visit SET status = 'assigned', shopper_id = :s, time_in = NULL, time_out = NULL, "
        "submitted_at = NULL, review_notes = NULL WHERE id = :v",
        s=shopper,
        v=vid,
    )
    return vid


def open_visit(page, server, visit_id: int) -> None:
    """From the home page, tap the visit's card; start it if it is not started."""
    page.goto(server.url + "/")
    page.click(f".visit-card[data-visit='{visit_id}'] .visit-go")
    page.wait_for_selector("#checklist[data-restored]", state="attached")
    if page.locator("form[data-start]").is_visible():
        page.click("form[data-start] button")
    page.wait_for_selector("#checklist:not([data-not-started])")
    settle(page)


def wait_until_cached(page, url: str) -> None:
    page.wait_for_function(
        f"async () => !!(await caches.match('{url}', {{cacheName: 'sm-pages'}}))"
    )


def go_to_finish(page) -> None:
    page.click("[data-overview]")
    page.click("[data-goto=finish]")


def submissions(server, visit_id: int) -> list[tuple]:
    return query(
        server,
        "SELECT action FROM auditevent WHERE visit_id = :v AND action IN "
        "('submitted', 'resubmitted')",
        v=visit_id,
    )


def status_of(server, visit_id: int) -> str:
    return query(server, "SELECT status FROM visit WHERE id = :v", v=visit_id)[0][0]


def to_chinese(page) -> None:
    page.click("form.lang-switch button[value=zh_CN]")
    page.wait_for_function("document.documentElement.lang.startsWith('zh')")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_submit_with_something_missing_lists_it_on_the_phone_and_queues_nothing(
    server, phone, language
):
    page = phone
    visit_id = fresh_visit(server)
    log_in(page, server, "shopper")
    if language == "zh_CN":
        to_chinese(page)
    open_visit(page, server, visit_id)
    page.context.set_offline(True)
    page.click("#i-greeting-words .q-opt-yes span")
    go_to_finish(page)
    page.click("form[data-submit] button")

    refused = page.locator("[data-refused]")
    refused.wait_for()
    missing = page.locator("[data-missing-list]")
    assert missing.locator("li").count() > 3
    assert page.locator("[data-ready]").is_hidden()  # never beside "everything is answered"
    assert [e for e in outbox(page) if e[0] == "submit"] == []  # nothing queued
    assert page.locator("[data-submit-status]").inner_text() == ""  # nothing promised
    assert page.locator("[data-submit-cancel]").is_hidden()
    assert page.locator(".q-item.has-problem .field-error").count() > 0  # marked on the items
    shot(page, f"submission-01-missing-offline-{language}")

    link = missing.locator("a").first
    item_id = link.get_attribute("data-goto-item")
    link.click()
    item = page.locator(f"#i-{item_id}")
    assert item.is_visible()
    assert item.locator(".field-error").count() == 1
    answer_item(page, item_id)
    item.locator(".field-error").wait_for(state="detached")  # fixed: the mark goes at once
    assert "has-problem" not in (item.get_attribute("class") or "")
    go_to_finish(page)
    assert missing.locator(f"a[data-goto-item='{item_id}']").count() == 0
    assert status_of(server, visit_id) == "in_progress"


def test_a_complete_submission_without_signal_waits_and_the_home_page_sends_it_once(server, phone):
    page = phone
    visit_id = fresh_visit(server)
    log_in(page, server, "shopper")
    open_visit(page, server, visit_id)
    wait_until_cached(page, "/")
    wait_until_cached(page, f"/visits/{visit_id}")
    page.context.set_offline(True)
    answer_everything(page, online=False)
    go_to_finish(page)
    assert page.locator("[data-ready]").is_visible()
    page.click("form[data-submit] button")
    page.wait_for_function(
        "document.querySelector('[data-submit-status]').textContent.includes('connection returns')"
    )
    queued = outbox(page)
    assert queued[-1][0] == "submit" and len(queued) > 3  # after the answers and photos
    assert "Submission waiting to send" in page.locator("[data-sync]").inner_text()
    shot(page, "submission-02-waiting-on-the-visit")

    page.goto(server.url + "/")  # still offline: the home page from the phone
    card = page.locator(f".visit-card[data-visit='{visit_id}']")
    note = card.locator("[data-outbox-note]")
    note.wait_for()
    assert note.inner_text() == "Submission waiting to send"
    assert status_of(server, visit_id) == "in_progress"
    shot(page, "submission-03-waiting-on-the-home-page")

    answered: list[str] = []

    def lose_the_first_answer(route):
        answered.append(route.request.method)
        if len(answered) == 1:  # applied by the server, the phone never hears back
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.context.route("**/visits/*/submit", lose_the_first_answer)  # the worker's too
    page.context.set_offline(False)
    page.wait_for_selector(f".group-submitted .visit-card[data-visit='{visit_id}']", timeout=60000)
    assert len(answered) >= 2  # sent again after the lost answer: harmless
    assert status_of(server, visit_id) == "submitted"
    assert submissions(server, visit_id) == [("submitted",)]  # exactly once
    assert (
        query(
            server,
            "SELECT item_id FROM answer WHERE visit_id = :v GROUP BY item_id HAVING COUNT(*) > 1",
            v=visit_id,
        )
        == []
    )
    assert outbox(page) == []
    assert page.locator(f".visit-card[data-visit='{visit_id}'] [data-outbox-note]").is_hidden()
    shot(page, "submission-04-submitted-on-the-home-page")


def test_a_submission_refused_because_the_visit_was_reassigned_says_why(server, phone):
    page = phone
    visit_id = fresh_visit(server)
    log_in(page, server, "shopper")
    open_visit(page, server, visit_id)
    answer_everything(page)
    wait_until_cached(page, "/")
    page.context.set_offline(True)
    go_to_finish(page)
    page.click("form[data-submit] button")
    page.wait_for_selector("[data-submit-cancel]:visible")
    # meanwhile HQ gave the visit to another shopper
    execute(
        server,
        "UPDATE visit SET shopper_id = :s WHERE id = :v",
        s=user_id(server, "shopper2"),
        v=visit_id,
    )
    page.context.set_offline(False)
    refusal = page.locator("[data-submit-refusal]")
    refusal.wait_for()
    assert "given to another shopper" in refusal.inner_text()
    assert page.locator("[data-refused]").is_hidden()  # not a missing answer
    assert outbox(page) == [["submit", None, "refused"]]  # kept, with the reason
    assert page.locator("[data-submit-cancel]").is_hidden()
    shot(page, "submission-05-refused-on-the-visit")

    page.goto(server.url + "/")  # the visit is no longer listed: the refusal still is
    notes = page.locator("[data-outbox-notes]")
    notes.wait_for()
    assert "Submission not accepted" in notes.inner_text()
    assert "given to another shopper" in notes.inner_text()
    assert page.locator(f".visit-card[data-visit='{visit_id}']").count() == 0
    shot(page, "submission-06-refused-on-the-home-page")
    notes.locator("button").click()  # Discard
    notes.wait_for(state="hidden")
    assert outbox(page) == []


def test_a_refusal_for_what_was_missing_clears_as_it_is_fixed(server, phone):
    """The server saw a photo missing that the phone still showed: it says so, then stops."""
    page = phone
    visit_id = fresh_visit(server)
    log_in(page, server, "shopper")
    open_visit(page, server, visit_id)
    answer_everything(page)
    execute(server, "DELETE FROM photo WHERE visit_id = :v AND item_id = 'storefront'", v=visit_id)
    go_to_finish(page)
    assert page.locator("[data-ready]").is_visible()
    page.click("form[data-submit] button")

    page.wait_for_selector("[data-refused]:visible")
    assert page.locator("[data-ready]").is_hidden()  # never both
    missing = page.locator("[data-missing-list]")
    assert missing.locator("a[data-goto-item=storefront]").count() == 1
    assert outbox(page) == [["submit", None, "refused"]]
    shot(page, "submission-07-server-refused-missing")

    missing.locator("a[data-goto-item=storefront]").click()
    storefront = page.locator("#i-storefront")
    assert storefront.locator(".field-error").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    storefront.locator(".q-thumb-del").first.click()  # the photo the server no longer has
    storefront.locator(".q-thumb").wait_for(state="detached")
    assert storefront.locator(".field-error").count() == 1  # still missing, now on the phone too
    answer_item(page, "storefront")  # a new photo
    storefront.locator(".field-error").wait_for(state="detached")
    go_to_finish(page)
    assert page.locator("[data-refused]").is_hidden()
    assert page.locator("[data-ready]").is_visible()
    settle(page)
    assert outbox(page) == []  # the stale refusal is gone
    shot(page, "submission-08-fixed")
    page.click("form[data-submit] button")
    page.wait_for_selector(".submitted-banner")
    assert submissions(server, visit_id) == [("submitted",)]


def test_without_javascript_a_refused_submit_redirects_and_a_reload_sends_nothing(server, browser):
    visit_id = fresh_visit(server)
    context = browser.new_context(java_script_enabled=False, **PHONE_OPTIONS)
    try:
        page = context.new_page()
        log_in(page, server, "shopper")
        page.goto(f"{server.url}/visits/{visit_id}")
        page.click("form[data-start] button")
        page.click("form[data-submit] button")
        page.wait_for_url(lambda url: f"/visits/{visit_id}?missing=1" in url)
        assert page.locator("#problems").is_visible()
        assert page.locator("#problems a[href='#i-storefront']").count() == 1
        shot(page, "submission-09-nojs-missing")
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.reload()
        assert posts == []  # the page is a GET: reloading it submits nothing
        assert page.locator("#problems").is_visible()
    finally:
        context.close()


def test_log_out_and_language_without_signal_say_they_need_the_connection(server, phone):
    page = phone
    visit_id = fresh_visit(server)
    log_in(page, server, "shopper")
    open_visit(page, server, visit_id)
    page.context.set_offline(True)
    page.click("#i-greeting-words .q-opt-no span")
    url = page.url

    page.click("form.lang-switch button")
    note = page.locator("[data-needs-connection]")
    note.wait_for()
    assert "needs a connection" in note.inner_text()
    page.click("form[action='/logout'] button")
    page.wait_for_function(
        "document.querySelector('[data-needs-connection]').textContent.includes('Logging out')"
    )
    assert page.url == url and page.locator("#checklist").is_visible()  # the visit stays open
    assert page.locator("#i-greeting-words input[value=no]").is_checked()
    assert outbox(page) == [["answer", "greeting-words", "waiting"]]
    shot(page, "submission-10-needs-connection")

    page.context.set_offline(False)
    settle(page)
    to_chinese(page)  # with the signal back the switch works, on the same visit
    assert f"/visits/{visit_id}" in page.url
    page.context.set_offline(True)
    page.click("form[action='/logout'] button")
    page.locator("[data-needs-connection]").wait_for()
    assert "退出登录需要网络连接" in page.locator("[data-needs-connection]").inner_text()
    shot(page, "submission-11-needs-connection-zh")
    assert query(
        server,
        "SELECT COUNT(*) FROM answer WHERE visit_id = :v AND item_id = 'greeting-words'",
        v=visit_id,
    ) == [(1,)]


def test_a_session_that_ended_while_changes_wait_logs_in_and_comes_back_to_send_them(server, phone):
    page = phone
    visit_id = fresh_visit(server)
    log_in(page, server, "shopper")
    open_visit(page, server, visit_id)
    page.context.set_offline(True)
    page.click("#i-greeting-words .q-opt-yes span")
    page.click("#i-store-tidy .q-opt:nth-child(4) span")
    execute(  # the session ends while the phone is away
        server,
        "UPDATE usersession SET expires_at = :past WHERE user_id = :u",
        past=(server_now() - timedelta(minutes=1)).replace(tzinfo=None).isoformat(sep=" "),
        u=user_id(server, "shopper"),
    )
    page.context.set_offline(False)
    button = page.locator("[data-sync] [data-login-again]")
    button.wait_for()
    assert "Log in again" in page.locator("[data-sync]").inner_text()
    assert len(outbox(page)) == 2  # nothing dropped
    shot(page, "submission-12-log-in-again")

    button.click()
    page.wait_for_url(lambda url: "/login?next=" in url)
    page.fill("input[name=username]", "shopper")
    page.fill("input[name=password]", "demo-shopper-2026")
    page.click("form[action='/login'] button")
    # The redirect is what counts, not the load event (the page's sync may still be running).
    # By path: the page may already have put its section in the URL (#s-arrival) when the
    # wait begins, and the login page's own URL names the visit in `next`.
    page.wait_for_url(lambda url: urlsplit(url).path == f"/visits/{visit_id}", wait_until="commit")
    page.wait_for_selector("#checklist[data-restored]", state="attached")
    settle(page)
    assert outbox(page) == []
    rows = query(
        server,
        "SELECT item_id, COUNT(*) FROM answer WHERE visit_id = :v GROUP BY item_id",
        v=visit_id,
    )
    assert dict(rows) == {"greeting-words": 1, "store-tidy": 1}
    assert "All changes sent" in page.locator("[data-sync]").inner_text()
    shot(page, "submission-13-sent-after-login")


def test_a_submission_left_on_a_closed_page_is_sent_by_the_service_worker(server, browser):
    """Tapped with no signal, the app closed: Background Sync submits it, once."""
    visit_id = fresh_visit(server)
    context = browser.new_context(**PHONE_OPTIONS)
    try:
        page = context.new_page()
        page.set_default_timeout(20000)
        log_in(page, server, "shopper")
        open_visit(page, server, visit_id)
        controlled_by_the_worker(page)
        answer_everything(page)
        context.set_offline(True)
        go_to_finish(page)
        page.click("form[data-submit] button")
        page.wait_for_selector("[data-submit-cancel]:visible")
        page.wait_for_function(
            "async () => (await (await navigator.serviceWorker.ready).sync.getTags())"
            ".includes('sm-outbox')"
        )
        page.close()  # the shopper puts the phone away

        context.set_offline(False)
        blank = context.new_page()

        await_background_sync(
            context, blank, server.url, lambda: status_of(server, visit_id) == "submitted"
        )
        assert status_of(server, visit_id) == "submitted"
        assert submissions(server, visit_id) == [("submitted",)]
        blank.goto(server.url + "/healthz")  # same origin, no ShopMirror page script
        assert outbox(blank) == []
        blank.goto(server.url + "/")
        assert blank.locator(f".group-submitted .visit-card[data-visit='{visit_id}']").count() == 1
    finally:
        context.close()
