"""What a branch's PDF report shows: the scorecard's figures, every visit, no shopper, Chinese."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlmodel import select

from app.i18n import current_language
from app.models import Visit
from app.reports.service import branch_report, render_branch
from app.services.scorecards import branch_scorecard
from tests.reports.conftest import pdf_images, pdf_pages, pdf_text
from tests.reports.helpers import SHOPPER_LOGIN, SHOPPER_NAME


def _report(db, programme, code="E1", lang="en"):
    branch, wave = programme.branches[code], programme.waves[-1]
    return branch_report(db, user=None, branch=branch, wave=wave, lang=lang).pdf


def test_figures_are_the_scorecards(db, programme):
    branch, wave = programme.branches["E1"], programme.waves[-1]
    card = branch_scorecard(db, user=None, branch=branch, wave=wave)
    pages = pdf_pages(_report(db, programme))
    cover = pages[0]
    summary = next(p for p in pages if "Summary" in p and "BRANCH SCORE" in p.upper())
    assert f"{card.score:.1f}" in cover
    for figure in (card.score, card.region_score, card.competitor_score, card.previous_score):
        assert figure is not None
        assert f"{figure:.1f}" in summary, figure
    assert card.weakest is not None
    assert f"Weakest moment of truth: {card.weakest.title}" in summary
    compliance = next(p for p in pages if "MOMENT OF TRUTH WEIGHT BRANCH REGION" in p)
    for section in card.sections:
        row = re.search(re.escape(section.title) + r".*", compliance).group(0)
        assert f"{section.score:.1f}" in row and f"{section.region:.1f}" in row, row


def test_summary_names_critical_and_must_failures_and_warnings(db, programme):
    text = pdf_text(_report(db, programme))
    # E1 failed the must-be "apology" standard in both visits of the wave.
    assert "Critical and must-be failures" in text
    assert "Staff apologised sincerely Complaint handling Must-be 2 / 2" in text
    assert "Early warning" in text


@pytest.mark.usefixtures("media_backend")  # thumbnails from the media directory, then S3
def test_every_visit_with_answers_points_na_comments_and_thumbnails(db, programme):
    data = _report(db, programme)
    text = pdf_text(data)
    assert "Visit 1" in text and "Visit 2" in text
    assert "Time in" in text and "Time out" in text and "31 minutes" in text
    assert "N/A" in text  # the trade-in offer answered N/A in visit 1
    # the failed must-be apology: answer, "not met", the shopper's comment, no points
    assert "Staff apologised sincerely Must-be No Not met “Staff member looked away” 0 / 1" in text
    assert "Seconds until a staff member greeted you Must-be 30 s 2 / 2" in text
    images = pdf_images(data)
    assert len(images) == len(programme.photos) == 4
    # thumbnails are teal (0, 128, 128), the full-size photos navy: only thumbnails are used
    assert all(abs(r) < 16 and abs(g - 128) < 16 and abs(b - 128) < 16 for r, g, b in images)


def test_shopper_is_never_named(db, programme):
    for lang in ("en", "zh_CN"):
        text = pdf_text(_report(db, programme, lang=lang))
        assert SHOPPER_NAME not in text
        assert "Hiddenshopper" not in text and SHOPPER_LOGIN not in text


def test_chinese_report_is_in_chinese_with_a_cjk_font(db, programme):
    data = _report(db, programme, lang="zh_CN")
    text = pdf_text(data)
    assert "暗访审核报告" in text  # translated report title
    assert "手机门店访问" in text  # the checklist's own zh-CN name (text_for)
    assert "进店接待" in text  # a moment of truth in Chinese
    assert "第 2 页，共" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(data)).pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("CJK" in name for name in fonts), fonts
    # charts too: Simplified Chinese forms, never the Japanese face fontconfig falls back to
    assert not any("CJK-JP" in name for name in fonts), fonts


def test_english_is_the_fallback_for_untranslated_checklist_text(db, programme):
    text = pdf_text(_report(db, programme, lang="en"))
    assert "Arrival and greeting" in text and "进店接待" not in text


def test_page_count_toc_and_page_numbers(db, programme):
    rendered = render_branch(
        db, branch=programme.branches["E1"], wave=programme.waves[-1], lang="en"
    )
    pages = pdf_pages(rendered.pdf)
    assert rendered.pages == len(pages)
    assert 5 <= rendered.pages <= 30
    assert f"Page 2 of {rendered.pages}" in pages[1]
    contents = pages[1]
    visits_at = int(re.search(r"\nVisits[ .]+(\d+)", contents).group(1))
    assert "Visits" in pages[visits_at - 1] and "Visit 1" in pages[visits_at - 1]
    assert "Corrective actions and disputes" in pages[-1]
    assert "Role-play the apology script every Monday" in " ".join(pages[-1].split())


def test_rendering_leaves_the_request_language_alone(db, programme):
    token = current_language.set("en")
    try:
        _report(db, programme, lang="zh_CN")
        assert current_language.get() == "en"
    finally:
        current_language.reset(token)


def test_a_branch_without_visits_still_gets_a_report(db, programme, world):
    wave = programme.waves[-1]
    text = pdf_text(
        branch_report(db, user=None, branch=world["branches"]["E2"], wave=wave, lang="en").pdf
    )
    assert "No approved visit counts in this wave yet." in text


def test_a_missing_delighter_is_not_shown_as_a_failure(db, programme):
    from sqlmodel import select

    from app.models import Answer

    visit = programme.visits["E1"][0]
    answer = db.exec(
        select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == "name-used")
    ).one()
    answer.value = "no"
    db.add(answer)
    db.flush()
    text = pdf_text(_report(db, programme))
    assert "Staff asked for your name and used it Delighter No 0 / 1" in text
    assert "Staff asked for your name and used it Delighter No Not met" not in text


def test_a_low_sample_and_an_interim_wave_are_marked(db, programme, monkeypatch):
    from app.settings import get_settings

    monkeypatch.setenv("LOW_SAMPLE_VISITS", "5")
    monkeypatch.setenv("COMPANY_TIMEZONE", "Asia/Shanghai")
    get_settings.cache_clear()
    try:
        branch, wave = programme.branches["E1"], programme.waves[-1]
        card = branch_scorecard(db, user=None, branch=branch, wave=wave)
        assert card.low_sample
        pages = pdf_pages(_report(db, programme))
        assert "Low sample" in pages[0]
        assert f"{card.visits} of {card.planned_visits} visits approved" in pages[0]
        text = pdf_text(_report(db, programme))
        assert "Low sample: fewer visits than the wave plans or than the minimum of 5" in text
        assert "(Asia/Shanghai)" in text  # the visits' times say their zone
    finally:
        get_settings.cache_clear()
    monkeypatch.setenv("LOW_SAMPLE_VISITS", "1")
    get_settings.cache_clear()
    try:
        card = branch_scorecard(db, user=None, branch=branch, wave=wave)
        assert not card.low_sample
        assert "Low sample" not in pdf_text(_report(db, programme))
    finally:
        get_settings.cache_clear()


def test_delight_rate_and_basics_and_delighters_are_the_scorecards(db, programme, monkeypatch):
    branch, wave = programme.branches["E1"], programme.waves[-1]
    card = branch_scorecard(db, user=None, branch=branch, wave=wave)
    assert card.delight is not None and card.must_items and card.delight_items
    pages = pdf_pages(_report(db, programme))
    summary = " ".join(next(p for p in pages if "BRANCH SCORE" in p.upper()).split())
    assert f"DELIGHT RATE {card.delight:.1f}" in summary.upper()
    text = pdf_text(_report(db, programme))
    basics = text[text.index("Basics and delighters Must-be standards") :]

    def rate(f, value):  # "100% (2/2)": how often the must-be failed, out of the visits
        return rf"{value:.0f}%\s*\({f.stat.failed}/{f.stat.applicable}\)"

    for f in card.must_items:
        pattern = re.escape(f.text) + r".{0,80}?" + rate(f, f.stat.failure_rate)
        assert re.search(pattern, basics), (f.text, f.stat.failure_rate)
    apology = next(f for f in card.must_items if f.id == "apology")  # failed in both visits
    assert re.search(r"Staff apologised sincerely Complaint handling " + rate(apology, 100), basics)
    delighters = basics[basics.index("Delighters: how often they happened") :]
    for f in card.delight_items:
        assert re.search(re.escape(f.text) + r".{0,80}?" + f"{f.stat.compliance:.0f}%", delighters)
    # the rates are the scorecard's own (ItemStat), not figured again for the PDF
    from app.services.scorecards.items import ItemStat

    monkeypatch.setattr(ItemStat, "failure_rate", property(lambda stat: 42.0))
    monkeypatch.setattr(ItemStat, "compliance", property(lambda stat: 37.0))
    rendered = pdf_text(render_branch(db, branch=branch, wave=wave, lang="en").pdf)
    assert re.search(
        r"Staff apologised sincerely Complaint handling " + rate(apology, 42), rendered
    )
    assert re.search(re.escape(card.delight_items[0].text) + r".{0,80}?37%", rendered)


def test_chinese_basics_and_delight_rate(db, programme):
    text = pdf_text(_report(db, programme, lang="zh_CN"))
    assert "惊喜率" in text and "基本项与惊喜项" in text


def test_the_scenario_is_in_the_readers_language_and_a_visits_own_brief_is_shown(db, programme):
    scenario = programme.document.scenario
    english, chinese = scenario["en"], scenario["zh-CN"]
    en = "".join(pdf_text(_report(db, programme, lang="en")).split())
    zh = "".join(pdf_text(_report(db, programme, lang="zh_CN")).split())
    assert "".join(english.split()) in en and chinese not in en
    assert chinese in zh and "".join(english.split()) not in zh
    # the programme's visits carry a brief of their own (the wave has none): shown per visit
    assert en.count("Briefforthisvisit:Askforaphoneunder3000RMB.") == 2


def test_a_wave_brief_is_shown_once_not_on_every_visit(db, programme):
    wave = programme.waves[-1]
    wave.scenario = "Ask for a phone under 3000 RMB."  # what its visits were given
    db.add(wave)
    db.flush()
    text = pdf_text(_report(db, programme))
    assert text.count("Ask for a phone under 3000 RMB.") == 1
    assert "Wave brief Ask for a phone under 3000 RMB." in text
    assert "Brief for this visit" not in text


def test_the_wave_brief_is_in_the_readers_language(db, programme):
    wave = programme.waves[-1]
    wave.scenario = "Ask for a phone under 3000 RMB."  # what its visits were given
    wave.scenario_translations = {"zh-CN": "询问一部 3000 元以下的手机。"}
    db.add(wave)
    for visit in db.exec(select(Visit).where(Visit.wave_id == wave.id)):
        visit.scenario_translations = wave.scenario_translations  # copied as assignments do
        db.add(visit)
    db.flush()
    en = pdf_text(_report(db, programme, lang="en"))
    zh = "".join(pdf_text(_report(db, programme, lang="zh_CN")).split())
    assert "Wave brief Ask for a phone under 3000 RMB." in en and "询问" not in en
    assert "询问一部3000元以下的手机。" in zh and "Askforaphone" not in zh
