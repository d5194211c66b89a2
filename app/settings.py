"""Runtime configuration, read once from the environment (and `.env`).

Every setting has a safe default for a developer's machine; a bad value stops
the app at start with a message naming the variable rather than failing later.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.client_address import parse_networks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "zh_CN")


class SettingsError(RuntimeError):
    """A configuration value is unusable; the message names the variable."""


class Settings(BaseSettings):
    """ShopMirror settings; environment variables have the same names in upper case."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    # Each process's PostgreSQL connection pool (SQLite opens a connection per thread and
    # has none to size): connections kept open, extra ones opened at a peak and closed
    # after, and the seconds a request waits for a free one before it fails. An instance
    # holds up to DB_POOL_SIZE + DB_MAX_OVERFLOW connections (docs/deploy.md: sizing).
    db_pool_size: int = Field(default=10, ge=1, le=1000)
    db_max_overflow: int = Field(default=20, ge=0, le=1000)
    db_pool_timeout: int = Field(default=30, ge=1, le=600)
    host: str = "0.0.0.0"
    port: int = Field(default=8000, ge=1, le=65535)
    media_dir: Path | None = None
    secret_key: str = ""
    default_language: str = "en"
    base_url: str = "http://localhost:8000"
    # Proxies whose X-Forwarded-For is believed (addresses or CIDR blocks, comma-separated,
    # e.g. "10.0.0.5,172.16.0.0/12"). Empty: every request's address is its connection's,
    # and a header anyone can write never decides login throttling or the security log.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    max_photo_bytes: int = Field(default=15 * 1024 * 1024, gt=0)
    # Failed logins per username and address before each further one waits, the first wait
    # and the longest (the wait doubles per failure in between): slowed down, never locked.
    login_max_failures: int = Field(default=5, ge=1)
    login_backoff_seconds: int = Field(default=15, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    session_days: int = Field(default=14, ge=1)
    # A session unused this long ends (OWASP ASVS V7): shoppers' phones, office browsers.
    idle_hours_shopper: int = Field(default=12, ge=1)
    idle_hours_office: int = Field(default=8, ge=1)
    # HQ accounts must turn on two-factor login (TOTP) before they reach any HQ page.
    require_totp_for_hq: bool = False
    dispute_window_days: int = Field(default=7, ge=0)
    # The time in is the server's; the phone's claim is kept beside it, and a gap larger than
    # this many minutes (a wrong clock, an edited one, or a check-in queued offline) is
    # flagged for the reviewer.
    time_in_tolerance_minutes: int = Field(default=10, ge=1)
    # Privacy (ESOMAR/MSPA): visits older than this many months lose photos, GPS, free texts
    # and their shopper (scores stay); 0 keeps them forever. `shopmirror purge` applies it,
    # and so does the server every PURGE_EVERY_HOURS (0: only the command).
    retention_months: int = Field(default=0, ge=0)
    purge_every_hours: int = Field(default=24, ge=0)
    login_log_days: int = Field(default=180, ge=1)  # logins kept in the security log
    export_keep_days: int = Field(default=7, ge=1)  # bulk report ZIPs are large: delete old ones
    # Where photos and reports are kept (app.storage): "local" (MEDIA_DIR) or "s3" (an
    # S3-compatible bucket, shared by every app instance and worker).
    storage_backend: Literal["local", "s3"] = "local"
    s3_endpoint_url: str = ""  # empty: AWS itself; MinIO, Ceph or moto give their URL
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""  # both empty: boto3's own chain (instance role, ~/.aws)
    s3_secret_access_key: str = ""
    # How long a presigned download URL (S3: bulk export ZIPs) stays valid after the app's
    # access check issued it.
    storage_url_seconds: int = Field(default=300, ge=10, le=3600)
    # False when browsers cannot reach S3_ENDPOINT_URL (a store on a private network): the
    # app then streams export ZIPs itself, as it always does photos.
    s3_presigned_downloads: bool = True
    # The job queue (Redis, e.g. redis://127.0.0.1:6379/0). Empty: bulk exports run on a
    # thread of the web process, as `make run` needs; set: `shopmirror worker` runs them.
    broker_url: str = ""
    broker_namespace: str = Field(default="shopmirror", pattern=r"^[A-Za-z0-9_.:-]{1,60}$")
    # A running job writes a heartbeat this often; one silent for three beats is taken over.
    job_heartbeat_seconds: int = Field(default=10, ge=1, le=3600)
    # Runs of a job before it fails for good (a killed worker's run counts), and the first
    # wait before a retry (doubled each time, at most an hour).
    job_max_attempts: int = Field(default=3, ge=1, le=100)
    job_retry_seconds: int = Field(default=15, ge=1, le=3600)
    # A CSV import applying more lines than this runs as a background job, with progress.
    import_inline_rows: int = Field(default=200, ge=0, le=1_000_000)
    # Processes one bulk export renders its PDFs in (0: one per core).
    report_processes: int = Field(default=0, ge=0, le=256)
    company_name: str = "ShopMirror"
    # The one zone office pages, exports and PDFs show times in (IANA name; empty: the
    # server's own zone), so a time means the same on every page and in every file.
    company_timezone: str = ""
    # A branch with fewer approved visits than this (or than its wave plans) is marked a low
    # sample wherever its score appears: one visit is an anecdote, not a measurement.
    low_sample_visits: int = Field(default=3, ge=1)
    gc_freeze: bool = True  # move start-up objects out of the collector's way (see app.main)
    # The day `shopmirror demo` builds its programme around (ISO date; empty: today). Only the
    # demo loader reads it: the app's clock is SHOPMIRROR_CLOCK's.
    shopmirror_today: date | None = None
    # Runs the app's clock (app.models.utcnow) on another day, the time of day kept: for
    # rehearsing a demo built for that day and for running the suite "on" any date. An ISO
    # date, or a signed number of days ("+103", "-1"), which a test runner passes so its
    # servers and its own clock agree exactly even when a run crosses midnight. Empty: the
    # real clock. Never set it in production: due windows and deadlines follow it.
    shopmirror_clock: date | int | None = None

    @field_validator("shopmirror_today", "shopmirror_clock", mode="before")
    @classmethod
    def _empty_is_today(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("shopmirror_clock", mode="before")
    @classmethod
    def _days_or_date(cls, value: object) -> object:
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,6}", value.strip()):
            return int(value)
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, (list, tuple)):
            return tuple(str(network) for network in parse_networks(map(str, value)))
        return value

    @field_validator("company_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError("must be an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be empty or a redis:// URL")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.replace("-", "_")
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("s3_endpoint_url")
    @classmethod
    def _endpoint_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("S3_BUCKET must be set when STORAGE_BACKEND is s3")
        return self

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'shopmirror.db'}"

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.var_dir / "media"

    @property
    def resolved_timezone(self) -> ZoneInfo:
        """The company's zone: the setting, else the server's (TZ, /etc/localtime), else UTC."""
        return ZoneInfo(self.company_timezone or _server_zone())

    @property
    def job_stale_seconds(self) -> int:
        """How long a job's heartbeat may be silent before its run counts as dead."""
        return 3 * self.job_heartbeat_seconds

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def resolved_secret_key(self) -> str:
        """The given key, or one generated on first run and kept in var/ (never a constant)."""
        if self.secret_key:
            if len(self.secret_key) < 32:
                raise SettingsError("SECRET_KEY: must be at least 32 characters")
            return self.secret_key
        path = self.var_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def _server_zone() -> str:
    """The IANA name of the server's zone, as far as the system tells it."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


@lru_cache
def get_settings() -> Settings:
    """Load settings once; turn pydantic's report into one clear line per bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" if e["loc"] else e["msg"]
            for e in exc.errors()
        ]
        raise SettingsError("Invalid configuration:\n" + "\n".join(lines)) from None
