"""`shopmirror create-token AGENCY NAME`: the secret is printed once; only its hash is kept."""

from __future__ import annotations

import hashlib

from sqlalchemy import create_engine, text

from tests.conftest import fresh_database_url
from tests.test_cli import run


def test_create_token_prints_a_working_secret_and_stores_its_hash(tmp_path):
    url = fresh_database_url(tmp_path)
    env = {"DATABASE_URL": url, "VAR_DIR": str(tmp_path)}
    assert run("migrate", env=env).returncode == 0
    first = run("create-token", "Acme Research", "nightly upload", env=env)
    assert first.returncode == 0, first.stderr
    secret = first.stdout.strip().splitlines()[-1]
    assert secret.startswith("smk_")
    second = run("create-token", "Acme Research", "backup", env=env)
    assert second.returncode == 0 and second.stdout.strip().splitlines()[-1] != secret
    blank = run("create-token", "Acme Research", " ", env=env)
    assert blank.returncode == 2 and "name" in blank.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        agencies = conn.execute(text("SELECT count(*) FROM agency")).scalar()
        hashes = conn.execute(text("SELECT token_hash FROM apitoken")).scalars().all()
    engine.dispose()
    assert agencies == 1
    assert hashlib.sha256(secret.encode()).hexdigest() in hashes and secret not in hashes
