"""`shopmirror import-checklist FORM.xlsx`: the report first, `--yes` to store the rest."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.models import ChecklistVersion
from app.scoring import parse_checklist
from app.services.xlsform import xlsform_bytes
from tests.admin.factories import MINI
from tests.conftest import fresh_database_url
from tests.test_cli import run
from tests.xlsform.test_files_and_pages import WITH_LEFTOVERS


def test_import_an_xlsform_from_the_command_line(tmp_path):
    env = {"DATABASE_URL": fresh_database_url(tmp_path), "VAR_DIR": str(tmp_path)}
    assert run("migrate", env=env).returncode == 0
    form = tmp_path / "kiosk.xlsx"
    form.write_bytes(WITH_LEFTOVERS)

    refused = run("import-checklist", str(form), env=env)
    assert refused.returncode == 2
    assert f"{form}: left out: survey row 4 (staff): a repeat cannot be carried" in refused.stderr
    assert "survey row 8 (total): calculate cannot be carried" in refused.stderr
    assert "nothing stored; 2 part(s) of the form cannot be carried" in refused.stderr
    assert "--yes" in refused.stderr

    stored = run("import-checklist", str(form), "--yes", env=env)
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.strip() == "kiosk version 1 (new version)"
    assert "survey row 4 (staff)" in stored.stderr  # still listed, then stored

    clean = tmp_path / "mini.xlsx"
    clean.write_bytes(xlsform_bytes(parse_checklist(MINI)))
    first = run("import-checklist", str(clean), env=env)
    assert first.returncode == 0 and first.stdout.strip() == "mini version 1 (new version)"
    assert first.stderr == ""
    yaml_file = tmp_path / "mini.yaml"
    yaml_file.write_text(MINI, encoding="utf-8")
    same = run("import-checklist", str(yaml_file), env=env)  # YAML and its XLSForm: one content
    assert "mini version 1 (unchanged, existing version)" in same.stdout

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"no spreadsheet")
    assert "not a form this reader takes" in run("import-checklist", str(broken), env=env).stderr

    engine = create_engine(env["DATABASE_URL"])
    try:
        with Session(engine) as db:
            assert len(db.exec(select(ChecklistVersion)).all()) == 2
    finally:
        engine.dispose()
