"""Translations: Babel catalogs (`locales/<lang>/LC_MESSAGES/*.po`) chosen per request.

The current language lives in a context variable so that templates and Python
code call the same `gettext` without threading a locale through every call.
All `.po` files of a language are merged, so each area of the app keeps its own.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.scoring.messages import use_translator
from app.settings import LANGUAGES, get_settings

LOCALE_DIR = Path(__file__).parent / "locales"
current_language: ContextVar[str] = ContextVar("current_language", default="en")


@lru_cache
def translations(language: str) -> NullTranslations:
    """Compile a language's .po files in memory (no build step, no stale .mo files)."""
    directory = LOCALE_DIR / language / "LC_MESSAGES"
    merged: NullTranslations = NullTranslations()
    for po_path in sorted(directory.glob("*.po")) if directory.exists() else []:
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        loaded = Translations(buffer)
        if isinstance(merged, Translations):
            merged.merge(loaded)
        else:
            merged = loaded
    return merged


def gettext(message: str, **variables: object) -> str:
    """Translate into the current language; `%(name)s` placeholders are filled from kwargs."""
    text = translations(current_language.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """Plural-aware translation; `num` is always available as a placeholder."""
    text = translations(current_language.get()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_ = gettext

# The scoring core's messages (validation errors) follow the same language; the core
# itself reads no catalog (app/scoring/messages.py).
use_translator(lambda message: translations(current_language.get()).gettext(message))


def normalize_language(tag: str | None) -> str | None:
    """Map a browser or user tag (zh-CN, zh-Hans, zh, en-US) to a supported language."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh_CN"
    if tag.startswith("en"):
        return "en"
    return None


def language_from_header(header: str | None) -> str | None:
    """Best supported language from an Accept-Language header, honouring q-values."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = normalize_language(tag)
        if language and quality > 0:
            choices.append((-quality, index, language))
    return min(choices)[2] if choices else None


def pick_language(*, user_language: str | None, cookie: str | None, header: str | None) -> str:
    """A user's saved choice wins, then the language cookie, then the browser, then the default."""
    for candidate in (user_language, cookie):
        language = normalize_language(candidate)
        if language in LANGUAGES:
            return language
    return language_from_header(header) or get_settings().default_language


def content_language(language: str) -> str:
    """The BCP 47 tag for HTML `lang` and for picking user-entered checklist text."""
    return "zh-CN" if language == "zh_CN" else "en"


def language_name(tag: str) -> str:
    """A language's name in that language ("العربية", "English"), the tag when unknown."""
    try:
        return Locale.parse(tag.replace("-", "_")).get_display_name() or tag
    except (ValueError, UnknownLocaleError):
        return tag
