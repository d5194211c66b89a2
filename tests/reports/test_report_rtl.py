"""A branch's PDF report of an Arabic checklist: its texts marked `lang="ar" dir="rtl"` in an
English report, shaped and in logical order in the PDF (poppler's pdftotext reads them back),
line breaks kept. Pages: docs/screenshots/issue13-arabic-pdf-p*.png (`pdftoppm -r 60`)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from app.models import Wave, WaveBranch
from app.reports.service import branch_html, render_branch
from app.scoring import checklist_to_dict, parse_checklist
from app.services.checklists import import_checklist
from tests.scorecards.conftest import add_visit

ROOT = Path(__file__).resolve().parents[2]
SERVICE_CENTRE = ROOT / "app" / "demo" / "service-centre.yaml"
SHOTS = ROOT / "docs" / "screenshots"
ANSWERS = {
    "enquiry": {"staff-count": 3, "greeted": "no", "clean": 7, "offer": "current"},
    "transaction": {"staff-count": 2, "greeted": "yes", "clean": 9, "offer": "expired"}
    | {"id-checked": "yes", "recommend": 9},
}
SHARED = {"offer-terms": "yes", "wait": 12}


def arabic_only(value):
    """The demo's English/Arabic service-centre checklist with only its Arabic texts."""
    if isinstance(value, dict):
        if set(value) == {"ar", "en"}:
            return {"ar": value["ar"]}
        return {key: arabic_only(v) for key, v in value.items()}
    if isinstance(value, list):
        return [arabic_only(v) for v in value]
    return value


@pytest.fixture
def arabic_wave(db, world):
    parsed = parse_checklist(SERVICE_CENTRE.read_text(encoding="utf-8"))
    document = arabic_only(checklist_to_dict(parsed))
    document |= {"code": "service-centre-ar-only", "languages": ["ar"]}
    document["sections"][0]["items"][0]["text"] = {"ar": "عدد الموظفين\nعند المكتب"}
    version, _created = import_checklist(db, source=document)
    wave = Wave(
        name="Pilot",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 3, 27),
        checklist_version_id=version.id,
        visits_per_branch=2,
    )
    db.add(wave)
    db.flush()
    e1 = world["branches"]["E1"]
    db.add(WaveBranch(wave_id=wave.id, branch_id=e1.id))
    for variant, answers in ANSWERS.items():
        visit = add_visit(db, wave=wave, branch=e1, answers=answers | SHARED)
        visit.variant = variant
        db.add(visit)
    db.commit()
    return e1, wave


def test_the_html_marks_arabic_texts_right_to_left(db, arabic_wave):
    branch, wave = arabic_wave
    html = branch_html(db, branch=branch, wave=wave, lang="en").html
    assert '<html lang="en"' in html
    assert '<div class="ct" lang="ar" dir="rtl">هل رحّب بك الموظف خلال 30 ثانية؟</div>' in html
    assert re.search(r'<h4><bdi lang="ar" dir="rtl">الوصول</bdi> <span', html)
    assert '<bdi class="ct" dir="auto">العرض الحالي</bdi>' in html  # a choice's answer
    assert html.count("المعاملة عند الشباك</bdi> <span") == 1  # the counter: transactions only
    # a line break in a text is kept as text (pre-line), escaped, never HTML
    assert '<div class="ct" lang="ar" dir="rtl">عدد الموظفين\nعند المكتب</div>' in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_reads_back_arabic_in_logical_order(db, arabic_wave, tmp_path):
    branch, wave = arabic_wave
    pdf = tmp_path / "arabic.pdf"
    pdf.write_bytes(render_branch(db, branch=branch, wave=wave, lang="en").pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # pdftotext wraps each right-to-left run in embedding marks; the letters between are in
    # reading order (a run read back reversed would not match)
    words = " ".join(re.sub("[\u202a-\u202e\u2066-\u2069]", "", text).split())
    for phrase in ("نظافة منطقة الانتظار", "أي عرض ذكره الموظف؟", "دقائق الانتظار", "مركز الخدمة"):
        assert phrase in words, phrase
    assert "Weakest moment of truth" in words  # the report around them stays English
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("issue13-arabic-pdf-p*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(SHOTS / "issue13-arabic-pdf-p")],
        check=True,
    )
    assert list(SHOTS.glob("issue13-arabic-pdf-p*.png"))
