"""Offline-first field capture at 360x740: nothing made on the phone is lost or applied twice."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from PIL import Image

from tests.e2e.conftest import (
    PHONE,
    await_background_sync,
    device_now,
    install_clock,
    log_in,
    server_now,
    shot,
)
from tests.visit.e2e_support import (
    answer_everything,
    controlled_by_the_worker,
    demo_server,
    execute,
    json_value,
    open_due_visit,
    outbox,
    query,
    settle,
)

pytestmark = pytest.mark.e2e
WAITING = "document.querySelector('[data-sync]').textContent.includes('waiting to send: %d')"
PHONE_OPTIONS = {"viewport": PHONE, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("offline-live"))
    server.start()
    yield server
    server.kill()


def big_photo() -> dict:
    """A detailed 12-megapixel JPEG (several MB), the kind the phone downscales before upload."""
    size = (4000, 3000)
    noise = Image.effect_noise(size, 30)
    image = Image.merge("RGB", (noise, Image.linear_gradient("L").resize(size), noise))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return {"name": "storefront.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def answers(server, visit_id: int) -> dict[str, list]:
    rows = query(server, "SELECT item_id, value, na FROM answer WHERE visit_id = :v", v=visit_id)
    out: dict[str, list] = {}
    for item, value, na in rows:
        out.setdefault(item, []).append("na" if na else json_value(server, value))
    return out


def photos(server, visit_id: int) -> list[tuple]:
    return query(
        server, "SELECT item_id, width, height, sha256 FROM photo WHERE visit_id = :v", v=visit_id
    )


def started_visit(page, server) -> int:
    log_in(page, server, "shopper")
    visit_id = open_due_visit(page)
    if page.locator("form[data-start]").count():
        page.click("form[data-start] button")
    page.wait_for_selector("#checklist:not([data-not-started])")
    settle(page)
    return visit_id


def wait_until_cached(page, visit_id: int) -> None:
    page.wait_for_function(
        f"async () => !!(await caches.match('/visits/{visit_id}', {{cacheName: 'sm-pages'}}))"
    )


def test_answers_and_a_photo_made_offline_survive_a_reload_and_are_sent_once(server, phone):
    page = phone
    visit_id = started_visit(page, server)
    wait_until_cached(page, visit_id)
    before = answers(server, visit_id)

    page.context.set_offline(True)
    page.click("#i-greeting-words .q-opt-yes span")
    page.click("#i-greeting-words .q-opt-no span")  # changed: the last value must win
    page.click("#i-store-tidy .q-opt:nth-child(3) span")
    page.fill("#i-staff-on-floor input[type=number]", "4")
    page.click("#i-staff-on-floor summary")
    page.fill("#i-staff-on-floor textarea[name^='c.']", "Two at the till")
    original = big_photo()
    page.locator("#i-storefront [data-photo-input]").first.set_input_files(original)
    page.wait_for_selector("#i-storefront .q-thumb[data-seq]")
    page.wait_for_function(WAITING % 4)
    assert page.locator("#i-greeting-words [data-save]").inner_text() == "Waiting to send"
    sync = page.locator("[data-sync]").inner_text()
    assert "Changes waiting to send: 4" in sync and "No connection" in sync
    assert answers(server, visit_id) == before  # nothing reached the server
    shot(page, "offline-01-waiting")

    page.reload()  # still offline: the page comes from the phone
    page.wait_for_selector("#checklist[data-restored]", state="attached")
    assert page.locator("#checklist").is_visible()  # started on this phone, even in an old copy
    assert page.locator("#brief").is_hidden()
    page.click("[data-overview]")
    page.click("[data-goto=arrival]")
    assert page.locator("#i-greeting-words input[value=no]").is_checked()
    assert page.locator("#i-store-tidy input[value='3']").is_checked()
    assert page.locator("#i-staff-on-floor input[type=number]").input_value() == "4"
    assert page.locator("#i-staff-on-floor textarea[name^='c.']").input_value() == (
        "Two at the till"
    )
    assert page.locator("#i-storefront .q-thumb[data-seq]").count() == 1
    assert "Changes waiting to send: 4" in page.locator("[data-sync]").inner_text()
    assert sorted(e[0] for e in outbox(page)) == ["answer", "answer", "answer", "photo"]
    shot(page, "offline-02-reloaded")

    page.context.set_offline(False)
    settle(page)
    page.wait_for_selector("#i-storefront .q-thumb[data-photo-id]", state="attached")
    assert "All changes sent" in page.locator("[data-sync]").inner_text()
    saved = answers(server, visit_id)
    assert saved["greeting-words"] == ["no"]
    assert saved["store-tidy"] == [3]
    assert saved["staff-on-floor"] == [4]
    assert query(
        server,
        "SELECT comment FROM answer WHERE visit_id = :v AND item_id = :i",
        v=visit_id,
        i="staff-on-floor",
    ) == [("Two at the till",)]
    (item, width, height, sha) = photos(server, visit_id)[0]
    assert len(photos(server, visit_id)) == 1 and item == "storefront"
    assert max(width, height) <= 2048
    assert sha != hashlib.sha256(original["buffer"]).hexdigest()  # downscaled on the phone
    shot(page, "offline-03-synced")


def test_a_server_stopped_in_the_middle_of_a_sync_loses_nothing_and_doubles_nothing(
    browser, tmp_path
):
    server = demo_server(tmp_path)
    server.start()
    context = browser.new_context(service_workers="block", **PHONE_OPTIONS)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        visit_id = started_visit(page, server)
        context.set_offline(True)
        for item in ("greeting-words", "staff-appearance", "open-questions", "name-used"):
            if page.locator(f"#i-{item}").is_hidden():
                page.click("[data-overview]")
                section = page.locator(f"#i-{item}").evaluate(
                    "e => e.closest('.mot').dataset.section"
                )
                page.click(f"[data-goto={section}]")
            page.click(f"#i-{item} .q-opt-yes span")
        page.click("[data-overview]")
        page.click("[data-goto=arrival]")
        page.click("#i-store-tidy .q-opt:nth-child(2) span")
        page.click("#i-store-tidy .q-opt:nth-child(5) span")
        page.fill("#i-staff-on-floor input[type=number]", "2")
        page.locator("#i-storefront [data-photo-input]").first.set_input_files(big_photo())
        page.wait_for_selector("#i-storefront .q-thumb[data-seq]")
        assert len(outbox(page)) == 7

        seen: list[str] = []

        def cut_off_on_the_third(route):
            seen.append(route.request.post_data or "")
            if len(seen) == 3:  # the server applies it, then dies before the phone hears back
                route.fetch()
                server.kill()
                route.abort("connectionreset")
            else:
                route.continue_()

        page.route("**/visits/*/answers", cut_off_on_the_third)
        context.set_offline(False)
        for _tick in range(300):  # let the page sync until the server has died
            if server.process.poll() is not None:
                break
            page.wait_for_timeout(100)
        page.wait_for_function(WAITING % 5)
        assert len(seen) >= 3
        assert len(answers(server, visit_id)) == 3  # two answered normally, one applied unheard
        shot(page, "offline-04-server-down")

        server.start()
        page.unroute("**/visits/*/answers")
        settle(page)
        saved = answers(server, visit_id)
        assert saved == {
            "greeting-words": ["yes"],
            "staff-appearance": ["yes"],
            "open-questions": ["yes"],
            "name-used": ["yes"],
            "store-tidy": [5],
            "staff-on-floor": [2],
        }
        assert len(photos(server, visit_id)) == 1
        assert outbox(page) == []
    finally:
        context.close()
        server.kill()


def test_the_same_change_five_times_is_applied_once(server, phone):
    page = phone
    visit_id = started_visit(page, server)
    states = page.evaluate(
        """async (visit) => {
      const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
      const body = new URLSearchParams({item_id: 'waiting-area', value: 'yes',
        client_id: 'same-change-5x', client_time: String(Date.now())});
      const out = [];
      for (let n = 0; n < 5; n++) {
        const r = await fetch(`/visits/${visit}/answers`, {method: 'POST', body,
          headers: {'X-CSRF-Token': token, 'Accept': 'application/json'}});
        out.push((await r.json()).state);
      }
      return out;
    }""",
        visit_id,
    )
    assert states == ["saved", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert answers(server, visit_id)["waiting-area"] == ["yes"]


def test_two_devices_the_change_made_last_on_a_device_wins(server, browser):
    behind = browser.new_context(**PHONE_OPTIONS)
    ahead = browser.new_context(**PHONE_OPTIONS)
    try:
        a, b = behind.new_page(), ahead.new_page()
        install_clock(a, device_now() - timedelta(minutes=3))  # device A runs 3 min late
        visit_id = started_visit(a, server)
        assert started_visit(b, server) == visit_id

        # A, offline, answers first by the wall clock but its change is stamped earlier
        behind.set_offline(True)
        a.click("[data-overview]")
        a.click("[data-goto=farewell]")
        a.click("#i-goodbye .q-opt-yes span")
        b.click("[data-overview]")
        b.click("[data-goto=farewell]")
        b.click("#i-goodbye .q-opt-no span")
        settle(b)
        assert answers(server, visit_id)["goodbye"] == ["no"]
        behind.set_offline(False)
        settle(a)
        # A's change was made earlier: ignored, and A now shows what B answered
        assert answers(server, visit_id)["goodbye"] == ["no"]
        assert a.locator("#i-goodbye input[value=no]").is_checked()
        assert (
            "newer answer from another device" in a.locator("#i-goodbye [data-save]").inner_text()
        )
        shot(a, "offline-05-older-change-ignored")

        # B, offline, changes again; A answers meanwhile online; B's later change wins on arrival
        ahead.set_offline(True)
        b.click("#i-goodbye .q-opt-yes span")
        a.click("#i-come-back .q-opt:nth-child(2) span")  # A keeps working
        a.click("#i-goodbye .q-opt-no span")
        settle(a)
        ahead.set_offline(False)
        settle(b)
        assert answers(server, visit_id)["goodbye"] == ["yes"]
    finally:
        behind.close()
        ahead.close()


def test_a_photo_the_server_has_no_room_for_waits_on_the_phone_with_the_reason(server, phone):
    """A 507 (the server's disk is full) keeps the photo in the outbox, shows the server's
    message, and the photo is sent once when there is room again."""
    page = phone
    visit_id = started_visit(page, server)
    before = len(photos(server, visit_id))
    message = "The server is out of space: your photo waits on the phone and is sent again later."

    def full(route):
        route.fulfill(status=507, json={"detail": message})

    sent = "#i-storefront .q-thumb[data-photo-id]"
    sent_before = page.locator(sent).count()  # earlier tests of the module may have sent some
    page.route("**/visits/*/photos", full)
    page.locator("#i-storefront [data-photo-input]").first.set_input_files(big_photo())
    page.wait_for_function(
        f"document.querySelector('[data-sync]').textContent.includes({message!r})"
    )
    assert [e[0] for e in outbox(page)] == ["photo"]
    assert outbox(page)[0][2] != "refused"  # waiting, not given up
    shot(page, "offline-09-server-full")
    page.unroute("**/visits/*/photos")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # sends now, not in 30 s
    page.wait_for_function(f"document.querySelectorAll({sent!r}).length > {sent_before}")
    assert outbox(page) == []
    assert len(photos(server, visit_id)) == before + 1
    assert message not in page.locator("[data-sync]").inner_text()


def test_a_change_the_server_refuses_is_shown_with_the_reason_and_kept(server, phone):
    page = phone
    visit_id = started_visit(page, server)
    page.context.set_offline(True)
    page.click("#i-staff-appearance .q-opt-yes span")
    # meanwhile the visit was submitted from another device
    execute(
        server,
        "UPDATE visit SET status = 'submitted', submitted_at = :now WHERE id = :v",
        now=server_now().replace(tzinfo=None),
        v=visit_id,
    )
    page.context.set_offline(False)
    state = page.locator("#i-staff-appearance [data-save]")
    page.wait_for_function(
        "document.querySelector('#i-staff-appearance [data-save]').dataset.state === 'refused'"
    )
    assert "submitted" in state.inner_text() and "Not accepted" in state.inner_text()
    assert outbox(page) == [["answer", "staff-appearance", "refused"]]  # kept, not dropped
    assert "Not accepted: 1" in page.locator("[data-sync]").inner_text()
    shot(page, "offline-06-refused")
    page.reload()  # now the submitted, read-only page: the refused change is still listed
    page.wait_for_selector("[data-refused-list] li")
    assert "submitted" in page.locator("[data-refused-list]").inner_text()
    assert outbox(page) == [["answer", "staff-appearance", "refused"]]
    shot(page, "offline-06b-refused-on-submitted-page")


def test_submitting_without_a_connection_waits_and_then_submits(server, phone):
    page = phone
    visit_id = started_visit(page, server)
    page.context.set_offline(True)
    answer_everything(page, online=False)
    page.click("form[data-submit] button")
    page.wait_for_function(
        "document.querySelector('[data-submit-status]').textContent.includes('connection returns')"
    )
    assert page.locator("[data-submit-cancel]").is_visible()
    assert query(server, "SELECT status FROM visit WHERE id = :v", v=visit_id) == [("in_progress",)]
    shot(page, "offline-07-submit-waits")
    page.context.set_offline(False)
    page.wait_for_selector(".submitted-banner", timeout=45000)
    status, time_out = query(
        server, "SELECT status, time_out FROM visit WHERE id = :v", v=visit_id
    )[0]
    assert status == "submitted" and time_out is not None
    counts = query(
        server,
        "SELECT item_id, COUNT(*) FROM answer WHERE visit_id = :v "
        "GROUP BY item_id HAVING COUNT(*) > 1",
        v=visit_id,
    )
    assert counts == []
    assert query(
        server,
        "SELECT COUNT(*) FROM photo WHERE visit_id = :v AND item_id = :i",
        v=visit_id,
        i="storefront",
    ) == [(1,)]


def test_changes_left_on_a_closed_page_are_sent_by_background_sync(browser, tmp_path):
    """The shopper answers with no signal and closes the app; the worker sends it later."""
    server = demo_server(tmp_path)
    server.start()
    context = browser.new_context(**PHONE_OPTIONS)
    try:
        page = context.new_page()
        visit_id = started_visit(page, server)
        wait_until_cached(page, visit_id)
        controlled_by_the_worker(page)
        context.set_offline(True)
        page.fill("#i-staff-on-floor input[type=number]", "7")
        page.press("#i-staff-on-floor input[type=number]", "Tab")  # leave the field
        page.wait_for_function(WAITING % 1)
        page.wait_for_function(  # the page asked to be synced in the background
            "async () => (await (await navigator.serviceWorker.ready).sync.getTags())"
            ".includes('sm-outbox')"
        )
        page.close()  # the shopper puts the phone away

        # the signal is back and no ShopMirror page is open: the browser wakes the worker
        context.set_offline(False)
        blank = context.new_page()

        await_background_sync(
            context,
            blank,
            server.url,
            lambda: answers(server, visit_id).get("staff-on-floor") == [7],
        )
        assert answers(server, visit_id)["staff-on-floor"] == [7]
        blank.goto(server.url + "/healthz")  # same origin, no ShopMirror page script
        assert outbox(blank) == []
    finally:
        context.close()
        server.kill()
