"""The shopper's chrome on a 360x740 phone: tap targets, the dim theme, the header, the stopwatch.

Driven as a shopper would, in English and Chinese; screenshots in tests/output/shopper-*.png.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import OUTPUT, device_now, install_clock, log_in, shot
from tests.visit.e2e_support import demo_server, open_due_visit, photo_file, settle

pytestmark = pytest.mark.e2e

MIN_TAP = 44
# Every visible control a finger may aim at; a label counts when it holds or names a control,
# and an input inside a label is measured by its label (a tap anywhere on it hits the input).
SMALL_TARGETS = """(min) => {
  const out = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label';
  for (const el of document.querySelectorAll(controls)) {
    if (el.tagName === 'LABEL' && !el.control) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.right <= 0 || r.left >= innerWidth) continue;  /* the skip link, until focused */
    const label = el.tagName === 'INPUT' ? el.closest('label') : null;
    if (label) continue;  /* measured as the label */
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
      out.push(`${el.tagName.toLowerCase()}.${el.className || ''} "${text.slice(0, 30)}" `
        + `${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("chrome-live"))
    server.start()
    yield server
    server.kill()


def phone_at(browser, width: int, **options):
    context = browser.new_context(
        viewport={"width": width, "height": 740},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
        **options,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def to_language(page, language: str) -> None:
    """The top bar's switch, as a shopper taps it (it shows the other language)."""
    current = page.locator("html").get_attribute("lang")
    if (current == "zh-CN") != (language == "zh"):
        with page.expect_navigation():
            page.click(".lang-switch button")


def small_targets(page, where: str) -> list[str]:
    return [f"{where}: {target}" for target in page.evaluate(SMALL_TARGETS, MIN_TAP)]


def started_visit(page) -> int:
    """The first due visit, started (by this test or an earlier one)."""
    visit_id = open_due_visit(page)
    if page.locator("#checklist[data-not-started]").count():
        page.click("form[data-start] button")
        page.wait_for_selector("#checklist:not([data-not-started])")
        settle(page)
    return visit_id


def walk_moments(page, visit: callable) -> None:
    """Call visit(section) on each moment of truth, then on the finish screen."""
    page.locator("[data-overview]").click()
    page.locator("[data-goto]").first.click()
    while True:
        section = page.locator(".mot.current").get_attribute("data-section")
        visit(section)
        if section == "finish":
            return
        page.locator("[data-next]").click()


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("width", [360, 390])
def test_every_tap_target_is_at_least_44_px(server, browser, width, language):
    context, page = phone_at(browser, width)
    found: list[str] = []
    try:
        page.goto(server.url + "/login")
        to_language(page, language)
        found += small_targets(page, "login")
        log_in(page, server, "shopper")
        to_language(page, language)
        if page.locator(".more-visits summary").count():
            page.locator(".more-visits summary").first.click()
        found += small_targets(page, "home")
        shot(page, f"shopper-touch-home-{width}-{language}")
        open_due_visit(page)
        if page.locator("#checklist[data-not-started]").count():
            found += small_targets(page, "brief")
        page.goto(server.url + "/")
        started_visit(page)
        page.locator("[data-overview]").click()
        page.locator("[data-goto]").first.click()
        photo_item = page.locator("#i-storefront")
        if photo_item.locator(".q-thumb").count() == 0:
            photo_item.locator("[data-photo-input]").first.set_input_files(photo_file())
            settle(page)

        def measure(section: str) -> None:
            for summary in page.locator(".mot.current .q-comment summary").all()[:1]:
                summary.click()
            found.extend(small_targets(page, section))
            if section in ("arrival", "finish"):
                shot(page, f"shopper-touch-{section}-{width}-{language}")

        walk_moments(page, measure)
        assert page.locator("[data-missing-list] a").count() > 0  # the missing list was measured
        page.locator("[data-overview]").click()
        found += small_targets(page, "overview")
    finally:
        context.close()
    print(f"\n{width} px {language}: {len(found)} tap targets under {MIN_TAP} px")
    print("\n".join(found))
    assert found == []


def view(page, name: str) -> None:
    """What the phone's screen shows right now (not the whole page), for a person to look at."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"))


ANIMATED = """() => document.getAnimations().length
  + [...document.querySelectorAll('*')].filter(e => {
      const cs = getComputedStyle(e);
      return cs.animationName !== 'none' || parseFloat(cs.transitionDuration) > 0;
    }).length"""
BACKGROUND = "getComputedStyle(document.body).backgroundColor"
DIM = "rgb(15, 20, 25)"
LIGHT = "rgb(245, 247, 249)"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_header_is_low_and_the_screen_can_be_dim(server, browser, language):
    context, page = phone_at(browser, 360)
    try:
        page.goto(server.url + "/login")
        to_language(page, language)
        assert page.evaluate(BACKGROUND) == LIGHT
        assert page.locator(".topbar").bounding_box()["height"] <= 96
        log_in(page, server, "shopper")
        to_language(page, language)
        assert page.locator(".topbar").bounding_box()["height"] <= 96
        open_due_visit(page)
        assert page.locator(".topbar").bounding_box()["height"] <= 96
        page.goto(server.url + "/")

        # the switch: no request to the server, remembered on the phone across pages
        requests: list[str] = []
        asks_server = ("document", "fetch", "xhr")
        page.on("request", lambda r: r.resource_type in asks_server and requests.append(r.url))
        switch = page.locator("[data-theme-switch]")
        assert switch.get_attribute("aria-pressed") == "false"
        switch.click()
        assert page.evaluate(BACKGROUND) == DIM and requests == []
        assert switch.get_attribute("aria-pressed") == "true"
        view(page, f"shopper-dim-home-{language}")
        open_due_visit(page)
        assert page.evaluate(BACKGROUND) == DIM
        assert page.locator(".topbar").bounding_box()["height"] <= 96
        view(page, f"shopper-dim-visit-{language}")
        assert page.evaluate(ANIMATED) == 0  # nothing moves or flashes
        page.locator("[data-theme-switch]").click()
        page.reload()
        assert page.evaluate(BACKGROUND) == LIGHT
        view(page, f"shopper-light-visit-{language}")
    finally:
        context.close()


def test_the_theme_follows_the_phones_dark_mode(server, browser):
    context, page = phone_at(browser, 360, color_scheme="dark")
    try:
        page.goto(server.url + "/login")
        assert page.evaluate(BACKGROUND) == DIM
        switch = page.locator("[data-theme-switch]")
        assert switch.get_attribute("aria-pressed") == "true"
        view(page, "shopper-dark-mode-login")
        switch.click()  # a bright shop window: the shopper wants it light, on this phone only
        assert page.evaluate(BACKGROUND) == LIGHT
        page.reload()
        assert page.evaluate(BACKGROUND) == LIGHT
        page.locator("[data-theme-switch]").click()  # back to what the phone says
        assert page.evaluate("localStorage.getItem('sm-theme')") is None
        assert page.evaluate(BACKGROUND) == DIM
    finally:
        context.close()


LIVE_ANCESTOR = """(el) => {
  for (let e = el; e; e = e.parentElement) {
    const role = e.getAttribute('role');
    if (e.hasAttribute('aria-live') || ['status', 'log', 'timer', 'marquee', 'alert'].includes(role)
        || e.tagName === 'OUTPUT') return e.outerHTML.slice(0, 80);
  }
  return null;
}"""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_stopwatch_is_quiet_undoable_and_never_in_the_way(server, browser, language):
    context, page = phone_at(browser, 360)
    try:
        install_clock(page, device_now() - timedelta(minutes=30))
        log_in(page, server, "shopper")
        to_language(page, language)
        started_visit(page)
        page.locator("[data-overview]").click()
        page.locator("[data-goto='arrival']").click()
        item = page.locator("#i-greet-time")
        page.clock.pause_at(device_now() - timedelta(minutes=20))
        item.locator("[data-sw-toggle]").click()
        page.clock.fast_forward(17_000)
        clock = item.locator("[data-sw-clock]")
        assert clock.inner_text() == "0:17"
        # the ticking time is in no live region; the chip's name does not tick either
        assert page.evaluate(LIVE_ANCESTOR, clock.element_handle()) is None
        chip_text = page.locator("[data-timer-text]")
        assert page.evaluate(LIVE_ANCESTOR, chip_text.element_handle()) is None
        # asked, it says the time once
        item.locator("[data-sw-say]").click()
        page.clock.fast_forward(200)
        said = item.locator("[data-sw-said]")
        assert "0:17" in said.text_content()
        page.clock.fast_forward(3_000)
        assert "0:17" in said.text_content()  # not rewritten as the time goes on

        # Reset by mistake: Undo brings the running time back
        item.locator("[data-sw-reset]").click()
        assert clock.inner_text() == "0:00"
        undo = item.locator("[data-sw-undo]")
        assert undo.is_visible()
        view(page, f"shopper-stopwatch-undo-{language}")
        undo.click()
        page.clock.fast_forward(1_000)
        assert clock.inner_text() == "0:21"
        assert item.locator("[data-sw-toggle]").inner_text() in ("Stop", "停止")

        # elsewhere the chip floats above the pager; the last control is never under it
        page.locator("[data-next]").click()
        chip = page.locator("[data-timer-chip] button")
        assert chip.is_visible()
        for section in range(12):
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            chip_top = chip.bounding_box()["y"]
            pager_top = page.locator(".mot-pager").bounding_box()["y"]
            controls = page.locator(
                ".mot.current :is(button, input, textarea, summary, label.q-opt)"
            ).all()
            last = [c.bounding_box() for c in controls if c.is_visible()][-1]
            assert last["y"] + last["height"] <= min(chip_top, pager_top), section
            if page.locator(".mot.current").get_attribute("data-section") == "finish":
                break
            page.locator("[data-next]").click()
        view(page, f"shopper-stopwatch-chip-{language}")
        page.locator("[data-overview]").click()
        page.locator("[data-goto='arrival']").click()
        item.locator("[data-sw-toggle]").click()  # stop it: the next test starts afresh
        page.clock.resume()
    finally:
        context.close()
