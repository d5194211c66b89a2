"""The shopper's page renders the checklist extensions: language, direction, groups, labels,
bounds, informational items, N/A options, and answer-dependent comments and photos."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.models import Answer, User, VisitStatus
from app.services.checklists import import_checklist
from tests.conftest import csrf_of, login
from tests.visit.conftest import make_visit

ARABIC = Path(__file__).resolve().parents[2] / "app" / "demo" / "service-centre.yaml"


@pytest.fixture
def version(db):
    version, _created = import_checklist(db, source=ARABIC.read_text(encoding="utf-8"))
    db.commit()
    return version


@pytest.fixture
def visit(db, world, version):
    return make_visit(db, world, version, status=VisitStatus.in_progress, variant="transaction")


@pytest.fixture
def arabic(db, world):
    """The shopper reads checklists in Arabic (an English interface would pick English)."""
    shopper = world["users"]["shopper"]
    shopper.content_language = "ar"
    db.add(shopper)
    db.commit()


def _page(client, visit) -> str:
    login(client, "shopper", "shopper-pass")
    return client.get(f"/visits/{visit.id}").text


def _tag(page: str, pattern: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found, pattern
    return found.group(0)


def test_arabic_texts_carry_their_language_and_direction_in_an_english_page(client, visit, arabic):
    page = _page(client, visit)
    assert '<html lang="en"' in page  # the interface stays English
    legend = _tag(page, r'<legend id="q-greeted"[^>]*>.*?</legend>')
    assert 'lang="ar" dir="rtl"' in legend and "هل رحّب بك الموظف" in legend
    assert 'class="q-optional"' not in legend
    assert '<bdi lang="ar" dir="rtl">الوصول</bdi>' in page  # a section title in English chrome
    # the help's line break is kept as text (CSS pre-line), escaped, never HTML
    assert "عدّ من لحظة الدخول.\nالتحية بالكلام أو بالإشارة." in page
    assert "<br" not in _tag(page, r'<p class="q-help[^>]*id="help-greeted".*?</p>')


def test_the_checklists_own_words_for_yes_no_and_na(client, visit, arabic):
    page = _page(client, visit)
    check = _tag(page, r'<fieldset[^>]*id="i-id-checked".*?</fieldset>')
    words = re.findall(r'<span lang="ar" dir="rtl">([^<]+)</span></label>', check)
    assert words == ["نعم", "لا", "لا ينطبق"]


def test_groups_bounds_ratings_from_zero_and_information_items(client, visit, arabic):
    page = _page(client, visit)
    groups = re.findall(r'<h3 class="q-group ct-text"[^>]*data-group="([^"]*)">([^<]*)</h3>', page)
    assert groups == [("staff-count greeted", "عند الدخول"), ("clean", "منطقة الانتظار")]
    staff = _tag(page, r'<fieldset[^>]*id="i-staff-count".*?</fieldset>')
    assert 'inputmode="numeric" min="0" max="30" step="1"' in staff
    assert "(for information)" in staff
    assert "(for information)" not in _tag(page, r'<fieldset[^>]*id="i-greeted".*?</fieldset>')
    clean = _tag(page, r'<fieldset[^>]*id="i-clean".*?</fieldset>')
    assert re.findall(r'name="v.clean" value="(\d+)"', clean) == [str(n) for n in range(11)]
    offer = _tag(page, r'<fieldset[^>]*id="i-offer".*?</fieldset>')
    na_option = '<label class="q-opt q-opt-na"><input type="radio" name="v.offer"'
    assert na_option + ' value="none-running"' in offer


def test_a_no_asks_for_its_comment_and_a_photo_when_the_answer_needs_one(db, client, visit, arabic):
    db.add(Answer(visit_id=visit.id, item_id="greeted", value="no"))
    db.add(Answer(visit_id=visit.id, item_id="offer", value="current"))
    db.add(Answer(visit_id=visit.id, item_id="offer-terms", value="no"))
    db.commit()
    page = _page(client, visit)
    greeted = _tag(page, r'<fieldset[^>]*id="i-greeted".*?</fieldset>')
    assert '<details class="q-comment" open>' in greeted
    assert re.search(r"data-comment-need>\(required for this answer\)", greeted)
    terms = _tag(page, r'<fieldset[^>]*id="i-offer-terms".*?</fieldset>')
    assert "data-photo-input" in terms  # require_photo: the item takes photos
    assert "data-photo-need>This answer needs a photo as evidence." in terms


def test_the_shopper_picks_the_content_language_and_it_is_remembered(db, client, world, visit):
    page = _page(client, visit)  # an English interface reads the English texts first
    legend = _tag(page, r'<legend id="q-greeted"[^>]*>.*?</legend>')
    assert 'lang="en" dir="ltr"' in legend and "Were you greeted within 30 seconds?" in legend
    assert '<span lang="en" dir="ltr">Not applicable</span>' in page
    assert re.search(r'value="en" lang="en"[^>]*aria-pressed="true">English</button>', page)
    token = csrf_of(client, f"/visits/{visit.id}")
    done = client.post(
        f"/visits/{visit.id}/content-language", data={"csrf_token": token, "language": "ar"}
    )
    assert done.status_code == 303
    db.expire_all()
    assert db.get(User, world["users"]["shopper"].id).content_language == "ar"
    page = client.get(f"/visits/{visit.id}").text
    assert re.search(r'value="ar" lang="ar"[^>]*aria-pressed="true">العربية</button>', page)
    assert '<html lang="en"' in page
    legend = _tag(page, r'<legend id="q-greeted"[^>]*>.*?</legend>')
    assert 'lang="ar" dir="rtl"' in legend
    refused = client.post(
        f"/visits/{visit.id}/content-language", data={"csrf_token": token, "language": "fr"}
    )
    assert refused.status_code == 422 and "ar, en" in refused.text


def test_the_shopper_sees_the_kind_of_visit_on_the_visit_and_at_home(client, visit, arabic):
    page = _page(client, visit)
    assert '<bdi class="visit-variant" lang="ar" dir="rtl">معاملة</bdi>' in page
    home = client.get("/").text
    assert '<bdi dir="auto" class="visit-variant">Transaction</bdi>' in home


def test_answer_rows_follow_the_texts_direction(client, visit, arabic):
    """Yes/No/N/A, a scale and the options sit in a right-to-left container, so the row
    starts at the right as the reader reads (the grid flips with `dir`)."""
    page = _page(client, visit)
    check = _tag(page, r'<fieldset[^>]*id="i-id-checked".*?</fieldset>')
    assert '<div class="q-seg q-seg-3" lang="ar" dir="rtl">' in check
    clean = _tag(page, r'<fieldset[^>]*id="i-clean".*?</fieldset>')
    assert re.search(r'<div class="q-seg q-seg-rating[^"]*" lang="ar" dir="rtl">', clean)
    assert '<p class="scale-ends v-small muted" aria-hidden="true" lang="ar" dir="rtl">' in clean
    offer = _tag(page, r'<fieldset[^>]*id="i-offer".*?</fieldset>')
    assert '<div class="q-choices" lang="ar" dir="rtl">' in offer


def test_english_answer_rows_stay_left_to_right(client, visit):
    check = _tag(_page(client, visit), r'<fieldset[^>]*id="i-id-checked".*?</fieldset>')
    assert '<div class="q-seg q-seg-3" lang="en" dir="ltr">' in check
