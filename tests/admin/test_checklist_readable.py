"""The admin's readable view of a checklist says its conditions in words, with the
questions' and answers' own texts, and shows groups, variants and requirements."""

from __future__ import annotations

import re
from pathlib import Path

from app.scoring import parse_checklist
from app.services.checklist_admin import checklist_view
from app.services.checklists import import_checklist
from tests.conftest import login

ARABIC = Path(__file__).resolve().parents[2] / "app" / "demo" / "service-centre.yaml"


def _words(html: str) -> str:
    spaced = re.sub(r"</?(dt|dd|td|th|tr|li|p|span class=\"tag)[^>]*>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", spaced)).strip()


def test_conditions_groups_variants_and_requirements_in_words(client, db, world):
    version, _created = import_checklist(db, source=ARABIC.read_text(encoding="utf-8"))
    db.commit()
    login(client, "admin", "admin-pass")
    page = client.get(f"/admin/checklists/service-centre-ar/{version.version}").text
    text = _words(page)
    assert (
        "Asked when Which offer was mentioned? is The current promotion or An expired promotion"
    ) in text
    assert "Asked when the visit is of the kind Transaction" in text  # a section's condition
    assert "Asked when not (Did the clerk check your ID? is Not applicable)" in text
    assert '<em lang="en" dir="ltr">The current promotion</em>' in page
    assert "Kinds of visit Enquiry, Transaction" in text
    assert "Content languages ar, en" in text
    groups = re.findall(r'<tr class="group-row"><th[^>]*>([^<]+)</th>', page)
    assert groups == ["On entering", "Waiting area"]
    assert "Comment required on No" in text and "Photo required on No" in text
    assert text.count("Information only") == 2  # staff-count, recommend
    assert "0–240 · whole numbers" in text
    assert "No promotion running = N/A" in text
    assert "0–30 · whole numbers" in text and "0–10" in text


def test_the_view_is_in_the_checklists_first_language_for_a_reader_it_lacks():
    doc = parse_checklist(ARABIC.read_text(encoding="utf-8"))
    view = checklist_view(doc, lang="zh-CN")
    assert (view.lang, view.text_dir) == ("ar", "rtl")
    terms = view.items["offer-terms"]
    assert (terms.kind, terms.item, terms.values) == (
        "in",
        "أي عرض ذكره الموظف؟",
        ("العرض الحالي", "عرض منتهٍ"),
    )
    assert view.comment_when == {"greeted": ["لا"]}
