"""A checklist -> XLSForm rows (survey, choices, settings) that ``xlsform.convert`` reads back.

Written from the checklist's canonical document (``checklist_to_dict``), so only what
differs from a default is written and the import gives the same content hash. Cells are
strings or numbers; the writer (``app/services/xlsform.py``) puts them in a workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .checklist import Checklist
from .export import checklist_to_dict
from .xlsform import ITEM_COLUMNS, LABELS_LIST, NO_LANGUAGES, SECTION_COLUMNS, SETTINGS_NUMBERS
from .xlsform_expr import VARIANT, write_bounds, write_relevant

Cell = str | int | float
Sheet = list[dict[str, Cell]]
LanguageName = Callable[[str], str]  # "ar" -> "Arabic", for the ``label::Arabic (ar)`` headers

_TYPE = {"text": "text", "photo": "image"}
_DEFAULT_WORDS = {"yes": "Yes", "no": "No", "na": "N/A"}


@dataclass
class Workbook:
    """The three sheets, each with its columns in order."""

    survey: Sheet = field(default_factory=list)
    choices: Sheet = field(default_factory=list)
    settings: Sheet = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)


class _Writer:
    def __init__(self, doc: dict[str, Any], language_name: LanguageName) -> None:
        self.doc = doc
        self.name = language_name
        self.book = Workbook()
        self.lists: set[str] = set()

    def put(self, row: dict[str, Cell], base: str, text: Any) -> None:
        """A plain text in ``base``, a language map in one ``base::Name (tag)`` per language."""
        if text is None:
            return
        if isinstance(text, str):
            row[base] = text
            return
        for tag, value in text.items():
            row[f"{base}::{self.name(tag)} ({tag})"] = value

    def choice(self, list_name: str, name: Any, text: Any, **extra: Cell) -> None:
        row: dict[str, Cell] = {"list_name": list_name, "name": str(name)}
        self.put(row, "label", text)
        row.update(extra)
        self.book.choices.append(row)

    def yes_no(self, na: bool) -> str:
        list_name = "yes_no_na" if na else "yes_no"
        if list_name not in self.lists:
            self.lists.add(list_name)
            labels = self.doc.get("labels", {})
            for key in ("yes", "no", "na") if na else ("yes", "no"):
                self.choice(list_name, key, labels.get(key, _DEFAULT_WORDS[key]))
        return list_name

    def scale(self, low: int, high: int) -> str:
        list_name = f"scale_{low}_{high}"
        if list_name not in self.lists:
            self.lists.add(list_name)
            for value in range(low, high + 1):
                self.choice(list_name, value, str(value))
        return list_name

    def options(self, item: dict[str, Any]) -> str:
        # never one of the shared lists' names (yes_no, scale_1_5, labels, variant)
        list_name = f"{item['id']}-options"
        self.lists.add(list_name)
        for option in item["options"]:
            extra: dict[str, Cell] = {"na": "yes"} if option.get("na") else {}
            if "score" in option:
                extra["score"] = option["score"]
            self.choice(list_name, option["id"], option["text"], **extra)
        return list_name

    def item(self, item: dict[str, Any], when: dict[str, Any] | None) -> dict[str, Cell]:
        kind = item["kind"]
        row: dict[str, Cell] = {}
        if kind == "check":
            row["type"] = f"select_one {self.yes_no(item.get('na', False))}"
        elif kind == "rating":
            row["type"] = f"select_one {self.scale(item.get('from', 1), item.get('scale', 5))}"
        elif kind == "choice":
            row["type"] = f"select_one {self.options(item)}"
        elif kind == "measure":
            row["type"] = "integer" if item.get("integer") else "decimal"
        else:
            row["type"] = _TYPE[kind]
        row["name"] = item["id"]
        self.put(row, "label", item["text"])
        self.put(row, "hint", item.get("help"))
        if item.get("required", True):
            row["required"] = "yes"
        if when is not None:
            row["relevant"] = write_relevant(when)
        if kind == "measure":
            row["constraint"] = write_bounds(item.get("min", 0), item.get("max"))
        if "min_chars" in item:
            row["constraint"] = f"string-length(.) >= {item['min_chars']}"
        if kind in ("check", "rating", "choice"):
            row["kind"] = kind
        for key in ITEM_COLUMNS:
            if key == "kind" or key not in item or (key == "na" and kind == "check"):
                continue
            value = item[key]
            if key == "unit":
                self.put(row, "unit", value)
            elif isinstance(value, bool):
                row[key] = "yes" if value else "no"
            elif isinstance(value, list):
                row[key] = " ".join(str(v) for v in value)
            else:
                row[key] = value
        return row

    def section(self, section: dict[str, Any]) -> None:
        begin: dict[str, Cell] = {"type": "begin group", "name": section["id"]}
        self.put(begin, "label", section["title"])
        if "when" in section:
            begin["relevant"] = write_relevant(section["when"])
        for key in SECTION_COLUMNS:
            if key in section:
                begin[key] = section[key]
        self.book.survey.append(begin)
        group: Any = None
        runs = 0
        for item in section["items"]:
            if item.get("group") != group:
                if group is not None:
                    self.book.survey.append({"type": "end group"})
                group = item.get("group")
                if group is not None:
                    runs += 1
                    sub: dict[str, Cell] = {
                        "type": "begin group",
                        "name": f"{section['id']}-{runs}",
                    }
                    self.put(sub, "label", group)
                    self.book.survey.append(sub)
            self.book.survey.append(self.item(item, item.get("when")))
        if group is not None:
            self.book.survey.append({"type": "end group"})
        self.book.survey.append({"type": "end group"})

    def variants(self) -> None:
        variants = self.doc.get("variants")
        if not variants:
            return
        question: dict[str, Cell] = {"type": f"select_one {VARIANT}", "name": VARIANT}
        question["label"] = "Kind of visit"
        question["required"] = "yes"
        self.book.survey.append(question)
        for variant in variants:
            self.choice(VARIANT, variant["id"], variant["name"])

    def settings(self) -> None:
        doc = self.doc
        row: dict[str, Cell] = {"form_id": doc["code"]}
        name = doc["name"]  # XLSForm's form_title is one text: a map goes in checklist_name::
        row["form_title"] = name if isinstance(name, str) else next(iter(name.values()))
        if not isinstance(name, str):
            self.put(row, "checklist_name", name)
        given = doc.get("languages")
        if given:
            row["default_language"] = f"{self.name(given[0])} ({given[0]})"
            row["languages"] = " ".join(given)
        else:  # the checklist names none: the import must not take them from the columns
            row["languages"] = NO_LANGUAGES
        row["channel"] = doc["channel"]
        for key in SETTINGS_NUMBERS:
            row[key] = doc[key]
        self.put(row, "scenario", doc.get("scenario"))
        self.book.settings.append(row)

    def labels(self) -> None:
        for key, text in self.doc.get("labels", {}).items():
            self.choice(LABELS_LIST, key, text)


def _tags(rows: Sheet, found: list[str]) -> None:
    """The language tags of the ``base::Name (tag)`` columns, after those already found."""
    for row in rows:
        for header in row:
            if "::" in header and header.endswith(")"):
                tag = header.rsplit("(", 1)[-1][:-1]
                if tag not in found:
                    found.append(tag)


def _headers(rows: Sheet, first: tuple[str, ...], languages: list[str]) -> list[str]:
    """Columns in a reader's order: ``first``, each text's language columns after it."""
    seen: list[str] = []
    for row in rows:
        seen.extend(k for k in row if k not in seen)

    def order(header: str) -> tuple[int, int, str]:
        base, _sep, rest = header.partition("::")
        rank = first.index(base) if base in first else len(first)
        tag = rest.rsplit("(", 1)[-1].rstrip(")") if rest else ""
        lang = languages.index(tag) + 1 if tag in languages else 0
        return rank, lang, header

    return sorted(seen, key=order)


_SURVEY_FIRST = ("type", "name", "label", "hint", "required", "relevant", "constraint")
_CHOICES_FIRST = ("list_name", "name", "label", "score", "na")
_SETTINGS_FIRST = (
    "form_id",
    "form_title",
    "checklist_name",
    "default_language",
    "languages",
    "channel",
)


def checklist_to_workbook(checklist: Checklist, *, language_name: LanguageName) -> Workbook:
    """The XLSForm of a checklist: importing it gives the same checklist (same hash)."""
    doc = checklist_to_dict(checklist)
    writer = _Writer(doc, language_name)
    writer.variants()
    for section in doc["sections"]:
        writer.section(section)
    writer.labels()
    writer.settings()
    book = writer.book
    found: list[str] = list(doc.get("languages") or [])
    for sheet in (book.survey, book.choices, book.settings):
        _tags(sheet, found)
    book.headers = {
        "survey": _headers(book.survey, (*_SURVEY_FIRST, *ITEM_COLUMNS, *SECTION_COLUMNS), found),
        "choices": _headers(book.choices, _CHOICES_FIRST, found),
        "settings": _headers(
            book.settings, (*_SETTINGS_FIRST, *SETTINGS_NUMBERS, "scenario"), found
        ),
    }
    return book
