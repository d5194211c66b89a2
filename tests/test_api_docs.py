"""The API documentation (/docs, /redoc) loads only our own vendored files, byte for byte."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import login

VENDOR = Path(__file__).resolve().parents[1] / "app" / "static" / "vendor"
# every URL a page names: src, href and spec-url attributes, and url: "..." in its script
URL = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)|\burl:\s*['"]([^'"]+)""")
RECORD = re.compile(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", re.M)


def _urls(html: str) -> list[str]:
    return [a or b for a, b in URL.findall(html)]


@pytest.mark.parametrize(("path", "kinds"), [("/docs", (".js", ".css")), ("/redoc", (".js",))])
def test_the_documentation_names_local_assets_only_and_they_are_served(client, path, kinds):
    page = client.get(path)
    assert page.status_code == 200
    urls = _urls(page.text)
    assert "/openapi.json" in urls
    assert not [u for u in urls if not u.startswith("/")], urls  # nothing from another host
    assert "http://" not in page.text and "https://" not in page.text
    policy = page.headers["content-security-policy"]  # the browser refuses anything else
    assert "default-src 'self'" in policy and "img-src 'self' data:;" in policy
    assert "http" not in policy and "*" not in policy
    assets = [u for u in urls if u.startswith("/static/vendor/")]
    assert sorted(Path(u).suffix for u in assets) == sorted(kinds)
    for url in assets:
        served = client.get(url, headers={"accept-encoding": "identity"})
        assert served.status_code == 200, url
        assert served.content == (VENDOR / Path(url).name).read_bytes()
        packed = client.get(url, headers={"accept-encoding": "br"})
        assert packed.headers["content-encoding"] == "br"
        assert packed.content == served.content  # httpx decodes it: the same file
    icon = [u for u in urls if u.startswith("/static/icons/")]
    assert icon and client.get(icon[0]).status_code == 200
    assert client.get("/openapi.json").json()["paths"]  # what the pages draw


def test_every_vendored_file_matches_its_recorded_sha256():
    record = dict(RECORD.findall((VENDOR / "README.md").read_text()))
    scripts = {p.name for p in VENDOR.iterdir() if p.suffix in (".js", ".css")}
    assert set(record) == scripts  # each vendored script or style is recorded, nothing else
    for name, digest in record.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_the_agencies_page_links_both_documentation_pages(client, world):
    login(client, "admin", "admin-pass")
    page = client.get("/admin/agencies").text
    assert 'href="/docs"' in page and 'href="/redoc"' in page
