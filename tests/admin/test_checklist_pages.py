"""Checklist pages: upload with path-named errors, versions, the readable page, download."""

from __future__ import annotations

import yaml
from sqlmodel import select

from app.models import ChecklistVersion, VisitScore
from app.scoring import content_hash, parse_checklist
from app.services.scoring import rescore
from tests.admin.factories import MINI, make_visit
from tests.conftest import csrf_of, login


def _upload(client, text: str, *, as_file: bool = True):
    token = csrf_of(client, "/admin/checklists")
    if as_file:
        return client.post(
            "/admin/checklists",
            data={"csrf_token": token},
            files={"file": ("mini.yaml", text.encode(), "application/yaml")},
        )
    return client.post("/admin/checklists", data={"csrf_token": token, "text": text})


def test_upload_then_read_and_download(client, db, world):
    login(client, "admin", "admin-pass")
    response = _upload(client, MINI)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/checklists/mini/1"
    page = client.get("/admin/checklists/mini/1").text
    for text in (
        "Mini visit",
        "Arrival",
        "Greeted",
        "Must-be",
        "Delight",
        "Critical",
        "N/A allowed",
        "≤ 30 s",
        "0 points at 90",
        "Staff interaction",
    ):
        assert text in page, text
    assert "mini" in client.get("/admin/checklists").text
    for fmt in ("yaml", "json"):
        download = client.get(f"/admin/checklists/mini/1/download?format={fmt}")
        assert download.status_code == 200
        assert f'filename="mini-v1.{fmt}"' in download.headers["content-disposition"]
        assert content_hash(parse_checklist(download.text)) == content_hash(parse_checklist(MINI))


def test_an_invalid_checklist_shows_every_error_with_its_path(client, db, world):
    login(client, "admin", "admin-pass")
    broken = MINI.replace("target: 30", "target: -5").replace("kano: must}", "kano: vital}", 1)
    response = _upload(client, broken, as_file=False)
    assert response.status_code == 422
    assert "sections[0].items[1] (wait).target" in response.text
    assert "sections[0].items[0] (greet).kano" in response.text
    assert db.exec(select(ChecklistVersion)).first() is None
    assert "target: -5" in response.text  # the pasted text comes back for fixing


def test_new_versions_never_change_old_visits(client, db, world):
    login(client, "admin", "admin-pass")
    _upload(client, MINI)
    v1 = db.exec(select(ChecklistVersion)).one()
    visit = make_visit(db, v1, world["branches"]["E1"], shopper=world["users"]["shopper"])
    score_before = db.get(VisitScore, visit.id).score
    document_before = dict(v1.document)

    assert _upload(client, MINI).status_code == 303  # same content: no new version
    assert len(db.exec(select(ChecklistVersion)).all()) == 1

    data = yaml.safe_load(MINI)
    data["sections"][0]["items"][1].update(target=60, limit=120)  # a 60 s wait now meets it
    response = _upload(client, yaml.safe_dump(data, allow_unicode=True))
    assert response.headers["location"] == "/admin/checklists/mini/2"
    db.expire_all()
    assert db.get(ChecklistVersion, v1.id).document == document_before
    assert visit.checklist_version_id == v1.id
    assert rescore(db, visit=visit).score == score_before
    v2 = db.exec(select(ChecklistVersion).where(ChecklistVersion.version == 2)).one()
    same_answers_on_v2 = make_visit(db, v2, world["branches"]["E2"])
    assert db.get(VisitScore, same_answers_on_v2.id).score == 100
    assert round(score_before, 2) == 77.78  # scoring.md's worked example, still on v1
    versions = client.get("/admin/checklists/mini").text
    assert "v2" in versions and "v1" in versions and "latest" in versions
