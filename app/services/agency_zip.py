"""Reading an agency's ZIP delivery: visit documents plus photos filed by visit and item.

Layout: `visits.json` (a JSON array of visit documents; or any `*.json` files at the
top, each one document or an array) and `photos/<external_id>/<item_id>/<file>`.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from app.errors import Invalid
from app.services.agency_import import PhotoFile

MAX_ENTRIES = 5000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # uncompressed, guards against ZIP bombs


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


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
    documents: list[Any] = []
    photos: dict[str, list[PhotoFile]] = {}
    names = {e.filename for e in entries}
    for entry in sorted(entries, key=lambda e: e.filename):
        name = entry.filename
        parts = name.split("/")
        if parts[0] == "photos":
            if len(parts) != 4 or not all(parts[1:]):
                raise Invalid(f"{name}: photos go in photos/<external_id>/<item_id>/<file>")
            photos.setdefault(parts[1], []).append((parts[2], parts[3], archive.read(entry)))
        elif len(parts) == 1 and name.endswith(".json"):
            if "visits.json" in names and name != "visits.json":
                continue
            documents.extend(_documents(name, archive.read(entry)))
    if not documents:
        raise Invalid("archive: no visits.json or other .json file at the top")
    known = {d.get("external_id") for d in documents if isinstance(d, dict)}
    stray = sorted(set(photos) - known)
    if stray:
        raise Invalid(f"photos/{stray[0]}: no visit with this external_id in the archive")
    return documents, photos


def _ignored(name: str) -> bool:
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1].startswith(".")


def _documents(name: str, raw: bytes) -> list[Any]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"{name}: not valid JSON ({exc})") from None
    return data if isinstance(data, list) else [data]
