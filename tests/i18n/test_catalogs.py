"""Every UI string has a Simplified Chinese translation, and the language follows the user."""

from __future__ import annotations

from app.i18n import gettext, language_from_header, pick_language, translations
from app.i18n_catalog import extracted_messages, untranslated


def test_the_code_marks_strings_for_translation():
    messages = extracted_messages()
    assert "Log in" in messages
    assert len(messages) > 50


def test_every_ui_string_has_a_chinese_translation():
    missing = [msgid for msgid, _plural in untranslated("zh_CN")]
    assert missing == [], "run `python -m app.i18n_catalog` and translate these"


def test_placeholders_survive_translation():
    catalog = translations("zh_CN")
    for msgid, plural in extracted_messages().items():
        text = catalog.ngettext(msgid, plural[0], 2) if plural else catalog.gettext(msgid)
        for name in ("%(num)s", "%(name)s", "%(count)s", "%(branch)s", "%(wave)s"):
            assert (name in msgid) == (name in text) or (plural and name in plural[0]), msgid


def test_language_choice_order():
    assert language_from_header("zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert language_from_header("en-US,en;q=0.9,zh;q=0.5") == "en"
    assert language_from_header("fr-FR, zh-Hans;q=0.3") == "zh_CN"
    assert language_from_header("fr") is None
    assert pick_language(user_language="en", cookie="zh_CN", header="zh") == "en"
    assert pick_language(user_language="", cookie="zh_CN", header="en") == "zh_CN"
    assert pick_language(user_language=None, cookie=None, header="zh-TW") == "zh_CN"


def test_gettext_translates_in_the_current_language():
    from app.i18n import current_language

    token = current_language.set("zh_CN")
    try:
        assert gettext("Log in") == "登录"
    finally:
        current_language.reset(token)
    assert gettext("Log in") == "Log in"
