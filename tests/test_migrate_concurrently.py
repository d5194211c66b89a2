"""Several instances starting at once on a fresh database: one migrates, the others wait.

Real processes, each importing the app and then released together onto one new database
of the configured kind (PostgreSQL under the PostgreSQL run: the advisory lock; SQLite
otherwise: the file lock). Each logs the migrations it ran itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from app.migrate import alembic_config
from tests.conftest import fresh_database_url

PROJECT = Path(__file__).resolve().parents[1]
INSTANCES = 4
# Import everything, say so, wait for the common go, migrate; alembic logs each migration
# it runs ("Running upgrade A -> B").
SCRIPT = """
import logging, sys, time
from pathlib import Path
from app.migrate import upgrade_head
logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s", stream=sys.stdout)
Path(sys.argv[1]).touch()
while not Path(sys.argv[2]).exists():
    time.sleep(0.01)
upgrade_head()
print("migrated", flush=True)
"""


def test_instances_migrating_one_fresh_database_at_once_run_each_migration_once(tmp_path):
    url = fresh_database_url(tmp_path)
    env = os.environ | {"DATABASE_URL": url, "VAR_DIR": str(tmp_path / "var")}
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(tmp_path / f"ready-{n}"), str(go)],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in range(INSTANCES)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{n}").exists() for n in range(INSTANCES)):
        assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
        assert time.monotonic() < deadline, "the instances did not start"
        time.sleep(0.05)
    go.touch()
    outputs = [p.communicate(timeout=300)[0] for p in processes]

    assert [p.returncode for p in processes] == [0] * INSTANCES, "\n----\n".join(outputs)
    assert not any("already exists" in out for out in outputs), "\n----\n".join(outputs)
    assert all(out.rstrip().endswith("migrated") for out in outputs)
    scripts = ScriptDirectory.from_config(alembic_config())
    revisions = len(list(scripts.walk_revisions()))
    ran = sorted(out.count("Running upgrade") for out in outputs)
    assert ran == [0] * (INSTANCES - 1) + [revisions], "one instance ran them, once each"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert versions == [(scripts.get_current_head(),)]
    assert {"visit", "reportjob", "branchwavescore"} <= tables
