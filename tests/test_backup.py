"""`shopmirror backup` and `restore`, run as an operator runs them, on the suite's database kind.

CI runs this file on SQLite and on PostgreSQL: the round trip is tested on both.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.conftest import S3_CREDENTIALS, S3_KEYS, fresh_database_url, s3_environment
from tests.test_cli import run


def _env(tmp_path: Path, name: str) -> dict[str, str]:
    home = tmp_path / name
    home.mkdir()
    return {
        "DATABASE_URL": fresh_database_url(home),
        "VAR_DIR": str(home),
        "MEDIA_DIR": str(home / "media"),
        "SHOPMIRROR_TODAY": "2026-11-22",
    }


def _contents(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: what a restore must give back exactly."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: sorted(
                    (
                        tuple(str(v) for v in row)
                        for row in conn.execute(text(f'SELECT * FROM "{table}"'))
                    ),
                )
                for table in sorted(inspect(conn).get_table_names())
            }
    finally:
        engine.dispose()


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    """The demo programme (with its photos), backed up once for the tests of this file."""
    tmp_path = tmp_path_factory.mktemp("backup")
    env = _env(tmp_path, "live")
    assert run("migrate", env=env).returncode == 0
    loaded = run("demo", env=env)
    assert loaded.returncode == 0, loaded.stderr
    saved = run("backup", str(tmp_path / "saved"), env=env)
    assert saved.returncode == 0, saved.stderr
    return tmp_path, env, saved


def test_a_backup_restored_into_an_empty_database_gives_back_every_row_and_file(programme):
    tmp_path, live, saved = programme
    assert "Backed up the" in saved.stdout and "manifest.json" in saved.stdout
    manifest = json.loads((tmp_path / "saved" / "manifest.json").read_text())
    assert manifest["schema_revision"]
    photos = [name for name in manifest["files"] if name.startswith("media/")]
    assert photos, "the demo's photos are in the backup"

    fresh = _env(tmp_path, "restored")
    restored = run("restore", str(tmp_path / "saved"), env=fresh)
    assert restored.returncode == 0, restored.stderr
    assert "every checksum verified" in restored.stdout
    assert _contents(fresh["DATABASE_URL"]) == _contents(live["DATABASE_URL"])
    assert _files(Path(fresh["MEDIA_DIR"])) == _files(Path(live["MEDIA_DIR"]))
    again = run("migrate", env=fresh)  # the restored schema is the current one
    assert again.returncode == 0, again.stderr


def test_a_restore_refuses_a_damaged_backup_naming_the_file(programme, tmp_path):
    source, _live, _saved = programme
    damaged = tmp_path / "damaged"
    shutil.copytree(source / "saved", damaged)
    manifest = json.loads((damaged / "manifest.json").read_text())
    photo = next(name for name in manifest["files"] if name.startswith("media/"))
    (damaged / photo).write_bytes(b"not the photo")
    fresh = _env(tmp_path, "target")
    refused = run("restore", str(damaged), env=fresh)
    assert refused.returncode == 2
    assert f"{photo} does not match its checksum" in refused.stderr
    assert not inspect_tables(fresh["DATABASE_URL"]), "nothing was restored"


def test_a_restore_never_overwrites_a_database_in_use(programme):
    source, live, _saved = programme
    refused = run("restore", str(source / "saved"), env=live)
    assert refused.returncode == 2
    assert "is not empty" in refused.stderr


def test_a_backup_refuses_a_directory_that_holds_files(programme, tmp_path):
    _source, live, _saved = programme
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    refused = run("backup", str(tmp_path / "used"), env=live)
    assert refused.returncode == 2 and "is not empty" in refused.stderr
    assert (tmp_path / "used" / "notes.txt").read_text() == "mine"


def inspect_tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_the_files_of_a_backup_go_into_an_s3_bucket_and_come_back_out(
    programme, tmp_path, s3_endpoint
):
    """A programme moved from the media directory to object storage by backup and restore."""
    source, _live, _saved = programme
    bucket = _env(tmp_path, "in-s3") | s3_environment(s3_endpoint)
    restored = run("restore", str(source / "saved"), env=bucket)
    assert restored.returncode == 0, restored.stderr
    assert not Path(bucket["MEDIA_DIR"]).exists(), "nothing went to a local directory"
    again = run("backup", str(tmp_path / "from-s3"), env=bucket)
    assert again.returncode == 0, again.stderr

    def media(directory: Path) -> dict[str, str]:
        files = json.loads((directory / "manifest.json").read_text())["files"]
        return {name: digest for name, digest in files.items() if name.startswith("media/")}

    assert media(tmp_path / "from-s3") == media(source / "saved") != {}
    reused = _env(tmp_path, "same-bucket") | {k: bucket[k] for k in (*S3_KEYS, *S3_CREDENTIALS)}
    refused = run("restore", str(source / "saved"), env=reused)
    assert refused.returncode == 2
    assert f"the S3 bucket {bucket['S3_BUCKET']} holds files" in refused.stderr
