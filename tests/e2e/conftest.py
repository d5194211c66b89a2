"""Browser tests: a real uvicorn server on a fresh demo database, driven by Debian's chromium.

The demo is built once per session (per xdist worker) for one fixed day, DEMO_DAY, and each
server gets a copy of it: its own database and its own copy of the demo's photos.
Screenshots go to tests/output/ (not committed); look at them after a run.
Under CI=true a missing chromium is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page as SyncPage
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import copy_database, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "tests" / "output"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The day every demo server of this session is built for (SHOPMIRROR_TODAY, else the day the
# session started): one template serves them all, so a run across midnight stays consistent.
DEMO_DAY = os.environ.get("SHOPMIRROR_TODAY") or datetime.now(UTC).date().isoformat()
# Servers and browsers run their clocks on DEMO_DAY (time of day kept), so the suite passes
# "on" any date: SHOPMIRROR_TODAY=2027-03-15 make test rehearses that day end to end.
CLOCK_OFFSET = date.fromisoformat(DEMO_DAY) - datetime.now(UTC).date()
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PASSWORDS = {
    "admin": "demo-admin-2026",
    "manager": "demo-manager-2026",
    "reviewer": "demo-reviewer-2026",
    "shopper": "demo-shopper-2026",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A uvicorn subprocess on its own database; can be stopped and started again."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        log = open(self.env["VAR_DIR"] + "/server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:  # e.g. the port was taken meanwhile
                break
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the test server did not start; see " + self.env["VAR_DIR"])

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _demo_env(var_dir: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "MEDIA_DIR": str(var_dir / "media"),  # never another test's MEDIA_DIR left in os.environ
        "DATABASE_URL": database_url,
        "SHOPMIRROR_TODAY": DEMO_DAY,
        # days, not the date: a server started after midnight still agrees with server_now()
        "SHOPMIRROR_CLOCK": str(CLOCK_OFFSET.days),
        "PYTHONUNBUFFERED": "1",
    }


@dataclass
class _DemoTemplate:
    """Where this session's demo is built (set by a fixture) and, once built, its database."""

    directory: Path | None = None
    database_url: str | None = None


_TEMPLATE = _DemoTemplate()


@pytest.fixture(scope="session", autouse=True)
def _demo_template_directory(tmp_path_factory) -> None:
    """A directory of this session for the demo template; the demo is built on first use."""
    _TEMPLATE.directory = tmp_path_factory.mktemp("demo-template")


def _demo_template() -> _DemoTemplate:
    """The demo built once (`shopmirror migrate` + `shopmirror demo`, as a user would)."""
    if _TEMPLATE.database_url is None:
        if _TEMPLATE.directory is None:
            raise RuntimeError("demo_server is for the browser tests (tests/e2e/conftest.py)")
        url = fresh_database_url(_TEMPLATE.directory)
        env = _demo_env(_TEMPLATE.directory, url)
        for command in (["migrate"], ["demo"]):
            subprocess.run(
                [sys.executable, "-m", "app.cli", *command],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        # The subprocesses have exited: no connection is left on the (PostgreSQL) template.
        _TEMPLATE.database_url = url
    return _TEMPLATE


def demo_server(var_dir: Path) -> LiveServer:
    """A uvicorn server (not started yet) on a fresh copy of the demo database and photos."""
    template = _demo_template()
    assert template.directory is not None and template.database_url is not None
    env = _demo_env(var_dir, copy_database(template.database_url, var_dir))
    if (template.directory / "media").is_dir():
        shutil.copytree(template.directory / "media", var_dir / "media", dirs_exist_ok=True)
    return LiveServer(env, _free_port())


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    server = demo_server(tmp_path_factory.mktemp("live"))
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = "chromium is not installed (make test installs it: .ci/system-packages.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _watch_contexts(browser)
        yield browser
        browser.close()


def server_now() -> datetime:
    """The servers' clock (UTC): now, on DEMO_DAY, what SHOPMIRROR_CLOCK gives them."""
    return datetime.now(UTC) + CLOCK_OFFSET


def device_now() -> datetime:
    """The phones' local time: now, on DEMO_DAY (what a test installs a page's clock from)."""
    return datetime.now() + CLOCK_OFFSET


def install_clock(page_or_context, at: datetime) -> None:
    """Fake timers from `at` on; where the demo day's clock is already installed, move it."""
    if CLOCK_OFFSET:
        page_or_context.clock.set_system_time(at)
    else:
        page_or_context.clock.install(time=at)


# What Chromium refused under the app's Content-Security-Policy during the current test.
CSP_VIOLATIONS: list[str] = []


# Chromium logs a refusal to DevTools but not to the page's console, which is what Playwright
# hears: the page's own `securitypolicyviolation` event says it there instead.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  "Content Security Policy refused " + e.effectiveDirective + " (" + (e.blockedURI || "?") +
  ") at " + e.sourceFile + ":" + e.lineNumber + ": " + (e.sample || "")));
"""


def _note_csp_violation(message) -> None:
    # /docs and /redoc have a policy of their own, whose refusals (ReDoc's logo from its CDN)
    # are the point: tests/e2e/test_api_docs.py checks nothing leaves the site.
    page_url = message.page.url if message.page else message.location.get("url", "")
    if urlsplit(page_url).path.startswith(("/docs", "/redoc")):
        return
    if message.type == "error" and "Content Security Policy" in message.text:
        CSP_VIOLATIONS.append(f"{message.location.get('url', '?')}: {message.text}")


@pytest.fixture(autouse=True)
def no_csp_violations() -> Iterator[None]:
    """Every browser test also proves the pages it drives break no rule of the CSP (an inline
    script or style the browser would drop, silently, on a shopper's phone)."""
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, "\n".join(CSP_VIOLATIONS)


def _wait_for_function(page, expression, arg=None, *, timeout=None, polling=None):
    """`Page.wait_for_function` without `eval` in the page: Playwright's own compiles the
    predicate inside the page, which the app's CSP (no 'unsafe-eval') refuses. This polls
    with `evaluate`, which DevTools runs outside the page's policy."""
    deadline = time.monotonic() + (timeout if timeout is not None else 30000) / 1000
    last_error = ""
    while True:
        try:
            value = page.evaluate(expression, arg)
        except PlaywrightError as exc:
            # A navigation in between: the old context is gone, or the new document has no
            # <html> yet (`documentElement` is null for a moment). Ask the next page; a
            # predicate that is simply wrong still fails, at the deadline, with its error.
            last_error = str(exc).splitlines()[0]
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise PlaywrightTimeoutError(
                f"wait_for_function timed out: {expression[:120]}"
                + (f" (last error: {last_error})" if last_error else "")
            )
        # Playwright polls on every animation frame: a state that lasts a moment (a sync tag
        # before its sync runs) must not be missed between two looks.
        time.sleep((polling if isinstance(polling, int | float) else 16) / 1000)


SyncPage.wait_for_function = _wait_for_function  # type: ignore[method-assign, assignment]

_screenshot = SyncPage.screenshot


def _screenshot_leaving_the_page_alone(page, **options):
    """Screenshots without Playwright's caret hiding, which writes a style attribute into
    every input; htmx's history snapshot then carries it back into the page, where the CSP
    refuses it, failing a test for what the test tool did."""
    options.setdefault("caret", "initial")
    return _screenshot(page, **options)


SyncPage.screenshot = _screenshot_leaving_the_page_alone  # type: ignore[method-assign, assignment]


def _watch_contexts(browser) -> None:
    """Every context of this browser reports CSP refusals and, when the suite runs on the
    demo day, starts with its clock there, like the servers'."""
    new_context = browser.new_context

    def watched_context(**options):
        context = new_context(**options)
        if CLOCK_OFFSET:
            context.clock.install(time=device_now())
        context.add_init_script(CSP_REPORTER)
        context.on("console", _note_csp_violation)
        return context

    browser.new_context = watched_context


def _page(browser, viewport, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.fixture
def phone(browser):
    """A page at a phone's size (360x740), touch enabled."""
    context, page = _page(browser, PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context, page = _page(browser, DESKTOP)
    yield page
    context.close()


def log_in(page, server: LiveServer, username: str, password: str | None = None) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORDS[username])
    page.click("form[action='/login'] button")
    page.wait_for_url(lambda url: "/login" not in url)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/output/ for a person to look at."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def logged_in_language(page, server, role: str, language: str) -> Iterator[None]:
    """Log in as `role` and read the office pages in `language` ("en" or "zh_CN").

    The choice is stored on the user, so it is switched back afterwards: the next test
    of the same server finds the account as it was.
    """
    log_in(page, server, role)
    if language == "zh_CN":
        switch_language(page)
    try:
        yield
    finally:
        if language == "zh_CN":
            page.goto(server.url + "/")
            switch_language(page)


def switch_language(page, button: str = ".lang-switch button") -> None:
    """Tap the language switch and wait until the page is in the other language.

    The switch first checks the connection (it says so offline), so the navigation starts
    a moment after the tap: waiting for `load` alone could still see the old page.
    """
    before = page.locator("html").get_attribute("lang")
    page.click(button)
    page.wait_for_function(
        "lang => document.documentElement?.lang && document.documentElement.lang !== lang",
        arg=before,
    )
    page.wait_for_load_state()


def await_background_sync(context, page, origin: str, done, *, nudge_after: float = 5) -> bool:
    """Wait for the service worker's Background Sync to make `done()` true.

    Chromium decides when to fire it (a real phone may wait longer), so after `nudge_after`
    seconds the test fires the sync event itself through the DevTools protocol.
    """

    def arrived(seconds: float) -> bool:
        for _tick in range(int(seconds * 10)):
            if done():
                return True
            page.wait_for_timeout(100)
        return False

    if arrived(nudge_after):
        return True
    cdp = context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(
            r["registrationId"] for r in e["registrations"] if not r["isDeleted"]
        ),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(300)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": origin,
            "registrationId": registrations[0],
            "tag": "sm-outbox",
            "lastChance": False,
        },
    )
    return arrived(10)
