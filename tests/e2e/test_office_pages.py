"""Office pages in a real browser: tables that line up, filters that say what is shown,
and a request that cannot reach the server reported at the form that sent it.

Screenshots land in tests/output/ (office-*.png) for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in, shot

COLUMNS_LINE_UP = """(table) => {
  const head = [...table.tHead.rows[0].cells].map(c => c.getBoundingClientRect());
  const bad = [];
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      if (row.cells.length !== head.length) { bad.push('cells ' + row.cells.length); continue; }
      [...row.cells].forEach((cell, i) => {
        const box = cell.getBoundingClientRect();
        if (Math.abs(box.left - head[i].left) > 1 || Math.abs(box.width - head[i].width) > 1) {
          bad.push(i + ': ' + box.left + '/' + box.width + ' vs ' + head[i].left);
        }
      });
    }
  }
  return bad;
}"""


@pytest.mark.e2e
@pytest.mark.parametrize("width", [760, 820, 1024, 1280])
def test_ranking_columns_line_up(browser, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server, "manager")
        page.goto(live_server.url + "/scorecards")
        tables = page.locator("table.ranking")
        assert tables.count() >= 1
        for n in range(tables.count()):
            table = tables.nth(n)
            assert table.evaluate(COLUMNS_LINE_UP) == [], f"table {n} at {width}px"
            weakest = table.locator("th.hide-narrow")
            assert weakest.evaluate("th => getComputedStyle(th).display") == "table-cell"
        shot(page, f"office-ranking-{width}")
    finally:
        context.close()


def _shown(page) -> tuple[str, str]:
    """The wave and region the results were drawn for."""
    results = page.locator("#results")
    return results.get_attribute("data-wave") or "", results.get_attribute("data-region") or ""


def _chosen(page) -> tuple[str, str]:
    return (
        page.locator("select[name=wave]").input_value(),
        page.locator("select[name=region]").input_value(),
    )


@pytest.mark.e2e
def test_filters_show_what_the_figures_show(desktop, live_server):
    page = desktop
    log_in(page, live_server, "manager")
    page.goto(live_server.url + "/scorecards")
    first = _chosen(page)
    assert _shown(page) == first
    waves = page.locator("select[name=wave] option")
    older = waves.nth(1).get_attribute("value")
    page.select_option("select[name=wave]", older)
    page.wait_for_function(f"document.querySelector('#results').dataset.wave === '{older}'")
    region = page.locator("select[name=region] option").nth(1).get_attribute("value")
    page.select_option("select[name=region]", region)
    page.wait_for_function(f"document.querySelector('#results').dataset.region === '{region}'")
    assert _chosen(page) == _shown(page) == (older, region)

    page.go_back()  # the older wave, all regions
    page.wait_for_function("document.querySelector('#results').dataset.region === ''")
    page.wait_for_timeout(200)
    assert _shown(page) == (older, "") and _chosen(page) == _shown(page)
    page.go_back()  # the first view
    page.wait_for_function(f"document.querySelector('#results').dataset.wave === '{first[0]}'")
    page.wait_for_timeout(200)
    assert _chosen(page) == _shown(page) == first
    page.go_forward()
    page.wait_for_function(f"document.querySelector('#results').dataset.wave === '{older}'")
    page.wait_for_timeout(200)
    assert _chosen(page) == _shown(page)
    page.reload()
    assert _chosen(page) == _shown(page)
    shot(page, "office-filters-after-reload")


@pytest.mark.e2e
def test_no_connection_is_shown_at_the_form(desktop, live_server):
    page = desktop
    log_in(page, live_server, "admin")
    page.goto(live_server.url + "/admin/waves/new")
    page.fill("input[name=name]", "Typed before the network went")
    # Let the server judge the missing dates (the browser would refuse to send them).
    page.eval_on_selector("form[action='/admin/waves/new']", "f => f.noValidate = true")
    page.context.set_offline(True)
    try:
        page.locator("form[action='/admin/waves/new'] button").last.click()
        error = page.locator("form[action='/admin/waves/new'] > .action-error")
        error.wait_for()
        assert "No connection" in error.inner_text()
        assert page.input_value("input[name=name]") == "Typed before the network went"
        shot(page, "office-no-connection")
    finally:
        page.context.set_offline(False)
    # Back online, a refused request (no dates) draws the form again with its errors.
    page.eval_on_selector("form[action='/admin/waves/new']", "f => f.noValidate = true")
    page.locator("form[action='/admin/waves/new'] button").last.click()
    page.wait_for_function("!document.querySelector('.action-error')")
    assert page.locator(".field-error, .error").count() >= 1
    assert page.input_value("input[name=name]") == "Typed before the network went"
    shot(page, "office-wave-refused")


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_interim_and_low_sample_are_on_screen(desktop, live_server, language):
    page = desktop
    log_in(page, live_server, "manager")
    if language == "zh_CN":
        page.click("form.lang-switch button")
        page.wait_for_load_state("networkidle")
    try:
        _interim_and_low_sample(page, live_server, language)
    finally:
        if language == "zh_CN":  # the choice is stored on the user: leave it as found
            page.goto(live_server.url + "/")
            page.click("form.lang-switch button")
            page.wait_for_load_state("networkidle")


def _interim_and_low_sample(page, live_server, language):
    page.goto(live_server.url + "/")
    interim = "中期数据" if language == "zh_CN" else "Interim"
    assert page.locator(".tag-interim").first.inner_text() == interim
    shot(page, f"office-manager-home-{language}")
    page.goto(live_server.url + "/scorecards")
    assert page.locator(".callout-interim").count() == 1
    assert page.locator("table.ranking .tag-sample").count() >= 1  # the demo: one visit each
    shot(page, f"office-overview-{language}")
    page.locator("table.ranking a").first.click()
    page.wait_for_url("**/scorecards/branches/**")
    assert page.locator(".tile .tag-sample").count() == 1
    shot(page, f"office-branch-{language}")
