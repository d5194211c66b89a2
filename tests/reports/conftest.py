"""Fixtures for the report tests: the programme, an empty report cache, reading PDFs."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import create_engine
from sqlmodel import Session

from tests.conftest import fresh_database_url
from tests.reports.helpers import Programme, build_programme

DEMO_DAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def empty_report_cache(engine):
    """Each test starts with no cached PDF (rolled-back ids repeat between tests)."""
    from app.reports.cache import CACHE_DIRNAME
    from app.settings import get_settings

    shutil.rmtree(get_settings().resolved_media_dir / CACHE_DIRNAME, ignore_errors=True)
    yield


@pytest.fixture
def programme(db, world) -> Programme:
    return build_programme(db, regions=world["regions"])


@pytest.fixture(scope="module")
def demo_db(engine, tmp_path_factory) -> Iterator[Session]:
    """The demo programme, committed in a database of its own (its photos written to media).

    Committed so the photos' thumbnails are in place: a report laid out without them would
    be shorter than the one people get.
    """
    from app.migrate import upgrade_head
    from app.services.demo import load_demo

    demo_engine = create_engine(fresh_database_url(tmp_path_factory.mktemp("demo")))
    with demo_engine.connect() as conn:
        upgrade_head(conn)
        conn.commit()
    with Session(demo_engine, expire_on_commit=False) as session:
        assert load_demo(session, today=DEMO_DAY)
        session.commit()
        yield session
    demo_engine.dispose()


@pytest.fixture(scope="module")
def committed(tmp_path_factory, engine):
    """A migrated database of its own with the programme committed; the app points at it."""
    from app.db import get_engine, make_engine
    from app.migrate import upgrade_head
    from app.services.auth import create_user
    from app.settings import get_settings

    var_dir = tmp_path_factory.mktemp("export-var")
    url = fresh_database_url(var_dir)
    own = make_engine(url)
    with own.connect() as conn:
        upgrade_head(conn)
        conn.commit()
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "VAR_DIR", "MEDIA_DIR")}
    os.environ.update(DATABASE_URL=url, VAR_DIR=str(var_dir), MEDIA_DIR=str(var_dir / "media"))
    get_settings.cache_clear()
    get_engine.cache_clear()
    with Session(own, expire_on_commit=False) as db:  # its photos go to the store set above
        programme = build_programme(db)
        programme.branches["E2"].timezone = "Mars/Olympus_Mons"
        db.add(programme.branches["E2"])
        create_user(db, username="hq", name="HQ", role="admin", password="hq-password-2026")
        db.commit()
    own.dispose()
    yield {"url": url, "var_dir": var_dir, "programme": programme}
    get_engine().dispose()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    get_engine.cache_clear()


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    """All the text with runs of whitespace (line breaks in table cells) made one space."""
    return " ".join(" ".join(pdf_pages(data)).split())


def pdf_images(data: bytes) -> list[tuple[int, int, int]]:
    """The mean (r, g, b) colour of every distinct image embedded in the PDF."""
    seen: dict[int, tuple[int, int, int]] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image" and ref.idnum not in seen:
                image = (
                    Image.open(io.BytesIO(obj.get_data()))
                    if "/DCTDecode" in str(obj.get("/Filter"))
                    else None
                )
                pixel = image.convert("RGB").resize((1, 1)).getpixel((0, 0)) if image else (-1,) * 3
                seen[ref.idnum] = pixel
    return list(seen.values())
