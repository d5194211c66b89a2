"""The `shopmirror` command, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, col, select

from app.models import User, Visit
from tests.conftest import fresh_database_url

ROOT = Path(__file__).resolve().parents[1]
DEMO_CHECKLIST = ROOT / "app" / "demo" / "retail-visit.yaml"
EXAMPLE = """
format: 1
code: worked-example
name: Worked example
adequate: 70
desired: 90
critical_cap: 0
sections:
  - id: arrival
    title: Arrival
    weight: 2
    items:
      - {id: greet, text: Greeted, kind: check, kano: must}
      - {id: wait, text: Wait, kind: measure, better: lower, target: 30, limit: 90, points: 2}
  - id: checkout
    title: Checkout
    items:
      - {id: receipt, text: Receipt, kind: check, critical: true}
      - {id: name, text: Used my name, kind: check, kano: delight}
      - {id: clean, text: Clean, kind: check, kano: must, na: true}
"""


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def _visit(tmp_path: Path, answers: dict, name: str = "visit.json") -> Path:
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "checklist": "worked-example",
                "checklist_version": 1,
                "branch": "SH-001",
                "visited_at": "2026-11-20T10:15:00+08:00",
                "answers": answers,
            }
        )
    )
    return path


@pytest.fixture
def example(tmp_path) -> Path:
    path = tmp_path / "checklist.yaml"
    path.write_text(EXAMPLE)
    return path


def test_score_prints_the_result_document(tmp_path, example):
    visit = _visit(
        tmp_path,
        {
            "greet": {"value": "yes"},
            "wait": {"value": 60},
            "receipt": {"value": "yes"},
            "name": {"value": "yes"},
            "clean": {"value": "na"},
        },
    )
    result = run("score", str(example), str(visit), env={"DATABASE_URL": "sqlite:///nope/x.db"})
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) == {
        "score",
        "raw_score",
        "critical_failure",
        "band",
        "delight",
        "must_failures",
        "critical_failures",
        "sections",
        "dimensions",
        "missing",
    }
    assert output["score"] == pytest.approx(77.78, abs=0.005)
    assert output["band"] == "within"
    assert output["sections"] == {"arrival": pytest.approx(66.667, abs=0.001), "checkout": 100.0}


def test_score_with_a_critical_failure(tmp_path, example):
    visit = _visit(
        tmp_path,
        {
            "greet": {"value": "yes"},
            "wait": {"value": 60},
            "receipt": {"value": "no"},
            "name": {"value": "yes"},
            "clean": {"value": "na"},
        },
    )
    output = json.loads(run("score", str(example), str(visit)).stdout)
    assert output["raw_score"] == pytest.approx(44.44, abs=0.005)
    assert output["score"] == 0
    assert output["critical_failure"] is True and output["band"] == "below"


def test_score_rejects_a_bad_visit_naming_the_answer(tmp_path, example):
    visit = _visit(tmp_path, {"greet": {"value": "maybe"}, "ghost": {"value": "yes"}})
    result = run("score", str(example), str(visit))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "answers.greet" in result.stderr
    assert "answers.ghost" in result.stderr


def test_score_rejects_a_bad_checklist_naming_the_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.replace("target: 30, limit: 90", "target: 30, limit: 10"))
    result = run("score", str(bad), str(_visit(tmp_path, {})))
    assert result.returncode == 2
    assert "sections[0].items[1] (wait).limit" in result.stderr


def test_score_reports_a_missing_file(tmp_path, example):
    result = run("score", str(example), str(tmp_path / "nowhere.json"))
    assert result.returncode == 2
    assert "nowhere.json" in result.stderr


def test_migrate_demo_import_and_admin_on_a_fresh_database(tmp_path, example):
    env = {
        "DATABASE_URL": fresh_database_url(tmp_path),
        "VAR_DIR": str(tmp_path),
        "SHOPMIRROR_TODAY": "2026-11-22",  # the demo's day, never the calendar's
    }
    assert run("migrate", env=env).returncode == 0

    first = run("import-checklist", str(example), env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "worked-example version 1 (new version)"
    again = run("import-checklist", str(example), env=env)
    assert "worked-example version 1 (unchanged" in again.stdout
    example.write_text(EXAMPLE.replace("desired: 90", "desired: 92"))
    assert (
        "worked-example version 2 (new version)"
        in run("import-checklist", str(example), env=env).stdout
    )

    broken = tmp_path / "broken.yaml"
    broken.write_text(EXAMPLE.replace("desired: 90", "desired: 60"))
    refused = run("import-checklist", str(broken), env=env)
    assert refused.returncode == 2 and "desired" in refused.stderr

    demo = run("demo", env=env)
    assert demo.returncode == 0 and "Demo data loaded." in demo.stdout
    assert "built for 2026-11-22 (SHOPMIRROR_TODAY)" in demo.stdout
    assert "demo-shopper-2026" in demo.stdout
    engine = create_engine(env["DATABASE_URL"])
    try:
        with Session(engine) as db:
            due = db.exec(
                select(Visit.due_from)
                .join(User, col(User.id) == Visit.shopper_id)
                .where(User.username == "shopper", Visit.status == "assigned")
            ).all()
    finally:
        engine.dispose()
    days = sorted({d.astimezone(ZoneInfo("Asia/Shanghai")).date() for d in due if d})
    assert days == [date(2026, 11, 21), date(2026, 11, 27)]  # due now and upcoming on that day
    assert "already present" in run("demo", env=env).stdout

    created = run("create-admin", "hq", "--password", "a-long-password", env=env)
    assert created.returncode == 0, created.stderr
    duplicate = run("create-admin", "hq", "--password", "a-long-password", env=env)
    assert duplicate.returncode == 2 and "username" in duplicate.stderr


def test_a_bad_setting_stops_the_command_with_a_clear_line(tmp_path):
    result = run("migrate", env={"PORT": "not-a-port", "VAR_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "PORT" in result.stderr and "Traceback" not in result.stderr


def test_score_takes_the_visits_variant(tmp_path):
    """The Arabic fixture's counter section is asked on transactions only (`variant`)."""
    checklist = ROOT / "app" / "demo" / "service-centre.yaml"
    answers = {
        "greeted": {"value": "yes"},
        "clean": {"value": 8},
        "offer": {"value": "none-running"},
        "wait": {"value": 5},
        "id-checked": {"value": "no"},
    }
    outcomes = {}
    for variant in ("enquiry", "transaction"):
        visit = tmp_path / f"{variant}.json"
        visit.write_text(
            json.dumps(
                {
                    "format": 1,
                    "checklist": "service-centre-ar",
                    "branch": "SH-001",
                    "variant": variant,
                    "visited_at": "2026-11-20T10:15:00+08:00",
                    "answers": answers,
                }
            )
        )
        result = run("score", str(checklist), str(visit))
        assert result.returncode == 0, result.stderr
        outcomes[variant] = json.loads(result.stdout)["sections"]["counter"]
    assert outcomes == {"enquiry": None, "transaction": 0.0}
