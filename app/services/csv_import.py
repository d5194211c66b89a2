"""Text cells from forms and CSV files: reading, checking, and import plans with line numbers.

Branch and user forms and their CSV imports share one set of field checks, so a
value refused on the form is refused in the file with the same message.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.errors import Invalid
from app.i18n import _

TRUE = frozenset({"1", "yes", "y", "true", "on", "是"})
FALSE = frozenset({"0", "no", "n", "false", "off", "否", ""})


class FieldErrors(Invalid):
    """Several fields of one record are wrong; `errors` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        field_name, message = next(iter(self.errors.items()))
        super().__init__(f"{field_name}: {message}", field=field_name)


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return _(
            "line %(line)s: %(field)s: %(problem)s",
            line=self.line,
            field=self.field,
            problem=self.message,
        )


@dataclass
class Change:
    """What one CSV line would do: create or update a record, or nothing."""

    line: int
    key: str
    action: str  # create | update | unchanged
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, before, after)


@dataclass
class ImportPlan:
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


MAX_CELL = 10_000  # characters: more than any name, address or note needs


def decode(source: str | bytes) -> str:
    """CSV text from an upload: UTF-8 (with or without BOM), else GB18030 as saved by Excel."""
    if isinstance(source, str):
        return source.removeprefix("\ufeff")
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return source.decode("gb18030")
        except UnicodeDecodeError:
            raise Invalid(_("The file is not UTF-8 text."), field="file") from None


def read_rows(
    source: str | bytes, *, columns: tuple[str, ...], required: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Rows as {column: stripped text} with their first line number; header problems as errors."""
    text = decode(source)
    if not text.strip():
        return [], [RowError(1, "file", _("The file is empty."))]
    reader = csv.reader(io.StringIO(text), _dialect(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        return [], [RowError(1, "file", _csv_problem(exc))]
    errors = [RowError(1, name, _("unknown column")) for name in header if name not in columns]
    errors += [RowError(1, name, _("missing column")) for name in required if name not in header]
    if errors:
        return [], errors
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a cell over the limit, a stray quote at the end
            errors.append(RowError(line, "row", _csv_problem(exc)))
            break
        if any(cell.strip() for cell in cells):
            if len(cells) > len(header):
                errors.append(RowError(line, "row", _("more cells than columns")))
            elif any(len(cell) > MAX_CELL for cell in cells):
                errors.append(
                    RowError(line, "row", _("a cell is longer than %(n)s characters", n=MAX_CELL))
                )
            else:
                rows.append((line, {h: c.strip() for h, c in zip(header, cells, strict=False)}))
        line = reader.line_num + 1
    return rows, errors


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return _("a cell is longer than %(n)s characters", n=MAX_CELL)
    return _("the file is not readable CSV here (%(reason)s)", reason=str(exc))


def _dialect(text: str) -> type[csv.Dialect]:
    """Excel's CSV rules (doubled quotes inside quoted cells) with the header's delimiter.

    Only the delimiter is sniffed: from a header line without quotes the sniffer also
    guesses "no doubled quotes", which would split a quoted cell with a doubled quote.
    """
    try:
        delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","

    class Sniffed(csv.excel):
        pass

    Sniffed.delimiter = delimiter
    return Sniffed


def typed_values(
    fields: Mapping[str, str],
    *,
    columns: Iterable[str],
    required: Iterable[str],
    convert: Callable[[str, str], Mapping[str, Any]],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Convert the given text fields (a form or a CSV line) column by column.

    Returns (values, errors); each error is keyed by its column, so a form can show it
    beside the field and a CSV import can name the line and column.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    required = set(required)
    for name in columns:
        if name not in fields:
            if name in required:
                errors[name] = _("is required")
            continue
        try:
            values.update(convert(name, fields[name]))
        except ValueError as exc:
            errors[name] = str(exc)
    return values, errors


def parse_bool(value: str) -> bool:
    """yes/no, true/false, 1/0 (blank is no); ValueError otherwise."""
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError(_("must be yes or no"))


def parse_float(value: str, *, low: float, high: float) -> float | None:
    """A number in [low, high], or None when blank; ValueError otherwise."""
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(_("must be a number")) from None
    if not low <= number <= high:
        raise ValueError(_("must be between %(low)s and %(high)s", low=low, high=high))
    return number


def shown(value: Any) -> str:
    """A stored value as a CSV cell would write it (for the dry-run diff)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field whose shown value changed."""
    return [
        (name, shown(before.get(name)), shown(value))
        for name, value in after.items()
        if shown(before.get(name)) != shown(value)
    ]
