"""Multilingual text: a plain string or a map of language tag to string."""

from __future__ import annotations

from collections.abc import Mapping

Text = str | dict[str, str]


def _primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def _key_in(text: Mapping[str, str], lang: str) -> str | None:
    """The key of a language map written in ``lang``: exact tag (``zh-CN``), its primary
    language (``zh``), another variant of that language (``zh-TW``); else ``None``."""
    if not lang:
        return None
    if lang in text:
        return lang
    lowered = {k.lower(): k for k in text}
    if lang.lower() in lowered:
        return lowered[lang.lower()]
    primary = _primary(lang)
    if primary in lowered:
        return lowered[primary]
    for key in text:
        if _primary(key) == primary:
            return key
    return None


def text_in(text: Mapping[str, str] | None, lang: str) -> str | None:
    """The entry of a language map written in ``lang`` (as `_key_in` matches it), or
    ``None`` when it has none. No fallback: callers that have a default of their own use this.
    """
    key = _key_in(text, lang) if text else None
    return text[key] if text and key is not None else None


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
    tag = tag_for(text, lang, fallback)
    return text[tag] if tag is not None else ""


def tag_for(text: str | Mapping[str, str] | None, lang: str, fallback: str = "en") -> str | None:
    """The language tag of the string ``text_for`` picks, so a page can say which language
    (and direction) it is in; ``None`` for a plain or empty text (any language)."""
    if not isinstance(text, Mapping) or not text:
        return None
    for want in (lang, fallback):
        key = _key_in(text, want)
        if key is not None:
            return key
    return next(iter(text))


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
