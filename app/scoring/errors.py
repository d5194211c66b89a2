"""Path-naming validation errors shared by the checklist and visit parsers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

Loc = tuple[str | int, ...]


class DocumentError(Exception):
    """An invalid checklist or visit document.

    ``errors`` lists every problem found, each as ``"path: message"`` (for example
    ``"sections[2].items[0].limit: must be above target when better is lower"``), so a
    user can fix the whole file in one pass instead of one error at a time.
    """

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


def format_loc(loc: Iterable[str | int]) -> str:
    """Render a location tuple as ``sections[2].items[0].target`` (root is ``document``)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "document"


def _message(err: Any) -> str:
    """Turn one pydantic error into our plain message (custom errors keep their text)."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be a mapping"
    if kind in ("list_type", "tuple_type", "iterable_type"):
        return "must be a list"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return "must not be empty" if n == 1 else f"must contain at least {n} entries"
    if kind.startswith("datetime"):
        return "must be a date-time such as 2026-11-20T10:15:00+08:00"
    if kind == "string_type":
        return "must be a string"
    msg = str(err["msg"])
    return msg[:1].lower() + msg[1:]


def pydantic_errors(exc: ValidationError, prefix: Loc = ()) -> list[tuple[Loc, str]]:
    """Convert a pydantic ``ValidationError`` into ``(location, message)`` pairs."""
    return [(prefix + tuple(e["loc"]), _message(e)) for e in exc.errors()]


def _order_key(entry: tuple[Loc, str]) -> tuple[int, ...]:
    return tuple(p for p in entry[0] if isinstance(p, int))


def raise_if_any(errors: list[tuple[Loc, str]]) -> None:
    """Raise one ``DocumentError`` carrying every error, in document order, without repeats."""
    if not errors:
        return
    seen: set[str] = set()
    lines: list[str] = []
    for loc, msg in sorted(errors, key=_order_key):
        line = f"{format_loc(loc)}: {msg}"
        if line not in seen:
            seen.add(line)
            lines.append(line)
    raise DocumentError(lines)
