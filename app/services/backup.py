"""`shopmirror backup` and `shopmirror restore`: the database, photos and reports, checksummed.

A backup is a directory a person can read:

    manifest.json      what it holds: database kind, schema revision, every file's SHA-256
    database.sqlite3   SQLite, copied through its online backup API (consistent while in use)
    database.pgdump    or PostgreSQL, in pg_dump's custom format (one snapshot of the database)
    media/...          photos, cached and bulk reports, one file per storage key (MEDIA_DIR or
                       the S3 bucket: app.storage), so a backup of one backend restores into
                       the other

The database is copied first and the files after it: files are written only after the commit
that records them (app.storage), so every photo row of the snapshot has its file in the copy.
A restore checks every checksum before it changes anything, and refuses a database that is
not empty, so a mistyped DATABASE_URL cannot overwrite a live programme.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, make_url, text

from app import storage
from app.errors import DomainError
from app.settings import get_settings

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MEDIA = "media"


class BackupError(DomainError):
    """A backup or restore that cannot go on, with the reason in words."""


@dataclass(frozen=True)
class Summary:
    """What a backup or restore did, for the command's output."""

    directory: Path
    database: str
    files: int
    size: int


def backup(target: Path) -> Summary:
    """Write a backup of the configured database and MEDIA_DIR into `target` (new or empty)."""
    settings = get_settings()
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new directory for the backup.")
    target.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    database_file = target / (SQLITE_FILE if kind == "sqlite" else PG_FILE)
    revision = _revision(url)
    if kind == "sqlite":
        _sqlite_copy(make_url(url).database or "", str(database_file))
    else:
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(database_file), _libpq(url)]
        )
    store = storage.backend()
    for stored in list(store.list()):
        copy = target / MEDIA / storage.check_key(stored.key)
        copy.parent.mkdir(parents=True, exist_ok=True)
        local = store.local_path(stored.key)
        if local is not None:
            shutil.copy2(local, copy)
            continue
        chunks = store.open(stored.key)
        if chunks is None:  # deleted since the listing (a pruned report): not in this backup
            continue
        with copy.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    files = {str(path.relative_to(target)): _digest(path) for path in sorted(_all_files(target))}
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": kind,
        "schema_revision": revision,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Summary(target, kind, len(files), sum(p.stat().st_size for p in _all_files(target)))


def restore(source: Path) -> Summary:
    """Put a backup back into the configured (empty) database and MEDIA_DIR."""
    settings = get_settings()
    manifest = verified_manifest(source)
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(
            f"This backup holds a {manifest['database']} database; DATABASE_URL is {kind}. "
            "Restore it into the same kind of database."
        )
    url = settings.resolved_database_url
    if not _is_empty(url):
        raise BackupError(
            "The database at DATABASE_URL is not empty: restore into a new, empty database."
        )
    store = storage.backend()
    if next(iter(store.list()), None) is not None:
        raise BackupError(f"{storage.describe()} holds files: restore into an empty one.")
    if kind == "sqlite":
        path = make_url(url).database or ""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(str(source / SQLITE_FILE), path)
    else:
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                _libpq(url),
                str(source / PG_FILE),
            ]
        )
    for name in manifest["files"]:
        if name.startswith(MEDIA + "/"):
            store.put_file(Path(name).relative_to(MEDIA).as_posix(), source / name)
    files = manifest["files"]
    return Summary(source, kind, len(files), sum((source / n).stat().st_size for n in files))


def verified_manifest(source: Path) -> dict:
    """The backup's manifest, once every file it lists is there with its checksum."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} has no {MANIFEST}: it is not a ShopMirror backup.") from None
    except ValueError as error:
        raise BackupError(f"{source / MANIFEST} is not valid JSON ({error}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST}: unknown backup format {manifest.get('format')!r}.")
    for name, expected in manifest["files"].items():
        path = source / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise BackupError(f"{MANIFEST} lists {name!r}, outside the backup.")
        if not path.is_file():
            raise BackupError(f"{name} is missing from the backup.")
        if _digest(path) != expected:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged.")
    return manifest


def _all_files(directory: Path) -> Iterator[Path]:
    return (p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_copy(source: str, target: str) -> None:
    """SQLite's backup API: a consistent copy even while the app writes (WAL included)."""
    if not Path(source).is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    origin, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        origin.backup(copy)
    finally:
        copy.close()
        origin.close()


def _libpq(url: str) -> str:
    """The URL as libpq's tools read it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt install postgresql-client).")
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _is_empty(url: str) -> bool:
    if url.startswith("sqlite"):
        path = make_url(url).database or ""
        if not Path(path).exists():
            return True
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()
