"""Scorecards name moments and standards in the checklist's words with their own `lang` and
`dir`: an Arabic moment reads right to left inside an English page."""

from __future__ import annotations

from datetime import date

from app.models import Wave, WaveBranch
from app.services.checklists import import_checklist
from tests.conftest import login
from tests.scorecards.conftest import add_visit

ARABIC = {
    "format": 1,
    "code": "ar-only",
    "name": {"ar": "مركز الخدمة"},
    "sections": [
        {
            "id": "arrival",
            "title": {"ar": "الوصول"},
            "items": [{"id": "greeted", "text": {"ar": "هل رحّب بك الموظف؟"}, "kind": "check"}],
        },
        {
            "id": "service",
            "title": {"ar": "الخدمة"},
            "items": [{"id": "id-checked", "text": {"ar": "هل تحقق من الهوية؟"}, "kind": "check"}],
        },
    ],
}


def test_an_arabic_checklists_moments_read_right_to_left(client, db, world):
    version, _created = import_checklist(db, source=ARABIC)
    wave = Wave(
        name="Pilot",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 3, 27),
        checklist_version_id=version.id,
    )
    db.add(wave)
    db.flush()
    e1 = world["branches"]["E1"]
    db.add(WaveBranch(wave_id=wave.id, branch_id=e1.id))
    add_visit(db, wave=wave, branch=e1, answers={"greeted": "yes", "id-checked": "no"})
    db.commit()
    login(client, "manager", "manager-pass")
    page = client.get(f"/scorecards/branches/{e1.id}?wave={wave.id}").text
    assert '<html lang="en"' in page
    assert '<td lang="ar" dir="rtl">الوصول</td>' in page  # the moments table
    assert '<strong class="weakest-name" lang="ar" dir="rtl">الخدمة</strong>' in page
    assert '<bdi lang="ar" dir="rtl">مركز الخدمة</bdi>' in page  # the checklist in the lead
    assert 'lang="ar" dir="rtl">هل تحقق من الهوية؟</a>' in page  # a failed standard
