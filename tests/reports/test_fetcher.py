"""Rendering loads only the app's static files and the report's own thumbnails."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.reports.fetcher import RefusedResource, ReportFetcher, thumb_url
from app.reports.renderer import ReportRenderer
from app.storage import LocalBackend
from tests.reports.conftest import pdf_images, pdf_text


@pytest.fixture
def media(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "t1.jpg").write_bytes(b"\xff\xd8thumb")
    (tmp_path / "secret.txt").write_text("top secret")
    return tmp_path


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://127.0.0.1/x.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "shopmirror:static/../settings.py",
        "shopmirror:static/../../../../etc/passwd",
        "shopmirror:static/",
        "shopmirror:thumb/2",  # a photo that is not part of this report
        "shopmirror:thumb/../secret.txt",
        "shopmirror:media/secret.txt",
    ],
)
def test_refuses_everything_but_whitelisted_files(media, url):
    fetcher = ReportFetcher(media=LocalBackend(media), thumbs={1: "photos/t1.jpg"})
    with pytest.raises(RefusedResource):
        fetcher.fetch(url)


@pytest.mark.parametrize("key", ["../secret.txt", "/etc/passwd", "photos/../../secret.txt"])
def test_a_thumbnail_path_cannot_escape_the_media_folder(media, key):
    fetcher = ReportFetcher(media=LocalBackend(media / "photos"), thumbs={1: key})
    with pytest.raises(RefusedResource):
        fetcher.fetch(thumb_url(1))


@pytest.mark.usefixtures("media_backend")
def test_thumbnails_come_from_the_configured_store():
    from app import storage

    storage.backend().put("photos/9/t.jpg", b"\xff\xd8stored")
    fetcher = ReportFetcher(media=storage.backend(), thumbs={1: "photos/9/t.jpg", 2: "gone.jpg"})
    fetched = fetcher.fetch(thumb_url(1))
    assert fetched.read() == b"\xff\xd8stored" and fetched.content_type == "image/jpeg"
    with pytest.raises(RefusedResource):  # listed in the report but no longer stored
        fetcher.fetch(thumb_url(2))


def test_serves_static_files_and_this_reports_thumbnails(media):
    fetcher = ReportFetcher(media=LocalBackend(media), thumbs={1: "photos/t1.jpg"})
    assert fetcher.fetch(thumb_url(1)).read() == b"\xff\xd8thumb"
    css = fetcher.fetch("shopmirror:static/report.css")
    assert b"@page" in css.read() and css.content_type == "text/css"


def test_html_cannot_pull_local_files_or_the_network_into_a_pdf(tmp_path):
    leak = tmp_path / "leak.png"
    from PIL import Image

    Image.new("RGB", (40, 40), "red").save(leak)
    html = f"""<html><body><p>before</p>
      <img src="file://{leak}"><img src="{leak}"><img src="http://127.0.0.1:9/x.png">
      <link rel="stylesheet" href="file://{tmp_path}/x.css">
      <object data="file:///etc/hostname"></object>
      <iframe src="file:///etc/passwd"></iframe>
      <p style="background: url(file://{leak})">after</p></body></html>"""
    pdf = ReportRenderer().render(html, media=LocalBackend(tmp_path), thumbs={}).pdf
    assert pdf_images(pdf) == []
    text = pdf_text(pdf)
    assert "before" in text and "after" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
