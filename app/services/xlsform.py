"""XLSForm files: read with pyxform into the core's rows, written with openpyxl from them.

The mapping itself is a format rule and lives in the core (``app/scoring/xlsform.py`` and
``xlsform_export.py``); this module only turns a file into rows and rows into a file, and
gives validation messages the survey row they are about.
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import PurePath

from babel import Locale, UnknownLocaleError
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_xlsform

from app.i18n import _
from app.scoring import Checklist, DocumentError, parse_checklist
from app.scoring.xlsform import Conversion, Sheets, convert
from app.scoring.xlsform_export import checklist_to_workbook

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")  # what pyxform's readers take
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIPPED = (".xlsx", ".xlsm")  # a ZIP of XML sheets: small on the wire, any size unpacked
# A checklist a shopper fills in one visit has tens to hundreds of standards; this bound keeps
# a conversion (about 0.1 s per thousand rows) well inside the upload's request.
MAX_SURVEY_ROWS = 5000
MAX_UNPACKED_MB = 50  # a real questionnaire's sheets unpack to well under a megabyte


def is_xlsform(filename: str | None) -> bool:
    """An upload is read as an XLSForm by its file's extension (else YAML or JSON)."""
    return bool(filename) and PurePath(filename or "").suffix.lower() in SUFFIXES


def _headers(header: object) -> list[str]:
    rows = header if isinstance(header, list) else []
    return [str(k) for row in rows if isinstance(row, dict) for k in row]


def _numbered(rows: object) -> list[tuple[int, dict[str, str]]]:
    """Rows numbered as the spreadsheet shows them: the header is row 1 (pyxform keeps the
    empty rows between data rows, so the numbers hold)."""
    listed = rows if isinstance(rows, list) else []
    return [(n, dict(row)) for n, row in enumerate(listed, start=2) if isinstance(row, dict)]


def read_xlsform(data: bytes, *, filename: str) -> Conversion:
    """The checklist document of an XLSForm file and what it leaves out (nothing stored)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in ZIPPED:
        _refuse_oversize(data, filename)
    try:
        book = get_xlsform(data, file_type=suffix if suffix in SUFFIXES else None)
    except (PyXFormError, ValueError, OSError) as exc:
        raise DocumentError(
            [_("%(file)s: not a form this reader takes (%(reason)s)", file=filename, reason=exc)]
        ) from None
    sheets = Sheets(
        survey=_numbered(book.survey),
        survey_headers=_headers(book.survey_header),
        choices=_numbered(book.choices),
        choices_headers=_headers(book.choices_header),
        settings=_numbered(book.settings),
        settings_headers=_headers(book.settings_header),
    )
    if not sheets.survey:
        raise DocumentError([_("%(file)s: the form has no survey sheet", file=filename)])
    if len(sheets.survey) > MAX_SURVEY_ROWS:
        raise DocumentError(
            [
                _(
                    "%(file)s: the survey sheet has %(rows)s rows, more than a checklist takes (at most %(limit)s)",  # noqa: E501
                    file=filename,
                    rows=len(sheets.survey),
                    limit=MAX_SURVEY_ROWS,
                )
            ]
        )
    return convert(sheets, fallback_code=PurePath(filename).stem)


def _refuse_oversize(data: bytes, filename: str) -> None:
    """Refuse a workbook whose parts unpack beyond what a form needs, before a reader unpacks
    them (a few kilobytes can hold gigabytes of one repeated byte). The sizes its directory
    declares are the most Python's zip reader will produce, so adding them up is enough."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as book:
            unpacked = sum(entry.file_size for entry in book.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentError(
            [_("%(file)s: not a form this reader takes (%(reason)s)", file=filename, reason=exc)]
        ) from None
    if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        raise DocumentError(
            [
                _(
                    "%(file)s: its sheets unpack to %(size)s MB, more than a form takes (at most %(limit)s MB)",  # noqa: E501
                    file=filename,
                    size=unpacked // (1024 * 1024),
                    limit=MAX_UNPACKED_MB,
                )
            ]
        )


def checklist_of(conversion: Conversion) -> Checklist:
    """Validate the converted document like a YAML file; each message also names its row."""
    try:
        return parse_checklist(conversion.document)
    except DocumentError as exc:
        raise DocumentError([_with_row(conversion, e) for e in exc.errors]) from None


def _with_row(conversion: Conversion, message: str) -> str:
    row = conversion.row_of(message)
    if row is None:
        return message
    return _("%(sheet)s row %(row)s", sheet="survey", row=row) + f": {message}"


def language_name(tag: str) -> str:
    """A language's English name for the ``label::Arabic (ar)`` headers (the tag if unknown)."""
    try:
        return Locale.parse(tag, sep="-").get_language_name("en") or tag
    except (ValueError, UnknownLocaleError):
        return tag


def xlsform_bytes(checklist: Checklist) -> bytes:
    """The .xlsx XLSForm of a checklist version (survey, choices and settings sheets)."""
    book = checklist_to_workbook(checklist, language_name=language_name)
    wb = Workbook()
    for sheet in wb.worksheets:  # the default empty sheet: the three named ones replace it
        wb.remove(sheet)
    bold = Font(bold=True)
    for title, rows in (
        ("survey", book.survey),
        ("choices", book.choices),
        ("settings", book.settings),
    ):
        ws = wb.create_sheet(title)
        headers = book.headers[title]
        ws.append(headers)
        for row in rows:
            ws.append([row.get(h) for h in headers])
        for cell in ws[1]:
            cell.font = bold
        for column in ws.iter_cols(min_row=2):
            for cell in column:
                if cell.data_type == "f":  # openpyxl makes any "=..." text a formula
                    cell.data_type = "s"
                    cell.quotePrefix = True
        for index, header in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(index)].width = 14 if len(header) < 12 else 24
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
