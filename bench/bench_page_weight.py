"""Benchmark the checklist page's weight: bytes on the wire for HTML, CSS and JS (gzip).

Logs in as the demo shopper on a fresh demo database, starts a visit that is due, and
fetches the checklist page and every stylesheet and script it references the way a
phone would (Accept-Encoding: gzip), counting the compressed bytes received.

    .venv/bin/python bench/bench_page_weight.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_autosave import free_port, prepare, start_server

TARGET_KB = 60


def fetch(client: httpx.Client, url: str) -> tuple[int, int, str]:
    """(bytes on the wire, bytes once decoded, content-encoding)."""
    with client.stream("GET", url, headers={"accept-encoding": "gzip"}) as response:
        response.raise_for_status()
        wire = sum(len(chunk) for chunk in response.iter_raw())
        encoding = response.headers.get("content-encoding", "identity")
    decoded = len(client.get(url, headers={"accept-encoding": "identity"}).content)
    return wire, decoded, encoding


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp), 0)
        port = free_port()
        server = start_server(env, port)
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            client.post(
                "/login",
                data={"username": "shopper", "password": "demo-shopper-2026", "csrf_token": token},
            )
            home = client.get("/").text
            visit = re.search(r'class="button primary visit-go" href="(/visits/\d+)"', home)
            path = visit.group(1)
            page = client.get(path).text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            client.post(f"{path}/start", data={"csrf_token": csrf})
            page = client.get(path).text
            assert 'id="checklist"' in page and "data-not-started" not in page
            assets = re.findall(r'<(?:script[^>]+src|link[^>]+href)="(/static/[^"]+)"', page)
            rows = [(path + " (HTML)", *fetch(client, path))]
            rows += [(asset, *fetch(client, asset)) for asset in assets]
        finally:
            server.kill()
            server.wait(10)
    total_wire = sum(r[1] for r in rows)
    total_raw = sum(r[2] for r in rows)
    print(f"{'resource':44s} {'on the wire':>12s} {'decoded':>10s}  encoding")
    for name, wire, raw, encoding in rows:
        print(f"{name:44s} {wire / 1024:9.1f} KB {raw / 1024:7.1f} KB  {encoding}")
    print(f"{'total':44s} {total_wire / 1024:9.1f} KB {total_raw / 1024:7.1f} KB")
    met = total_wire / 1024 < TARGET_KB
    print(f"target < {TARGET_KB} KB transferred: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
