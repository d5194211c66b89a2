"""Which language a multilingual text is shown in (``tag_for``), so pages mark it right."""

from __future__ import annotations

import pytest

from app.scoring import tag_for, text_for

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
