"""Files follow the database: a file appears when its row commits, never after a rollback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, create_engine

from app import storage


@pytest.fixture
def media(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(storage, "media_root", lambda: tmp_path)
    return tmp_path


@pytest.fixture
def db(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'files.db'}")
    with Session(engine) as session:
        session.execute(text("select 1"))  # a transaction is open, as in a request
        yield session
    engine.dispose()


def _files(root: Path) -> list[str]:
    """The finished files (staged `.part` files are not visible to readers)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.jpg") if p.is_file())


def _staged(root: Path) -> list[Path]:
    return list(root.rglob("*.part"))


def test_a_written_file_appears_only_at_commit(media, db):
    storage.write(db, "visits/1/a.jpg", b"jpeg")
    assert not (media / "visits/1/a.jpg").exists()
    db.commit()
    assert (media / "visits/1/a.jpg").read_bytes() == b"jpeg"
    assert _files(media) == ["visits/1/a.jpg"]


def test_a_rollback_leaves_no_file_behind(media, db):
    storage.write(db, "visits/1/a.jpg", b"jpeg")
    db.rollback()
    assert _files(media) == [] and _staged(media) == []
    db.commit()  # a later commit does not resurrect it
    assert _files(media) == []


def test_closing_without_commit_leaves_no_file(media, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'close.db'}")
    with Session(engine) as session:
        session.execute(text("select 1"))
        storage.write(session, "visits/2/b.jpg", b"jpeg")
    engine.dispose()
    assert _files(media) == [] and _staged(media) == []


def test_a_deletion_waits_for_the_commit_and_a_rollback_keeps_the_file(media, db):
    (media / "visits/3").mkdir(parents=True)
    (media / "visits/3/c.jpg").write_bytes(b"old")
    storage.remove(db, "visits/3/c.jpg")
    assert (media / "visits/3/c.jpg").exists()
    db.rollback()
    db.execute(text("select 1"))
    db.commit()
    assert (media / "visits/3/c.jpg").exists()
    db.execute(text("select 1"))
    storage.remove(db, "visits/3/c.jpg")
    db.commit()
    assert not (media / "visits/3/c.jpg").exists()


def test_a_savepoint_rollback_drops_only_its_own_files(media, db):
    storage.write(db, "visits/4/kept.jpg", b"1")
    with db.begin_nested():
        storage.write(db, "visits/5/released.jpg", b"2")
    assert _files(media) == []  # a released savepoint is not the commit
    try:
        with db.begin_nested():
            storage.write(db, "visits/6/refused.jpg", b"3")
            raise ValueError("bad delivery")
    except ValueError:
        pass
    db.commit()
    assert _files(media) == ["visits/4/kept.jpg", "visits/5/released.jpg"]
    assert _staged(media) == []
