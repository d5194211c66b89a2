"""Which text of a language map a reader gets (checklist texts, the wave's brief), and
which language it is in (``tag_for``), so pages mark it right."""

from __future__ import annotations

import pytest

from app.scoring import tag_for
from app.scoring.text import brief_for, text_for, text_in

MAP = {"en": "Greet", "zh-CN": "问候", "ar": "رحّب"}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh-CN", "问候"),  # exact
        ("zh", "问候"),  # primary language
        ("zh-TW", "问候"),  # another variant of it
        ("AR", "رحّب"),  # case does not matter
        ("fr", None),  # none in French: no fallback here
        ("", None),
    ],
)
def test_text_in_matches_the_language_or_gives_none(lang, expected):
    assert text_in(MAP, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (MAP, "fr", "Greet"),  # the fallback language
        ({"ar": "رحّب", "zh": "问候"}, "fr", "رحّب"),  # then the first entry
        ("Plain", "ar", "Plain"),
        (None, "en", ""),
        ({}, "en", ""),
    ],
)
def test_text_for_falls_back_to_english_then_the_first_entry(text, lang, expected):
    assert text_for(text, lang) == expected


@pytest.mark.parametrize(
    ("default", "translations", "lang", "expected"),
    [
        ("Ask for a refund", {"zh-CN": "要求退款"}, "zh-CN", "要求退款"),
        ("Ask for a refund", {"zh-CN": "要求退款"}, "en", "Ask for a refund"),
        ("Ask for a refund", {"zh-CN": "要求退款"}, "ar", "Ask for a refund"),
        ("Ask for a refund", None, "zh-CN", "Ask for a refund"),
        ("", {"ar": "اطلب استرداد"}, "en", "اطلب استرداد"),  # no default: any translation
        ("", None, "en", ""),
    ],
)
def test_the_brief_is_the_readers_translation_else_the_default(
    default, translations, lang, expected
):
    assert brief_for(default, translations, lang) == expected


TEXT = {"ar": "الوصول", "en": "Arrival", "zh-CN": "到店"}


@pytest.mark.parametrize(
    ("text", "wanted", "tag"),
    [
        (TEXT, "ar", "ar"),
        (TEXT, "ar-EG", "ar"),  # its primary language
        (TEXT, "zh", "zh-CN"),  # another variant of the language
        (TEXT, "ZH-cn", "zh-CN"),  # tags compare without case
        (TEXT, "fr", "en"),  # the fallback
        ({"ar": "الوصول", "he": "הגעה"}, "fr", "ar"),  # no fallback either: the first
        ("Arrival", "ar", None),  # a plain text is in any language
        ({}, "en", None),
        (None, "en", None),
    ],
)
def test_tag_for_names_the_string_text_for_picks(text, wanted, tag):
    assert tag_for(text, wanted) == tag
    if tag is not None:
        assert text_for(text, wanted) == text[tag]
