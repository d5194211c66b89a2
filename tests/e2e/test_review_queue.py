"""The review queue in a real browser at 1280x800, in English and Chinese: each row shows
its plausibility flags, the list sorts by branch and filters by flag through HTMX, and the
address, the list and the filter controls agree after Back, Forward and a reload.

The server is this module's own: one waiting visit of the demo is made to last no time at all
(far under the median time in the branch), so the duration flag has a row to show.
Screenshots: tests/output/review-queue-*.png (docs/screenshots/issue14-review-queue-after*).
"""

from __future__ import annotations

import pytest

from app.scoring.aggregate import code_key
from tests.e2e.conftest import logged_in_language, shot
from tests.visit.e2e_support import demo_server, execute, query

pytestmark = pytest.mark.e2e

FITS = """() => [document.scrollingElement, ...document.querySelectorAll('.table-wrap')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.tagName)"""
LABEL = {
    "en": "Time in the branch far from the median",
    "zh_CN": "店内停留时间远离中位数",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("review-queue-live"))
    server.start()
    short = query(
        server,
        "SELECT id FROM visit WHERE status = 'submitted' AND time_in IS NOT NULL "
        "ORDER BY id LIMIT 1",
    )[0][0]
    execute(server, "UPDATE visit SET time_out = time_in WHERE id = :v", v=short)
    server.short_visit = short
    yield server
    server.kill()


def _rows(page) -> list[int]:
    return [
        int(v)
        for v in page.eval_on_selector_all("tr[data-visit]", "rs => rs.map(r => r.dataset.visit)")
    ]


def _branch_codes(page) -> list[str]:
    cells = page.locator("table.review-queue tbody tr td:nth-child(2)").all_inner_texts()
    return [cell.split(" · ")[0].strip() for cell in cells]


def _selected(page, name: str) -> str:
    return page.eval_on_selector(f"form.queue-filters select[name={name}]", "s => s.value")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_queue_sorts_filters_and_shows_flags_at_1280(desktop, server, language):
    page = desktop
    with logged_in_language(page, server, "reviewer", language):
        _check(page, server, language)


def _check(page, server, language):
    page.goto(server.url + "/review")
    everything = _rows(page)
    assert len(everything) >= 3
    short = server.short_visit
    flags = page.locator(f"tr[data-visit='{short}'] .queue-flags")
    assert LABEL[language] in flags.inner_text()
    assert page.evaluate(FITS) == [], "a queue column is scrolled out of sight"
    last = page.locator("table.review-queue thead th").last.bounding_box()
    assert last is not None and last["x"] + last["width"] <= 1280

    page.select_option("form.queue-filters select[name=sort]", "branch")
    page.wait_for_url("**sort=branch**")
    page.wait_for_function("() => document.querySelector('th[aria-sort=ascending]')")
    codes = _branch_codes(page)
    assert codes == sorted(codes, key=code_key) and len(codes) == len(everything)
    shot(page, f"review-queue-{language}")

    page.select_option("form.queue-filters select[name=flag]", "duration")
    page.wait_for_url("**flag=duration**")
    page.wait_for_function(
        "n => document.querySelectorAll('tr[data-visit]').length < n", arg=len(everything)
    )
    filtered = _rows(page)
    assert short in filtered and len(filtered) < len(everything)
    for visit in filtered:
        assert (
            LABEL[language] in page.locator(f"tr[data-visit='{visit}'] .queue-flags").inner_text()
        )
    shot(page, f"review-queue-filtered-{language}")

    page.go_back()
    page.wait_for_function("() => !location.search.includes('flag=duration')")
    page.wait_for_function(
        "n => document.querySelectorAll('tr[data-visit]').length === n", arg=len(everything)
    )
    assert _selected(page, "flag") == "" and _selected(page, "sort") == "branch"
    page.go_forward()
    page.wait_for_function("() => location.search.includes('flag=duration')")
    page.wait_for_function(
        "n => document.querySelectorAll('tr[data-visit]').length === n", arg=len(filtered)
    )
    assert _selected(page, "flag") == "duration" and _selected(page, "sort") == "branch"
    page.reload()
    assert _rows(page) == filtered
    assert _selected(page, "flag") == "duration" and _selected(page, "sort") == "branch"
