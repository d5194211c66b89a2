"""HQ's worklists in a real browser at 1280x800, in English and Chinese: the dashboard and
the wave page fit the width (no column scrolled out of sight), an overdue visit carries the
one overdue badge on both, and an unassigned visit says why no shopper could take it.

The server is this module's own (its database is changed behind its back): one visit of the
dashboard's wave is made three days overdue and one loses its shopper. The server runs on the
real clock, as the demo it serves is built for today (DEMO_DAY).
Screenshots: tests/output/hq-worklists-*.png.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import logged_in_language, server_now, shot
from tests.visit.e2e_support import demo_server, execute, query

pytestmark = pytest.mark.e2e

FITS = """() => [document.scrollingElement, ...document.querySelectorAll('.table-wrap')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.tagName)"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("worklists-live"))
    server.start()
    yield server
    server.kill()


def _sql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _prepare(server, wave_id: int) -> tuple[int, int]:
    """One visit of the wave three days overdue, another without a shopper."""
    late, open_ = (
        row[0]
        for row in query(
            server,
            "SELECT id FROM visit WHERE wave_id = :w AND status = 'assigned' "
            "AND shopper_id IS NOT NULL ORDER BY id LIMIT 2",
            w=wave_id,
        )
    )
    now = server_now()  # the server's clock: the suite may run "on" another day
    execute(
        server,
        "UPDATE visit SET due_from = :f, due_until = :u WHERE id = :v",
        f=_sql_time(now - timedelta(days=9)),
        u=_sql_time(now - timedelta(days=3)),
        v=late,
    )
    execute(server, "UPDATE visit SET shopper_id = NULL WHERE id = :v", v=open_)
    return late, open_


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_dashboard_and_wave_page_at_1280(desktop, server, language):
    page = desktop
    with logged_in_language(page, server, "admin", language):
        _check(page, server, language)


def _check(page, server, language):
    page.goto(server.url + "/")
    wave_link = page.locator("#hq-wave a").first
    wave_id = int((wave_link.get_attribute("href") or "").rsplit("/", 1)[1])
    if language == "en":
        late, open_ = _prepare(server, wave_id)
    else:  # the English run prepared it (same module server)
        late = query(
            server,
            "SELECT id FROM visit WHERE wave_id = :w AND due_until < :n AND status = 'assigned'",
            w=wave_id,
            n=_sql_time(server_now()),
        )[0][0]
        open_ = query(
            server,
            "SELECT id FROM visit WHERE wave_id = :w AND shopper_id IS NULL "
            "AND status = 'assigned'",
            w=wave_id,
        )[0][0]
    page.reload()
    overdue_word = "已逾期" if language == "zh_CN" else "Overdue"
    assert page.locator(".hq-score .score").inner_text().strip() != ""
    assert page.locator("[data-count=overdue] .tile-value").inner_text() == "1"
    assert page.locator("[data-count=unassigned] .tile-value").inner_text() == "1"
    row = page.locator("table.overdue-visits tbody tr", has_text=f"#{late}")
    assert row.locator(".tag-overdue").inner_text() == overdue_word
    assert page.evaluate(FITS) == []
    shot(page, f"hq-worklists-dashboard-{language}")

    page.goto(f"{server.url}/admin/waves/{wave_id}")
    assert page.evaluate(FITS) == [], "a progress or visit column is scrolled out of sight"
    done = page.locator("table.progress thead th").last.bounding_box()
    assert done is not None and done["x"] + done["width"] <= 1280
    late_row = page.locator(f"tr[data-visit='{late}']")
    assert late_row.locator(".tag-overdue").inner_text() == overdue_word
    open_row = page.locator(f"tr[data-visit='{open_}']")
    assert open_row.get_attribute("data-state") == "unassigned"
    why = open_row.locator(".why-unassigned").inner_text()
    assert ("符合条件" if language == "zh_CN" else "eligible shopper") in why
    choices = open_row.locator("select[name=shopper_id] option")
    assert choices.count() >= 1 and choices.first.get_attribute("value") == ""
    shot(page, f"hq-worklists-wave-{language}")
