"""Multilingual text: a plain string or a map of language tag to string."""

from __future__ import annotations

from collections.abc import Mapping

Text = str | dict[str, str]


def _primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def text_in(text: Mapping[str, str] | None, lang: str) -> str | None:
    """The entry of a language map written in ``lang``, or ``None`` when it has none.

    Order: exact tag (``zh-CN``), its primary language (``zh``), another variant of that
    language (``zh-TW``). No fallback: callers that have a default of their own use this.
    """
    if not text or not lang:
        return None
    if lang in text:
        return text[lang]
    lowered = {k.lower(): v for k, v in text.items()}
    if lang.lower() in lowered:
        return lowered[lang.lower()]
    primary = _primary(lang)
    if primary in lowered:
        return lowered[primary]
    for key, value in text.items():
        if _primary(key) == primary:
            return value
    return None


def text_for(text: str | Mapping[str, str] | None, lang: str, fallback: str = "en") -> str:
    """Pick the best string of a multilingual text for ``lang``.

    Checklists are written once for several languages; every screen and report asks
    for one. Order: ``lang`` as `text_in` matches it, then ``fallback`` the same way,
    then the first entry. A plain string is the same in every language.
    """
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if not text:
        return ""
    for want in (lang, fallback):
        found = text_in(text, want)
        if found is not None:
            return found
    return next(iter(text.values()))


def brief_for(default: str, translations: Mapping[str, str] | None, lang: str) -> str:
    """A wave's brief for a reader of ``lang``: the translation HQ wrote in that language,
    else the default text as typed, else any translation (HQ may have typed none)."""
    return text_in(translations, lang) or default or text_for(translations, lang)


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
