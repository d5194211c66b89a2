"""Multilingual text: a plain string or a map of language tag to string."""

from __future__ import annotations

from collections.abc import Mapping

Text = str | dict[str, str]


def _primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def text_for(text: str | Mapping[str, str] | None, lang: str, fallback: str = "en") -> str:
    """Pick the best string of a multilingual text for ``lang``.

    Checklists are written once for several languages; every screen and report asks
    for one. Order: exact tag (``zh-CN``), its primary language (``zh``), another
    variant of that language (``zh-TW``), then ``fallback`` the same way, then the
    first entry. A plain string is the same in every language.
    """
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if not text:
        return ""
    for want in (lang, fallback):
        if not want:
            continue
        if want in text:
            return text[want]
        lowered = {k.lower(): v for k, v in text.items()}
        if want.lower() in lowered:
            return lowered[want.lower()]
        primary = _primary(want)
        if primary in lowered:
            return lowered[primary]
        for key, value in text.items():
            if _primary(key) == primary:
                return value
    return next(iter(text.values()))


def languages_of(text: str | Mapping[str, str] | None) -> tuple[str, ...]:
    """The language tags a text is written in; ``()`` for a plain string (any language)."""
    if isinstance(text, Mapping):
        return tuple(text)
    return ()
