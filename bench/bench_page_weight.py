"""Benchmark the checklist page's first load in Chromium: bytes on the wire and Fast 3G time.

A shopper on poor signal opens the checklist of a started visit with nothing cached. This
script starts a demo server, logs the demo shopper in, starts a visit that is due, then
opens its checklist page in a fresh browser context (empty HTTP cache, no service worker)
at 360x740 under Chromium's Fast 3G emulation (DevTools' preset: 562.5 ms latency,
1.6 Mbps * 0.9 down, 750 kbps * 0.9 up). It prints every resource the page loaded with
its compressed transfer size (headers included, as counted by the browser), the total,
and the times: DOMContentLoaded, load, and "interactive": the moment checklist.js has put
on screen what the phone kept (`#checklist[data-restored]`), after which a tap is handled.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_page_weight.py
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_autosave import free_port, prepare, start_server

TARGET_KB = 35
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8 * 0.9,
    "uploadThroughput": 750 * 1024 / 8 * 0.9,
}
# Set when checklist.js has restored the page: from then on the page answers a tap.
MARK_INTERACTIVE = """
new MutationObserver(function (changes, observer) {
  var root = document.getElementById("checklist");
  if (root && root.hasAttribute("data-restored")) {
    window.__interactive = performance.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true, attributes: true});
"""


def started_visit(browser, base: str) -> tuple[str, dict]:
    """Log in, start a due visit; returns its path and the logged-in storage state."""
    context = browser.new_context(viewport=PHONE, service_workers="block")
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", "shopper")
    page.fill("input[name=password]", "demo-shopper-2026")
    page.click("form[action='/login'] button")
    page.wait_for_url(lambda url: "/login" not in url)
    path = page.get_attribute("a.visit-go", "href")
    assert path and re.fullmatch(r"/visits/\d+", path), path
    page.goto(base + path)
    token = page.input_value("form[data-start] input[name=csrf_token]")
    answer = page.request.post(base + path + "/start", form={"csrf_token": token})
    assert answer.ok, answer.status
    state = context.storage_state()
    context.close()
    return path, state


def first_load(browser, base: str, path: str, state: dict) -> dict:
    """Open the page once, throttled, counting each response's bytes as Chromium received them."""
    context = browser.new_context(
        viewport=PHONE,
        storage_state=state,
        service_workers="block",
        has_touch=True,
        is_mobile=True,
    )
    context.add_init_script(MARK_INTERACTIVE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    urls: dict[str, str] = {}
    encodings: dict[str, str] = {}
    sizes: dict[str, int] = {}

    def response(event: dict) -> None:
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        urls[event["requestId"]] = event["response"]["url"]
        encodings[event["requestId"]] = headers.get("content-encoding", "identity")

    cdp.on("Network.responseReceived", response)
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    page.goto(base + path, wait_until="load")
    page.wait_for_function("window.__interactive !== undefined", timeout=60000)
    page.wait_for_load_state("networkidle")
    assert page.locator("#checklist").count() == 1
    assert page.locator("#checklist[data-not-started]").count() == 0
    timing = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType("navigation")[0];
          return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                  interactive: window.__interactive};
        }"""
    )
    context.close()
    rows = [
        (urls[rid].removeprefix(base), size, encodings.get(rid, "?"))
        for rid, size in sizes.items()
        if rid in urls and not urls[rid].startswith("data:")
    ]
    return {"rows": rows, **timing}


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp), 0)
        port = free_port()
        server = start_server(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                path, state = started_visit(browser, base)
                result = first_load(browser, base, path, state)
                browser.close()
        finally:
            server.kill()
            server.wait(10)
    rows = result["rows"]
    total = sum(size for _name, size, _enc in rows)
    print(f"checklist page {path}, first load, 360x740, Fast 3G, nothing cached")
    print(f"{'resource':52s} {'bytes':>8s}  encoding")
    for name, size, encoding in rows:
        print(f"{name:52s} {size:8d}  {encoding}")
    print(f"{'total transferred':52s} {total:8d}  ({total / 1024:.1f} KB)")
    met = total <= TARGET_KB * 1024
    print(f"target <= {TARGET_KB} KB: {'met' if met else 'NOT met'}")
    print(f"DOMContentLoaded {result['dcl']:.0f} ms, load {result['load']:.0f} ms")
    print(f"time to interactive (Fast 3G): {result['interactive']:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
