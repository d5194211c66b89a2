"""A wave's scenario brief in several languages.

HQ types the brief once as its default and may add it in further languages: the office's
(English, Chinese) so that each reader's PDF shows it in theirs, and the checklists' content
languages so that a shopper reading Arabic reads the brief in Arabic. Which text a reader
gets is `app.scoring.text.brief_for`; this module offers the languages, checks what HQ
typed and copies the brief onto each visit of the wave.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.i18n import _, content_language, language_name
from app.models import ChecklistVersion, Visit, Wave
from app.scoring.text import brief_for
from app.services.checklists import document_of
from app.settings import LANGUAGES

MAX_BRIEF = 2000
FIELD_PREFIX = "scenario-"  # the form's field of the brief in one language: scenario-ar


def brief_languages(versions: Iterable[ChecklistVersion]) -> list[tuple[str, str]]:
    """(tag, name) of each language a brief can be written in: the interface's languages,
    then every content language of the checklist versions offered, each once."""
    tags = [content_language(lang) for lang in LANGUAGES]
    for version in versions:
        tags.extend(t for t in document_of(version).languages if t not in tags)
    return [(tag, language_name(tag)) for tag in tags]


def translations_from_form(form: Mapping[str, Any]) -> dict[str, str]:
    """The brief's further languages as the form sent them ({tag: text}), empty ones left out."""
    out: dict[str, str] = {}
    for key, value in form.items():
        if key.startswith(FIELD_PREFIX) and isinstance(value, str) and value.strip():
            out[key.removeprefix(FIELD_PREFIX)] = value
    return out


def brief_errors(default: str, translations: Mapping[str, str]) -> dict[str, str]:
    """The form's errors, keyed by the field that has each."""
    errors = {}
    if len(default) > MAX_BRIEF:
        errors["scenario"] = _("At most 2000 characters.")
    for tag, text in translations.items():
        if len(text) > MAX_BRIEF:
            errors[FIELD_PREFIX + tag] = _("At most 2000 characters.")
        elif not tag or len(tag) > 35 or not tag.replace("-", "").isalnum():
            errors[FIELD_PREFIX + tag] = _("Not a language tag: %(tag)s", tag=tag[:35])
    return errors


def cleaned(translations: Mapping[str, str]) -> dict[str, str] | None:
    """What is stored: each text stripped, ``None`` when there is none."""
    kept = {tag: text.strip() for tag, text in translations.items() if text.strip()}
    return kept or None


def visit_brief(wave: Wave) -> dict[str, Any]:
    """The fields a new visit of this wave copies its brief into."""
    return {"scenario": wave.scenario, "scenario_translations": wave.scenario_translations}


def brief_in(holder: Wave | Visit, lang: str) -> str:
    """The brief of a wave or of a visit for a reader of ``lang``."""
    return brief_for(holder.scenario, holder.scenario_translations, lang)
