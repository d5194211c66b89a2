"""A real CJK font is found with fontconfig, and its absence is said plainly."""

from __future__ import annotations

from app.reports import fonts
from app.reports.fonts import FontStatus
from tests.conftest import login
from tests.reports.conftest import pdf_text

MISSING = FontStatus(family=None, installed=())


def test_the_installed_noto_cjk_font_is_used():
    status = fonts.cjk_font()
    assert status.ok, "fonts-noto-cjk is installed by .ci/system-packages.sh"
    assert "CJK" in status.family
    assert status.font_stack.startswith(f'"{status.family}"')


def test_without_fc_list_results_no_font_is_claimed(monkeypatch):
    monkeypatch.setattr(fonts, "_fc_list_zh", lambda: ())
    fonts.cjk_font.cache_clear()
    try:
        status = fonts.cjk_font()
        assert not status.ok and "CJK" not in status.font_stack
    finally:
        fonts.cjk_font.cache_clear()


def test_a_missing_font_is_said_on_the_cover_and_on_hq_page(db, programme, client, monkeypatch):
    from app.reports import data, page
    from app.reports.service import branch_report

    monkeypatch.setattr(data, "cjk_font", lambda: MISSING)
    monkeypatch.setattr(page, "cjk_font", lambda: MISSING)
    branch, wave = programme.branches["E1"], programme.waves[-1]
    pdf = branch_report(db, user=None, branch=branch, wave=wave, lang="en").pdf
    assert "No Chinese (CJK) font is installed on the server" in pdf_text(pdf)
    login(client, "admin", "admin-pass")
    assert "Install fonts-noto-cjk" in client.get(f"/reports?wave={wave.id}").text
