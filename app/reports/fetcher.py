"""The only resources a report may load: the app's static files and that report's thumbnails.

Report HTML names resources with a private scheme, `shopmirror:static/<file>` and
`shopmirror:thumb/<photo id>`. Everything else (file://, http(s)://, data:, a path
that climbs out of its folder, a photo that is not in this report) is refused, so
text a user typed can never pull a local file or a network resource into a PDF.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.storage import Backend, BadKey

SCHEME = "shopmirror:"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


class RefusedResource(ValueError):
    """A URL the report is not allowed to load."""


def thumb_url(photo_id: int) -> str:
    return f"{SCHEME}thumb/{photo_id}"


def _inside(root: Path, relative: str) -> Path:
    """`root/relative` resolved, provided it stays inside `root` and is a file."""
    base = root.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise RefusedResource(f"not an allowed file: {relative}")
    return path


# WeasyPrint's fetch() reads a fetcher's private state, so a subclass (not any callable)
# is the only fetcher it accepts.
class ReportFetcher(URLFetcher):
    """Serves `shopmirror:` URLs from a whitelist; refuses every other URL.

    `thumbs` maps the photo ids of one report to their thumbnails' storage keys in
    `media` (`app.storage`); a fetcher with no thumbs serves static files only.
    """

    def __init__(
        self,
        *,
        media: Backend | None = None,
        thumbs: Mapping[int, str] | None = None,
        static_dir: Path = STATIC_DIR,
    ) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self._media = media
        self._thumbs = dict(thumbs or {})
        self._static_dir = static_dir

    def resolve(self, url: str) -> tuple[str, bytes]:
        """The file name and bytes a URL stands for, or RefusedResource."""
        if not url.startswith(SCHEME):
            raise RefusedResource(f"only {SCHEME} URLs are served: {url[:80]}")
        rest = url[len(SCHEME) :].split("?", 1)[0].split("#", 1)[0]
        kind, _sep, name = rest.partition("/")
        if kind == "static" and name:
            path = _inside(self._static_dir, name)
            return path.name, path.read_bytes()
        if kind == "thumb" and name.isdigit() and self._media is not None:
            key = self._thumbs.get(int(name))
            if key:
                return key, _stored(self._media, key)
        raise RefusedResource(f"not part of this report: {url[:80]}")

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        name, data = self.resolve(url)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, headers={"Content-Type": content_type}, status=200)


def _stored(media: Backend, key: str) -> bytes:
    """A thumbnail's bytes from the store; a key that climbs out of it is refused."""
    try:
        data = media.get(key)
    except BadKey:
        raise RefusedResource(f"not an allowed file: {key[:80]}") from None
    if data is None:
        raise RefusedResource(f"not an allowed file: {key[:80]}")
    return data
