"""HQ imports 240 users from a pasted CSV in a real browser at 1280x800: the dry run lists
them, applying sends HQ to the job's page (more than IMPORT_INLINE_ROWS, 200, lines), whose
progress bar moves while the passwords are hashed, and which ends with the counts and the
users in the list. The server is this module's own (its database gains users).
Screenshots: tests/output/import-job-{running,done}-1280.png.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in, shot
from tests.visit.e2e_support import demo_server, query

pytestmark = pytest.mark.e2e
LINES = 240


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("import-job-live"))
    server.start()
    yield server
    server.kill()


def test_a_large_import_is_followed_on_its_page_to_the_end(server, desktop):
    page = desktop
    log_in(page, server, "admin")
    page.goto(server.url + "/admin/users/import")
    rows = [f"field{n:03d},Field Shopper {n},shopper,start-{n:03d}-pass-2026" for n in range(LINES)]
    page.click("details summary")
    page.fill("textarea[name=text]", "username,name,role,password\n" + "\n".join(rows) + "\n")
    page.click("form[enctype] button")
    page.wait_for_selector("text=240 to create, 0 to update, 0 unchanged.")
    page.click("text=Apply these changes")
    page.wait_for_url(re.compile(r"/admin/users/import/jobs/\d+$"))
    bar = page.locator("#import-job progress")
    bar.wait_for()
    page.wait_for_function(
        "() => { const b = document.querySelector('#import-job progress');"
        " return b && +b.value > 1 && +b.value < +b.max; }",
        timeout=60_000,
    )
    shot(page, "import-job-running-1280")
    page.wait_for_selector("text=Import applied: 240 created, 0 updated.", timeout=120_000)
    assert page.locator("#import-job").get_attribute("hx-trigger") is None  # polling stopped
    assert "242 of 242 steps" in page.inner_text("#import-job")
    shot(page, "import-job-done-1280")
    stored = query(server, """SELECT count(*) FROM "user" WHERE username LIKE 'field%'""")
    assert stored == [(LINES,)]
    page.click("#import-job a")
    page.wait_for_url(server.url + "/admin/users")
