"""A wave's scenario brief in several languages: typed by HQ, copied to each visit, and read
by each reader in their own language (the wave page, the shopper's list, the review)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from app.models import Visit, VisitStatus, Wave
from app.services import assignments, waves
from app.services.csv_import import FieldErrors
from tests.admin.factories import mini_version
from tests.conftest import csrf_of, login

EN = "Ask for a refund, then ask for the manager."
ZH = "要求退款，然后要求见经理。"


def _create(db, world, **brief):
    version = mini_version(db)
    return waves.create_wave(
        db,
        name="2027 Q1",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 3, 31),
        checklist_version_id=version.id,
        visits_per_branch=1,
        branch_ids=[b.id for b in world["branches"].values()],
        **brief,
    )


def test_a_wave_keeps_its_brief_per_language_and_each_visit_copies_it(db, world):
    wave = _create(
        db, world, scenario=f" {EN} ", scenario_translations={"zh-CN": f"{ZH}\n", "ar": "  "}
    )
    assert wave.scenario == EN
    assert wave.scenario_translations == {"zh-CN": ZH}  # stripped, the empty one left out
    assignments.generate_assignments(db, wave=wave)
    visits = db.exec(select(Visit).where(Visit.wave_id == wave.id)).all()
    assert visits and all(v.scenario == EN for v in visits)
    assert all(v.scenario_translations == {"zh-CN": ZH} for v in visits)


@pytest.mark.parametrize(
    ("translations", "field", "message"),
    [
        ({"zh-CN": "长" * 2001}, "scenario-zh-CN", "At most 2000 characters."),
        ({"<b>": "x"}, "scenario-<b>", "Not a language tag: <b>"),
    ],
)
def test_a_brief_too_long_or_in_no_language_names_its_field(
    db, world, translations, field, message
):
    with pytest.raises(FieldErrors) as caught:
        _create(db, world, scenario=EN, scenario_translations=translations)
    assert caught.value.errors == {field: message}


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_of(client, path), **data})


def _form(version, world, **extra):
    return {
        "name": "2027 Q1",
        "starts_on": "2027-01-01",
        "ends_on": "2027-03-31",
        "checklist_version_id": str(version.id),
        "visits_per_branch": "1",
        "branches": [str(b.id) for b in world["branches"].values()],
        "scenario": EN,
        **extra,
    }


def test_hq_types_the_brief_in_chinese_on_the_form_and_the_wave_page_shows_both(client, db, world):
    login(client, "admin", "admin-pass")
    version = mini_version(db)
    page = client.get("/admin/waves/new").text
    assert 'name="scenario-en"' in page and 'name="scenario-zh-CN"' in page
    too_long = _post(
        client, "/admin/waves/new", _form(version, world, **{"scenario-zh-CN": "长" * 2001})
    )
    assert too_long.status_code == 422
    assert 'id="scenario-zh-CN-error"' in too_long.text and "长" * 2001 in too_long.text  # kept
    created = _post(client, "/admin/waves/new", _form(version, world, **{"scenario-zh-CN": ZH}))
    assert created.status_code == 303
    wave = db.exec(select(Wave).where(Wave.name == "2027 Q1")).one()
    assert wave.scenario_translations == {"zh-CN": ZH}
    detail = client.get(f"/admin/waves/{wave.id}").text
    assert EN in detail and ZH in detail and 'data-brief-lang="zh-CN"' in detail


def test_the_shopper_reads_the_brief_in_the_language_chosen(client, db, world):
    wave = _create(db, world, scenario=EN, scenario_translations={"zh-CN": ZH})
    assignments.generate_assignments(db, wave=wave)
    shopper = world["users"]["shopper"]
    db.flush()
    if not db.exec(select(Visit).where(Visit.shopper_id == shopper.id)).first():
        pytest.fail("the shopper got no visit of the wave")
    login(client, "shopper", "shopper-pass")
    assert EN in client.get("/").text
    shopper.content_language = "zh-CN"
    db.add(shopper)
    db.flush()
    home = client.get("/").text
    assert ZH in home and EN not in home


def test_the_review_page_shows_the_brief_in_the_reviewers_language(client, db, world):
    wave = _create(db, world, scenario=EN, scenario_translations={"zh-CN": ZH})
    assignments.generate_assignments(db, wave=wave)
    visit = db.exec(select(Visit).where(Visit.wave_id == wave.id)).first()
    visit.status = VisitStatus.submitted
    db.add(visit)
    login(client, "reviewer", "reviewer-pass")
    assert EN in client.get(f"/review/{visit.id}").text
    page = client.get(f"/review/{visit.id}", headers={"accept-language": "zh-CN"}).text
    assert ZH in page and EN not in page
