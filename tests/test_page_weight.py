"""What a phone downloads: Brotli for static text files, gzip otherwise, no htmx for shoppers."""

from __future__ import annotations

import pytest

from app.static_files import accepts_brotli
from tests.conftest import login

HTMX = "/static/vendor/htmx-"


def test_a_script_comes_brotli_compressed_with_its_own_etag(client):
    plain = client.get("/static/checklist.js", headers={"accept-encoding": "identity"})
    answer = client.get("/static/checklist.js", headers={"accept-encoding": "gzip, br"})
    assert answer.headers["content-encoding"] == "br"
    assert answer.headers["vary"] == "Accept-Encoding"
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.content == plain.content  # httpx decodes Brotli
    assert int(answer.headers["content-length"]) < len(plain.content) / 3
    etag = answer.headers["etag"]
    assert etag.endswith('-br"') and etag != plain.headers["etag"]
    again = client.get(
        "/static/checklist.js", headers={"accept-encoding": "br", "if-none-match": etag}
    )
    assert again.status_code == 304 and again.headers["etag"] == etag


def test_without_brotli_the_middleware_gzips(client):
    answer = client.get("/static/app.css", headers={"accept-encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    refused = client.get("/static/app.css", headers={"accept-encoding": "gzip, br;q=0"})
    assert refused.headers["content-encoding"] == "gzip"


def test_images_and_small_files_are_sent_as_they_are(client):
    icon = client.get("/static/icons/icon-192.png", headers={"accept-encoding": "br"})
    assert "content-encoding" not in icon.headers
    assert icon.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("header", "takes"),
    [("gzip, deflate, br, zstd", True), ("br;q=0", False), ("gzip", False), ("", False)],
)
def test_accept_encoding(header, takes):
    from starlette.datastructures import Headers

    assert accepts_brotli(Headers({"accept-encoding": header})) is takes


def test_shopper_pages_load_no_htmx_office_pages_do(client, world):
    login(client, "shopper", "shopper-pass")
    assert HTMX not in client.get("/").text
    client.cookies.clear()
    login(client, "reviewer", "reviewer-pass")
    assert HTMX in client.get("/").text
    assert HTMX in client.get("/review").text


def test_the_checklist_scripts_come_as_one_bundle_in_their_order(client):
    import brotli

    from app.main import STATIC_DIR
    from app.static_files import BUNDLES

    parts = [(STATIC_DIR / name).read_bytes() for name in BUNDLES["visit.bundle.js"]]
    packed = client.get("/static/visit.bundle.js", headers={"accept-encoding": "br"})
    assert packed.status_code == 200 and packed.headers["content-encoding"] == "br"
    body = brotli.decompress(packed.content) if packed.content[:1] != b"/" else packed.content
    assert body == b"\n;\n".join(parts)
    again = client.get(
        "/static/visit.bundle.js",
        headers={"accept-encoding": "br", "if-none-match": packed.headers["etag"]},
    )
    assert again.status_code == 304
    plain = client.get("/static/visit.bundle.js", headers={"accept-encoding": "gzip"})
    assert plain.headers["content-encoding"] == "gzip" and plain.content == body


def test_an_open_visit_loads_the_bundle_not_its_parts(client, world, db):
    from app.services.checklists import import_checklist
    from tests.visit.conftest import CHECKLIST, make_visit

    version, _ = import_checklist(db, source=CHECKLIST)
    visit = make_visit(db, world, version)
    db.commit()
    login(client, "shopper", "shopper-pass")
    page = client.get(f"/visits/{visit.id}").text
    assert '<script src="/static/visit.bundle.js" defer>' in page
    assert '<script src="/static/checklist.js"' not in page
