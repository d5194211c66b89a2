"""Path-naming validation errors shared by the checklist and visit parsers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from .fields import ID_RE
from .messages import _

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


def _id_at(doc: Any, path: Loc) -> str | None:
    """The ``id`` of the mapping at ``path`` in the raw document, if it has a usable one."""
    node = doc
    for part in path:
        if isinstance(part, int) and isinstance(node, list | tuple) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    oid = node.get("id") if isinstance(node, dict) else None
    return oid if isinstance(oid, str) and ID_RE.match(oid) else None


def _named(loc: Loc, k: int) -> bool:
    """Whether ``loc[k]`` closes an item (``sections[i].items[j]``) or a section that the
    location does not go deeper into an item of (``sections[i].when``)."""
    if not isinstance(loc[k], int) or k == 0:
        return False
    if loc[k - 1] == "items" and k >= 3 and loc[k - 3] == "sections":
        return True
    return loc[k - 1] == "sections" and k == 1 and (len(loc) < 3 or loc[2] != "items")


def format_loc(loc: Iterable[str | int], doc: Any = None) -> str:
    """Render a location tuple as ``sections[2].items[0].target`` (root is ``document``).

    Given the raw ``doc``, items (and sections, where the location stops at one) are also
    named by their id: ``sections[0].items[11] (greet-time).limit``.
    """
    parts = tuple(loc)
    out = ""
    for k, part in enumerate(parts):
        if isinstance(part, int):
            out += f"[{part}]"
            if doc is not None and _named(parts, k):
                oid = _id_at(doc, parts[: k + 1])
                if oid is not None:
                    out += f" ({oid})"
        else:
            out += f".{part}" if out else str(part)
    return out or "document"


def _message(err: Any) -> str:
    """Turn one pydantic error into our plain message (custom errors keep their text)."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "shopmirror":
        return str(ctx.get("message", err["msg"]))
    if kind == "missing":
        return _("is required")
    if kind == "extra_forbidden":
        return _("unknown field")
    if kind == "condition_shape":
        return _(
            "must be a condition: {item, in}, {item, not_in}, {variant}, {all}, {any} or {not}"
        )
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("must be a mapping")
    if kind in ("list_type", "tuple_type", "iterable_type"):
        return _("must be a list")
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        if n == 1:
            return _("must not be empty")
        return _("must contain at least %(num)s entries", num=n)
    if kind.startswith("datetime"):
        return _("must be a date-time such as 2026-11-20T10:15:00+08:00")
    if kind == "string_type":
        return _("must be a string")
    msg = str(err["msg"])
    return msg[:1].lower() + msg[1:]


def pydantic_errors(exc: ValidationError, prefix: Loc = ()) -> list[tuple[Loc, str]]:
    """Convert a pydantic ``ValidationError`` into ``(location, message)`` pairs.

    Union tags of conditions (``<all>``) are not part of the document and are left out.
    A list reported empty only because all its entries failed (pydantic's ``too_short``
    after the entries' own errors) is left out too: the entries' errors say what is wrong.
    """
    found = [
        (prefix + tuple(p for p in e["loc"] if not str(p).startswith("<")), e) for e in exc.errors()
    ]
    locs = [loc for loc, _e in found]
    return [
        (loc, _message(e))
        for loc, e in found
        if not (e["type"] == "too_short" and any(_inside(other, loc) for other in locs))
    ]


def _inside(loc: Loc, outer: Loc) -> bool:
    return len(loc) > len(outer) and loc[: len(outer)] == outer


def _order_key(entry: tuple[Loc, str]) -> tuple[int, ...]:
    return tuple(p for p in entry[0] if isinstance(p, int))


def raise_if_any(errors: list[tuple[Loc, str]], doc: Any = None) -> None:
    """Raise one ``DocumentError`` carrying every error, in document order, without repeats.

    With the raw ``doc``, each location also names its item by id (``format_loc``).
    """
    if not errors:
        return
    seen: set[str] = set()
    lines: list[str] = []
    for loc, msg in sorted(errors, key=_order_key):
        line = f"{format_loc(loc, doc)}: {msg}"
        if line not in seen:
            seen.add(line)
            lines.append(line)
    raise DocumentError(lines)


def comma_hint(doc: Any, loc: Loc) -> str | None:
    """How to quote a text that a comma split, for an unknown field at ``loc``.

    ``{id: a, text: Hello, world}`` reads as a text ``Hello`` and a field ``world`` with
    no value; the field before it then holds the first part of the text.
    """
    if not loc or not isinstance(loc[-1], str):
        return None
    node = doc
    for part in loc[:-1]:
        if isinstance(part, int) and isinstance(node, list | tuple) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    if not isinstance(node, dict) or loc[-1] not in node or node[loc[-1]] is not None:
        return None
    keys = list(node)
    at = keys.index(loc[-1])
    if at == 0 or not isinstance(node[keys[at - 1]], str):
        return None
    before = keys[at - 1]
    example = f'{before}: "{node[before]}, {loc[-1]}"'
    return _(
        "A text with a colon or a comma must be in quotes, for example: %(example)s",
        example=example,
    )
