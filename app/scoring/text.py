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
    tag = tag_for(text, lang, fallback)
    return text[tag] if tag is not None else ""


def tag_for(text: str | Mapping[str, str] | None, lang: str, fallback: str = "en") -> str | None:
    """The language tag of the string ``text_for`` picks, so a page can say which language
    (and direction) it is in; ``None`` for a plain or empty text (any language)."""
    if not isinstance(text, Mapping) or not text:
        return None
    for want in (lang, fallback):
        if not want:
            continue
        if want in text:
            return want
        lowered = {k.lower(): k for k in text}
        if want.lower() in lowered:
            return lowered[want.lower()]
        primary = _primary(want)
        if primary in lowered:
            return lowered[primary]
        for key in text:
            if _primary(key) == primary:
                return key
    return next(iter(text))


def languages_of(text: str | Mapping[str, str] | None) -> tuple[str, ...]:
    """The language tags a text is written in; ``()`` for a plain string (any language)."""
    if isinstance(text, Mapping):
        return tuple(text)
    return ()


# Scripts written right to left (formats.md): Arabic, Hebrew, Persian, Urdu and their
# subtags (ar-EG, fa-IR), plus a script subtag that says so (ku-Arab).
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
RTL_SCRIPTS = frozenset({"arab", "hebr"})


def is_rtl(tag: str) -> bool:
    """True for a language tag written right to left (``ar``, ``he-IL``, ``fa``, ``ur``)."""
    parts = tag.replace("_", "-").lower().split("-")
    return parts[0] in RTL_LANGUAGES or any(p in RTL_SCRIPTS for p in parts[1:])


def direction(tag: str) -> str:
    """The HTML ``dir`` of text in this language: ``rtl`` or ``ltr``."""
    return "rtl" if is_rtl(tag) else "ltr"


def pick_language(languages: tuple[str, ...], wanted: str) -> str | None:
    """The content language to show a reader who wants ``wanted``: it when the checklist
    has it (or its primary language), else the checklist's first; ``None`` for a
    checklist of plain texts."""
    if not languages:
        return None
    if wanted in languages:
        return wanted
    for tag in languages:
        if _primary(tag) == _primary(wanted):
            return tag
    return languages[0]
