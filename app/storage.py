"""Media files (photos, thumbnails, cached reports, export ZIPs) and where they are kept.

One small interface, `Backend`, with two implementations chosen by `STORAGE_BACKEND`:
`LocalBackend` (the default: a directory, `MEDIA_DIR`) and `S3Backend` (any S3-compatible
store through boto3: `S3_ENDPOINT_URL`, `S3_BUCKET`, `S3_REGION`, `S3_ACCESS_KEY_ID`,
`S3_SECRET_ACCESS_KEY`). Files are named by a key, a relative path such as
`visits/12/<uuid>.jpg`; a key never climbs out of the store (`..`) or starts at its root.

Files follow the database: a photo row and its files must never disagree. Writers stage
the bytes (`write`): the local backend in a `.part` file beside the final path, S3 under
`_staging/`; the session's commit moves them into place, a rollback (of the whole
transaction or of the savepoint the write was made in, as in an agency's bulk delivery)
removes them. Deletions (`remove`) wait for the commit too, so a refused change keeps its
files. Everything that stores or removes a visit's files goes through `write` and `remove`.

Browsers never reach the store directly: the app streams a file after its access checks,
or (S3, large downloads) redirects to a presigned URL valid `STORAGE_URL_SECONDS`.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.settings import Settings, get_settings

log = logging.getLogger(__name__)
PENDING = "storage_pending"
CHUNK = 1024 * 1024
STAGING_PREFIX = "_staging/"  # S3: staged uploads waiting for their commit


class BadKey(ValueError):
    """A key that is not a plain relative path inside the store."""


def check_key(key: str) -> str:
    """`key` when it names a file inside the store, else BadKey."""
    parts = key.split("/")
    if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in parts):
        raise BadKey(f"not a storage key: {key[:80]!r}")
    return key


@dataclass(frozen=True)
class Stored:
    """One file of a listing: its key, size in bytes and last change (POSIX seconds)."""

    key: str
    size: int
    modified: float


@dataclass(frozen=True)
class Leftover:
    """A staged upload no commit or rollback finished (its process was killed): `key` is
    where it lies, `target` the key it was meant for (None when the store cannot tell)."""

    key: str
    target: str | None
    modified: float  # POSIX timestamp


class Staged(Protocol):
    """Bytes written but not yet visible under their key."""

    def apply(self) -> None: ...

    def discard(self) -> None: ...


class Backend(Protocol):
    """What the app asks of a file store. Every key goes through `check_key`."""

    name: str

    def stage(self, key: str, data: bytes) -> Staged:
        """Write `data` where readers cannot see it yet; `apply` publishes it."""
        ...

    def put(self, key: str, data: bytes) -> None:
        """Store `data` at once, atomically (a reader never sees half of it)."""
        ...

    def scratch(self, key: str) -> Path:
        """A local temporary file to build a large file in before `put_file(key, it)`."""
        ...

    def put_file(self, key: str, path: Path, *, move: bool = False) -> None:
        """Store a finished local file under `key` (and remove `path` when `move`)."""
        ...

    def get(self, key: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""
        ...

    def open(self, key: str) -> Iterator[bytes] | None:
        """The file in chunks, or None when there is no such file."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""
        ...

    def touch(self, key: str) -> None:
        """Mark the file as used now (what pruning by age reads)."""
        ...

    def list(self, prefix: str = "") -> Iterator[Stored]:
        """Every finished file whose key starts with `prefix` (staged ones are not listed)."""
        ...

    def leftovers(self, prefix: str = "") -> Iterator[Leftover]:
        """Staged uploads under `prefix` still lying where `stage` put them."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file on this machine's disk, when the store is a local directory."""
        ...

    def signed_url(self, key: str, *, filename: str, content_type: str) -> str | None:
        """A short-lived URL a browser may download from directly (None: stream it)."""
        ...


# --- the local directory ----------------------------------------------------------------


@dataclass
class _PartFile:
    path: Path
    staged: Path

    def apply(self) -> None:
        self.staged.replace(self.path)

    def discard(self) -> None:
        self.staged.unlink(missing_ok=True)


def media_root() -> Path:
    return get_settings().resolved_media_dir


_PART_NAME = re.compile(r"\.(.+)\.[0-9a-f]{8}\.part")  # `_temporary`'s names


def _is_hidden(path: Path) -> bool:
    """Staged `.part` files and the cache's `.tmp-` files are not finished files."""
    return path.name.startswith(".") or path.name.endswith(".part")


class LocalBackend:
    """Files under a directory (`MEDIA_DIR`), written to a temporary name and renamed."""

    name = "local"

    def __init__(self, root: Path | None = None) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root if self._root is not None else media_root()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _temporary(self, key: str) -> Path:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")

    def stage(self, key: str, data: bytes) -> Staged:
        staged = self._temporary(key)
        try:
            with open(staged, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:  # a full disk: no half-written file is left behind
            staged.unlink(missing_ok=True)
            raise
        return _PartFile(self._path(key), staged)

    def put(self, key: str, data: bytes) -> None:
        staged = self._temporary(key)
        staged.write_bytes(data)
        os.replace(staged, self._path(key))

    def scratch(self, key: str) -> Path:
        return self._temporary(key)  # beside the target: the final rename stays on one disk

    def put_file(self, key: str, path: Path, *, move: bool = False) -> None:
        if move:
            self._path(key).parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, self._path(key))
            return
        staged = self._temporary(key)
        shutil.copy2(path, staged)
        os.replace(staged, self._path(key))

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def open(self, key: str) -> Iterator[bytes] | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return _file_chunks(path)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def touch(self, key: str) -> None:
        os.utime(self._path(key))

    def list(self, prefix: str = "") -> Iterator[Stored]:
        root = self.root
        if not root.is_dir():
            return
        for path in sorted(root.rglob("*")):
            key = path.relative_to(root).as_posix()
            if key.startswith(prefix) and path.is_file() and not _is_hidden(path):
                stat = path.stat()
                yield Stored(key, stat.st_size, stat.st_mtime)

    def leftovers(self, prefix: str = "") -> Iterator[Leftover]:
        root = self.root
        if not root.is_dir():
            return
        for path in sorted(root.rglob(".*.part")):
            key = path.relative_to(root).as_posix()
            match = _PART_NAME.fullmatch(path.name)
            if key.startswith(prefix) and path.is_file() and match:
                target = path.with_name(match.group(1)).relative_to(root).as_posix()
                yield Leftover(key, target, path.stat().st_mtime)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def signed_url(self, key: str, *, filename: str, content_type: str) -> str | None:
        return None


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(CHUNK), b"")


# --- S3-compatible object storage -------------------------------------------------------


@lru_cache(maxsize=8)
def _s3_client(endpoint: str, region: str, access_key: str, secret_key: str) -> Any:
    """One thread-safe boto3 client per configuration (and per process: spawned workers)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=region,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"}),
    )


def _missing(error: Exception) -> bool:
    code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


@dataclass
class _StagedObject:
    backend: S3Backend
    key: str
    staged: str

    def apply(self) -> None:
        self.backend.copy(self.staged, self.key)
        self.backend.delete(self.staged)

    def discard(self) -> None:
        self.backend.delete(self.staged)


class S3Backend:
    """Objects in one bucket of an S3-compatible store (AWS, MinIO, Ceph, moto...)."""

    name = "s3"

    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket
        self.url_seconds = settings.storage_url_seconds
        self.presign = settings.s3_presigned_downloads
        self.scratch_dir = settings.var_dir / "tmp"
        self.client = _s3_client(
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
        )

    def _object(self, key: str) -> Any | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def stage(self, key: str, data: bytes) -> Staged:
        check_key(key)
        staged = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        # the target rides along, so a sweep can still place it after a killed commit
        self.client.put_object(Bucket=self.bucket, Key=staged, Body=data, Metadata={"target": key})
        return _StagedObject(self, key, staged)

    def copy(self, source: str, key: str) -> None:
        self.client.copy_object(
            Bucket=self.bucket,
            Key=check_key(key),
            CopySource={"Bucket": self.bucket, "Key": source},
        )

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=check_key(key), Body=data)

    def scratch(self, key: str) -> Path:
        check_key(key)
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.scratch_dir, suffix=".part")
        os.close(fd)
        return Path(name)

    def put_file(self, key: str, path: Path, *, move: bool = False) -> None:
        self.client.upload_file(str(path), self.bucket, check_key(key))  # multipart when large
        if move:
            path.unlink(missing_ok=True)

    def get(self, key: str) -> bytes | None:
        found = self._object(key)
        return None if found is None else found["Body"].read()

    def open(self, key: str) -> Iterator[bytes] | None:
        found = self._object(key)
        return None if found is None else found["Body"].iter_chunks(CHUNK)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def touch(self, key: str) -> None:
        """Copy the object onto itself: S3 has no utime, and this renews LastModified."""
        self.client.copy_object(
            Bucket=self.bucket,
            Key=check_key(key),
            CopySource={"Bucket": self.bucket, "Key": key},
            MetadataDirective="REPLACE",
        )

    def list(self, prefix: str = "") -> Iterator[Stored]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                if item["Key"].startswith(STAGING_PREFIX):
                    continue
                modified: datetime = item["LastModified"]
                yield Stored(item["Key"], item["Size"], modified.astimezone(UTC).timestamp())

    def leftovers(self, prefix: str = "") -> Iterator[Leftover]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=STAGING_PREFIX
        )
        for page in pages:
            for item in page.get("Contents", []):
                head = self.client.head_object(Bucket=self.bucket, Key=item["Key"])
                target = head.get("Metadata", {}).get("target")
                if target is None or target.startswith(prefix):
                    modified: datetime = item["LastModified"]
                    yield Leftover(item["Key"], target, modified.astimezone(UTC).timestamp())

    def local_path(self, key: str) -> Path | None:
        return None

    def signed_url(self, key: str, *, filename: str, content_type: str) -> str | None:
        if not self.presign:
            return None
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": check_key(key),
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseCacheControl": "private, no-store",
            },
            ExpiresIn=self.url_seconds,
        )
        return url


def backend() -> Backend:
    """The configured store (read from the settings each time: tests switch them)."""
    settings = get_settings()
    if settings.storage_backend == "s3":
        return S3Backend(settings)
    return LocalBackend()


def probe(*, timeout: float) -> None:
    """Raise unless the configured store can be used now (for `/healthz`).

    S3: HEAD on the bucket (exists, credentials accepted) through a client of its own with
    `timeout`-second connects and reads and no retries, so a dead store answers quickly.
    Local: a tiny hidden file written, read back and deleted (the directory is writable).
    """
    settings = get_settings()
    if settings.storage_backend == "s3":
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None,
            config=Config(
                connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 1}
            ),
        )
        client.head_bucket(Bucket=settings.s3_bucket)
        return
    root = media_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / f".healthz-{uuid.uuid4().hex[:12]}"  # hidden: never listed as a file
    try:
        path.write_bytes(b"ok")
        if path.read_bytes() != b"ok":
            raise OSError(f"{root}: a probe file read back differently")
    finally:
        path.unlink(missing_ok=True)


def describe() -> str:
    """Where media live, in words for messages (`MEDIA_DIR (/x)` or `S3 bucket x`)."""
    settings = get_settings()
    if settings.storage_backend == "s3":
        return f"the S3 bucket {settings.s3_bucket}"
    return f"MEDIA_DIR ({settings.resolved_media_dir})"


# --- files follow the session -----------------------------------------------------------


@dataclass
class _Pending:
    store: Backend
    key: str
    staged: Staged | None  # None: a deletion
    transaction: SessionTransaction | None


def _pending(db: Session) -> list[_Pending]:
    return db.info.setdefault(PENDING, [])


def _innermost(db: Session) -> SessionTransaction | None:
    """The savepoint a change is made in (or the transaction), so its rollback drops it."""
    return db.get_nested_transaction() or db.get_transaction()


# What S3-compatible stores answer when they cannot take an object: MinIO's full drives
# (HTTP 507), Ceph RGW's and others' bucket or user quota, and WebDAV-style 507s.
S3_FULL_CODES = frozenset({"XMinioStorageFull", "QuotaExceeded", "InsufficientStorage"})


def out_of_space(error: BaseException) -> bool:
    """A write failed because the disk, the store or a quota is full (not a fault to report as
    500): the local disk's ENOSPC or EDQUOT, or an S3 store's 507 or quota code."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    response = getattr(error, "response", None)  # botocore's ClientError
    if not isinstance(response, dict):
        return False
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in S3_FULL_CODES or status == 507


def write(db: Session, relative: str, data: bytes) -> None:
    """Stage `data` for the key `relative`; it appears when `db` commits."""
    store = backend()
    _pending(db).append(_Pending(store, relative, store.stage(relative, data), _innermost(db)))


def remove(db: Session, relative: str) -> None:
    """Delete `relative` once `db` commits (a rollback keeps it)."""
    _pending(db).append(_Pending(backend(), check_key(relative), None, _innermost(db)))


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _drop(item: _Pending) -> None:
    if item.staged is None:
        return
    try:
        item.staged.discard()
    except Exception:  # a rollback must not fail over a staged file it could not delete
        log.exception("could not discard a staged file for %s", item.key)


@event.listens_for(Session, "after_commit")
def _apply(db: Session) -> None:
    if db.in_nested_transaction():  # a savepoint released: wait for the real commit
        return
    for item in db.info.pop(PENDING, []):
        try:
            if item.staged is None:
                item.store.delete(item.key)
            else:
                item.staged.apply()
        except Exception:  # the row is committed: log loudly, never undo the commit
            log.exception("could not apply a committed file change to %s", item.key)


@event.listens_for(Session, "after_soft_rollback")
def _discard(db: Session, previous_transaction: SessionTransaction) -> None:
    kept = []
    for item in db.info.get(PENDING, []):
        if _within(item.transaction, previous_transaction):
            _drop(item)
        else:
            kept.append(item)
    db.info[PENDING] = kept


@event.listens_for(Session, "after_transaction_end")
def _discard_unfinished(db: Session, transaction: SessionTransaction) -> None:
    """A session closed without committing leaves no staged file behind."""
    if transaction.parent is not None:
        return
    for item in db.info.pop(PENDING, []):
        _drop(item)


def write_errors() -> tuple[type[BaseException], ...]:
    """What a failed write raises, whichever the store: a full or read-only disk (OSError),
    an S3 store refusing or out of reach (botocore's errors)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (OSError, BotoCoreError, ClientError)
