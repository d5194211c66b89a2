"""The review page shows a checklist's texts in the visit's content language with their own
`lang` and `dir` (right to left for Arabic), the page around them in the interface language;
the reviewer switches the content language as a shopper does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import select

from app.models import User, VisitStatus
from app.models.answer_codec import new_answer
from app.services.checklists import import_checklist
from tests.conftest import csrf_of, login
from tests.visit.conftest import make_visit

ARABIC = Path(__file__).resolve().parents[2] / "app" / "demo" / "service-centre.yaml"


@pytest.fixture
def visit(db, world):
    version, _created = import_checklist(db, source=ARABIC.read_text(encoding="utf-8"))
    visit = make_visit(
        db, world, version, status=VisitStatus.submitted, variant="transaction", shopper="shopper"
    )
    answers = {"staff-count": 3, "greeted": "no", "clean": 0, "offer": "current"}
    answers |= {"offer-terms": "yes", "wait": 12, "id-checked": "yes", "recommend": 9}
    for item_id, value in answers.items():
        answer = new_answer(visit_id=visit.id, item_id=item_id, value=value)
        if item_id == "greeted":
            answer.comment = "لم يرحب أحد، كان الموظف على الهاتف (SMS)."
        db.add(answer)
    db.commit()
    return visit


def _tag(page: str, pattern: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found, pattern
    return found.group(0)


def _review(client, visit, language: str | None = None) -> str:
    login(client, "reviewer", "reviewer-pass")
    if language:
        response = client.post(
            f"/review/{visit.id}/content-language",
            data={"language": language, "csrf_token": csrf_of(client, f"/review/{visit.id}")},
            follow_redirects=False,
        )
        assert response.status_code == 303
    return client.get(f"/review/{visit.id}").text


def test_an_english_reviewer_reads_english_texts_marked_left_to_right(client, visit):
    page = _review(client, visit)
    head = _tag(page, r'<article class="answer[^"]*" id="item-greeted">.*?</header>')
    assert '<h3 class="answer-text ct-text" lang="en" dir="ltr">Were you greeted' in head
    picker = _tag(page, r"<form[^>]*data-content-language>.*?</form>")
    assert re.findall(r'value="(\w+)"[^>]*aria-pressed="(\w+)"', picker) == [
        ("ar", "false"),
        ("en", "true"),
    ]


def test_arabic_texts_answers_and_help_right_to_left_in_an_english_page(client, visit):
    page = _review(client, visit, "ar")
    assert '<html lang="en"' in page  # the interface stays English
    assert '<bdi lang="ar" dir="rtl">الوصول</bdi>' in page  # a moment inside "1. …"
    greeted = _tag(page, r'<article class="answer[^"]*" id="item-greeted">.*?</article>')
    assert '<h3 class="answer-text ct-text" lang="ar" dir="rtl">هل رحّب بك الموظف' in greeted
    # the help's line break kept as text (pre-line), escaped, never HTML
    help_text = _tag(greeted, r'<p class="answer-help[^>]*>.*?</p>')
    assert 'lang="ar" dir="rtl"' in help_text and "<br" not in help_text
    assert "عدّ من لحظة الدخول.\nالتحية بالكلام أو بالإشارة." in help_text
    assert '<bdi lang="ar" dir="rtl">لا</bdi>' in greeted  # the checklist's own "No"
    assert '<bdi dir="auto">لم يرحب أحد' in greeted  # the shopper's comment finds its direction
    offer = _tag(page, r'<article class="answer[^"]*" id="item-offer">.*?</article>')
    assert '<bdi lang="ar" dir="rtl">العرض الحالي</bdi>' in offer
    assert '<option value="current" selected lang="ar" dir="rtl">العرض الحالي</option>' in offer
    wait = _tag(page, r'<article class="answer[^"]*" id="item-wait">.*?</article>')
    assert '<bdi lang="ar" dir="rtl">12 دقيقة</bdi>' in wait
    groups = re.findall(r'<h3 class="answer-group" lang="ar" dir="rtl">([^<]*)</h3>', page)
    assert groups == ["عند الدخول", "منطقة الانتظار"]
    assert '<bdi class="visit-variant" lang="ar" dir="rtl">معاملة</bdi>' in page


def test_a_language_the_checklist_lacks_is_refused(client, visit, db):
    login(client, "reviewer", "reviewer-pass")
    response = client.post(
        f"/review/{visit.id}/content-language",
        data={"language": "fr", "csrf_token": csrf_of(client, f"/review/{visit.id}")},
        follow_redirects=False,
    )
    assert response.status_code == 422
    reviewer = db.exec(select(User).where(User.username == "reviewer")).one()
    assert reviewer.content_language == ""
