"""Reading an agency's ZIP delivery: visit documents plus photos filed by visit and item.

Layout: `visits.json` (a JSON array of visit documents; or any `*.json` files at the
top, each one document or an array) and `photos/<external_id>/<item_id>/<file>`.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any

from app.errors import Invalid
from app.scoring import DocumentError
from app.scoring.source import load_json
from app.services.agency_import import PhotoFile

MAX_ENTRIES = 5000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # uncompressed, guards against ZIP bombs
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # one visits.json or one photo, unpacked


def is_zip(data: bytes) -> bool:
    """A ZIP's first bytes: a local file header, or the end record of an empty archive."""
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def read_bundle(data: bytes) -> tuple[list[Any], dict[str, list[PhotoFile]]]:
    """The documents and the photos per external id; Invalid naming the entry when malformed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise Invalid("archive: not a readable ZIP file") from None
    entries = [e for e in archive.infolist() if not e.is_dir() and not _ignored(e.filename)]
    if len(entries) > MAX_ENTRIES:
        raise Invalid(f"archive: more than {MAX_ENTRIES} files")
    if sum(e.file_size for e in entries) > MAX_TOTAL_BYTES:
        raise Invalid("archive: too large once unpacked")
    oversize = next((e.filename for e in entries if e.file_size > MAX_ENTRY_BYTES), None)
    if oversize:
        raise Invalid(f"{oversize}: larger than {MAX_ENTRY_BYTES // 1024 // 1024} MB unpacked")
    documents: list[Any] = []
    photos: dict[str, list[PhotoFile]] = {}
    names = {e.filename for e in entries}
    for entry in sorted(entries, key=lambda e: e.filename):
        name = entry.filename
        parts = name.split("/")
        if parts[0] == "photos":
            if len(parts) != 4 or not all(parts[1:]):
                raise Invalid(f"{name}: photos go in photos/<external_id>/<item_id>/<file>")
            photos.setdefault(parts[1], []).append((parts[2], parts[3], _read(archive, entry)))
        elif len(parts) == 1 and name.endswith(".json"):
            if "visits.json" in names and name != "visits.json":
                continue
            documents.extend(_documents(name, _read(archive, entry)))
    if not documents:
        raise Invalid("archive: no visits.json or other .json file at the top")
    known = {d.get("external_id") for d in documents if isinstance(d, dict)}
    stray = sorted(set(photos) - known)
    if stray:
        raise Invalid(f"photos/{stray[0]}: no visit with this external_id in the archive")
    return documents, photos


READABLE_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """One entry's bytes (zipfile stops at the declared size and checks the CRC)."""
    if entry.compress_type not in READABLE_METHODS:
        raise Invalid(f"{entry.filename}: compressed with a method this server does not read")
    try:
        return archive.read(entry)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError) as exc:
        raise Invalid(f"{entry.filename}: damaged in the archive ({exc})") from None


def _ignored(name: str) -> bool:
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1].startswith(".")


def _documents(name: str, raw: bytes) -> list[Any]:
    try:
        data = load_json(raw, name)
    except DocumentError as exc:
        raise Invalid("; ".join(exc.errors)) from None
    return data if isinstance(data, list) else [data]
