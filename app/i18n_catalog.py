"""Finding the UI strings of the code and templates, for the catalog checks.

`python -m app.i18n_catalog` lists every message that has no Simplified Chinese
translation yet, as .po entries ready to paste into a catalog and translate.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from app.i18n import translations

APP_DIR = Path(__file__).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [
    ("**/templates/**.html", "jinja2"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted_messages() -> dict[str, tuple[str, ...]]:
    """msgid -> (plural,) or () for every marked string in app/, with a location."""
    found: dict[str, tuple[str, ...]] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(APP_DIR), METHODS, keywords=KEYWORDS, options_map=OPTIONS
    ):
        if isinstance(message, tuple):
            found[message[0]] = tuple(m for m in message[1:] if m)
        elif message:
            found[message] = ()
    return found


def untranslated(language: str = "zh_CN") -> list[tuple[str, tuple[str, ...]]]:
    catalog = translations(language)
    missing = []
    for msgid, plural in sorted(extracted_messages().items()):
        text = catalog.ngettext(msgid, plural[0], 1) if plural else catalog.gettext(msgid)
        if text == msgid and not _same_in_both(msgid):
            missing.append((msgid, plural))
    return missing


def _same_in_both(msgid: str) -> bool:
    """Strings that read the same in Chinese (numbers, codes) need no entry."""
    return not any(ch.isalpha() for ch in msgid.replace("%(num)s", ""))


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":
    for msgid, plural in untranslated():
        print(f"msgid {_po_quote(msgid)}")
        if plural:
            print(f"msgid_plural {_po_quote(plural[0])}")
            print('msgstr[0] ""')
        else:
            print('msgstr ""')
        print()
