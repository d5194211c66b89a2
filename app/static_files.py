"""Static files, Brotli-compressed for browsers that take it (every current phone browser).

A shopper opens the checklist on poor mobile signal with nothing cached; its scripts and
stylesheet are most of the bytes. Brotli at its best quality makes them about 14 % smaller
than gzip; the work is done once per file and process (files change only with a release)
and kept in memory, off the event loop. Other clients get gzip from `GZipMiddleware`, which
leaves a response that already has a Content-Encoding alone.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import anyio.to_thread
import brotli
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

# Scripts a page loads together, served as one file: on a phone with nothing cached each
# response costs its headers and compresses alone; one file saves both. The parts stay
# files of their own (the service worker imports outbox.js; each is read on its own).
BUNDLES: dict[str, tuple[str, ...]] = {
    "visit.bundle.js": (
        "outbox.js",
        "visit.js",
        "completeness.js",
        "navigation.js",
        "stopwatch.js",
        "photos.js",
        "checklist.js",
    ),
}

COMPRESSIBLE = frozenset({".css", ".js", ".svg", ".json", ".webmanifest", ".txt", ".md"})
MINIMUM_SIZE = 800  # as GZipMiddleware's: below it the headers outweigh the saving
# Files larger than this (the vendored API documentation bundles, 1.1-1.7 MB) compress at
# quality 9: quality 11 takes about 8 s for Swagger UI's bundle on a busy 2-core server, which
# a first visitor would wait for; quality 9 takes 0.3 s and sends 10 % more bytes.
LARGE_FILE = 512 * 1024


@lru_cache(maxsize=128)
def _brotli(path: str, mtime_ns: int, size: int) -> bytes:
    """The file compressed (the key's mtime and size make an edited file compress again)."""
    return brotli.compress(Path(path).read_bytes(), quality=9 if size > LARGE_FILE else 11)


def accepts_brotli(headers: Headers) -> bool:
    """Whether the request's Accept-Encoding lists br (and does not refuse it with q=0)."""
    for part in headers.get("accept-encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() == "br":
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


@lru_cache(maxsize=8)
def _bundle(directory: str, name: str, stamps: tuple[tuple[int, int], ...]) -> tuple[bytes, str]:
    """The parts joined in order, and an ETag of the result (stamps: each part's mtime, size)."""
    parts = [(Path(directory) / part).read_bytes() for part in BUNDLES[name]]
    body = b"\n;\n".join(parts)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@lru_cache(maxsize=8)
def _bundle_brotli(body: bytes) -> bytes:
    return brotli.compress(body, quality=11)


class CompressedStaticFiles(StaticFiles):
    """StaticFiles that answers with Brotli when the browser accepts it, and serves BUNDLES."""

    async def _bundle_response(self, name: str, scope: Scope) -> Response:
        directory = str(self.directory)
        stamps = tuple(
            (st.st_mtime_ns, st.st_size)
            for st in (os.stat(os.path.join(directory, part)) for part in BUNDLES[name])
        )
        body, etag = await anyio.to_thread.run_sync(_bundle, directory, name, stamps)
        request = Headers(scope=scope)
        headers = {"etag": etag, "vary": "Accept-Encoding", "cache-control": "no-cache"}
        matches = [
            t.strip().removeprefix("W/") for t in request.get("if-none-match", "").split(",")
        ]
        brotli_ok = accepts_brotli(request)
        if brotli_ok:
            headers["etag"] = etag.removesuffix('"') + '-br"'
        if headers["etag"] in matches:
            return NotModifiedResponse(Headers(headers))
        kind = {"content-type": "text/javascript; charset=utf-8"}
        if not brotli_ok:
            return Response(body, headers=headers | kind)  # GZipMiddleware compresses it
        packed = await anyio.to_thread.run_sync(_bundle_brotli, body)
        return Response(packed, headers=headers | kind | {"content-encoding": "br"})

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path in BUNDLES:
            return await self._bundle_response(path, scope)
        response = await super().get_response(path, scope)
        request = Headers(scope=scope)
        if not isinstance(response, FileResponse) or response.status_code != 200:
            return response
        stat = response.stat_result
        if (
            stat is None
            or stat.st_size < MINIMUM_SIZE
            or Path(str(response.path)).suffix not in COMPRESSIBLE
            or not accepts_brotli(request)
            or "range" in request
        ):
            return response
        etag = response.headers["etag"].removesuffix('"') + '-br"'
        headers = {
            "etag": etag,
            "last-modified": response.headers["last-modified"],
            "vary": "Accept-Encoding",
        }
        if etag in [
            t.strip().removeprefix("W/") for t in request.get("if-none-match", "").split(",")
        ]:
            return NotModifiedResponse(Headers(headers))
        body = await anyio.to_thread.run_sync(
            _brotli, str(response.path), stat.st_mtime_ns, stat.st_size
        )
        kind = response.headers["content-type"]
        return Response(body, headers=headers | {"content-encoding": "br", "content-type": kind})
