"""An Arabic checklist filled on a phone (360x740): right to left, skip logic, a comment an
answer asks for, and the submission.

The demo's shopper gets a visit of the demo's second checklist, the Arabic service centre
(a transaction, so its counter section is asked), chooses Arabic among the checklist's
languages (the interface stays English), and fills it in as a shopper would. Screenshots:
docs/screenshots/issue13-arabic-phone*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import PHONE, ROOT, log_in, server_now
from tests.visit.e2e_support import demo_server, execute, query, settle

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("arabic-live"))  # the demo stores the checklist
    server.start()
    yield server
    server.kill()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


def arabic_visit(server) -> int:
    """The shopper's first open visit, turned into a transaction visit of the Arabic checklist."""
    (version,) = query(
        server,
        "SELECT v.id FROM checklistversion v JOIN checklist c ON c.id = v.checklist_id "
        "WHERE c.code = 'service-centre-ar' ORDER BY v.version DESC LIMIT 1",
    )[0]
    (shopper,) = query(server, "SELECT id FROM \"user\" WHERE username = 'shopper'")[0]
    (visit,) = query(
        server,
        "SELECT id FROM visit WHERE shopper_id = :s AND status IN ('assigned', 'in_progress') "
        "AND due_from <= :now AND due_until >= :now ORDER BY id LIMIT 1",
        s=shopper,
        now=server_now().replace(tzinfo=None).isoformat(sep=" "),  # the app's clock, not the db's
    )[0]
    for table in ("answer", "photo", "auditevent", "visitscore"):
        execute(server, f"DELETE FROM {table} WHERE visit_id = :v", v=visit)
    execute(
        server,
        "UPDATE visit SET checklist_version_id = :c, variant = 'transaction', status = 'assigned', "
        "time_in = NULL, time_out = NULL, wave_id = NULL WHERE id = :v",
        c=version,
        v=visit,
    )
    execute(
        server,
        "UPDATE \"user\" SET language = 'en', content_language = '' WHERE id = :s",
        s=shopper,
    )
    return visit


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"issue13-arabic-phone{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def tap(page, item_id: str, value: str) -> None:
    page.locator(f"#i-{item_id} input[value='{value}'] + span").click()


def test_an_arabic_checklist_is_filled_right_to_left_and_submitted(server, phone):
    page = phone
    visit = arabic_visit(server)
    log_in(page, server, "shopper")
    page.goto(f"{server.url}/visits/{visit}")
    page.click("form[data-content-language] button[value=ar]")  # the checklist's language
    page.wait_for_selector("form[data-content-language] button[value=ar][aria-pressed=true]")
    assert page.locator("html").get_attribute("lang") == "en"  # the interface stays English
    briefs = page.locator(".scenario-text")
    assert [briefs.nth(n).get_attribute("dir") for n in range(2)] == ["auto", "rtl"]
    shot(page, "-brief")
    page.click("form[data-start] button")
    page.wait_for_selector("#checklist:not([data-not-started])")

    legend = page.locator("#q-greeted")
    assert legend.get_attribute("dir") == "rtl" and legend.get_attribute("lang") == "ar"
    assert legend.evaluate("e => getComputedStyle(e).direction") == "rtl"
    # Yes/No follow the reading direction: right to left, "Yes" comes first, at the right
    row = page.locator("#i-greeted .q-seg")
    assert row.get_attribute("dir") == "rtl"
    yes = page.locator("#i-greeted .q-opt-yes span").bounding_box()
    no = page.locator("#i-greeted .q-opt-no span").bounding_box()
    assert yes and no and yes["x"] > no["x"]
    help_text = page.locator("#help-greeted")
    assert help_text.inner_text() == "عدّ من لحظة الدخول.\nالتحية بالكلام أو بالإشارة."
    assert page.locator("#i-greeted .q-opt-yes span").inner_text() == "نعم"
    box = page.locator("#i-greeted").bounding_box()
    text_box = page.locator("#q-greeted .ct-text").bounding_box()
    assert box and text_box and text_box["x"] + text_box["width"] > box["x"] + box["width"] - 40

    page.fill("#i-staff-count input[type=number]", "3")
    tap(page, "greeted", "no")  # a "no" asks for a comment
    page.wait_for_selector("#i-greeted [data-comment-need]:not([hidden])")
    assert page.locator("#i-greeted details.q-comment").get_attribute("open") is not None
    tap(page, "clean", "0")  # 0 is an answer on a 0-10 scale
    settle(page)
    page.locator("#i-staff-count").evaluate("e => e.scrollIntoView({block: 'start'})")
    shot(page, "")
    page.fill("#i-greeted textarea[name='c.greeted']", "لم يرحب أحد، كان الموظف على الهاتف.")
    page.wait_for_selector("#i-greeted [data-comment-need]", state="hidden")
    settle(page)

    page.click("[data-next]")
    assert page.locator("#i-offer-terms").is_hidden()  # asked only when an offer was mentioned
    tap(page, "offer", "current")
    page.wait_for_selector("#i-offer-terms", state="visible")  # the condition shows it
    tap(page, "offer-terms", "yes")
    page.fill("#i-wait input[type=number]", "12")
    page.locator("#i-wait input[type=number]").blur()
    settle(page)
    shot(page, "-condition")

    page.click("[data-next]")
    tap(page, "id-checked", "yes")
    tap(page, "recommend", "9")
    settle(page)

    page.click("[data-next]")  # the finish
    page.wait_for_selector("[data-ready]:not([hidden])")
    page.click("form[data-submit] button.primary")
    page.wait_for_function(
        "() => document.querySelector('[data-status-pill]')?.textContent.trim() === 'Submitted'"
        " || location.pathname === '/'"
    )
    status, variant = query(server, "SELECT status, variant FROM visit WHERE id = :v", v=visit)[0]
    assert (status, variant) == ("submitted", "transaction")
    comment = query(
        server, "SELECT comment FROM answer WHERE visit_id = :v AND item_id = 'greeted'", v=visit
    )[0][0]
    assert comment.startswith("لم يرحب أحد")
    page.goto(f"{server.url}/visits/{visit}")
    shot(page, "-submitted")


def test_a_reviewer_reads_the_pilot_visit_in_arabic(server, desktop):
    """The demo's service-centre pilot: a transaction visit on the review page at 1280x800, its
    checklist texts switched to Arabic (right to left), the page around it in English."""
    page = desktop
    (visit,) = query(
        server,
        "SELECT v.id FROM visit v JOIN wave w ON w.id = v.wave_id "
        "WHERE w.name = 'Service centre pilot' AND v.variant = 'transaction' ORDER BY v.id LIMIT 1",
    )[0]
    log_in(page, server, "reviewer")
    page.goto(f"{server.url}/review/{visit}")
    page.click("form[data-content-language] button[value=ar]")
    page.wait_for_selector("form[data-content-language] button[value=ar][aria-pressed=true]")
    assert page.locator("html").get_attribute("lang") == "en"
    standard = page.locator("#item-greeted .answer-text")
    assert standard.get_attribute("dir") == "rtl" and standard.get_attribute("lang") == "ar"
    assert standard.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("#sec-counter bdi").inner_text() == "المعاملة عند الشباك"
    page.screenshot(path=str(SHOTS / "issue13-arabic-review.png"), full_page=False)
    page.locator("#sec-service").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "issue13-arabic-review-service.png"), full_page=False)


def test_the_admin_reads_the_conditions_in_words(server, desktop):
    page = desktop
    log_in(page, server, "admin")
    page.goto(f"{server.url}/admin/checklists/service-centre-ar/1")
    terms = page.locator("tr", has=page.locator("code", has_text="offer-terms"))
    assert (
        "Asked when Which offer was mentioned? is The current promotion or An expired promotion"
        in " ".join(terms.inner_text().split())
    )
    page.screenshot(path=str(SHOTS / "issue13-admin-checklist.png"), full_page=True)
