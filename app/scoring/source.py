"""Reading and writing YAML/JSON documents (text in, text out; no file access).

YAML is read with the YAML 1.2 core scalars: only ``true``/``false`` are booleans,
so ``yes``/``no`` answers and option ids stay strings, and ``1:30`` or dates stay text.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from .errors import DocumentError
from .messages import _


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core implicit scalars."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if len(text) > 40:  # MAX_NUMBER_CHARS: refuse before int() spends time on it
        raise yaml.constructor.ConstructorError(
            None, None, _("a number of %(num)s digits is too long", num=len(text)), node.start_mark
        )
    return int(text)


_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
_Loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


MAX_DEPTH = 32  # a checklist or a visit nests a handful of levels; deeper is an attack
MAX_NUMBER_CHARS = 40  # more digits than any score, count or id needs


class _TooDeep(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise ValueError(_("%(name)s is not a number JSON allows", name=name))


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(_("a number of %(num)s digits is too long", num=len(text)))
    return int(text)


def _bounded_float(text: str) -> float:
    value = float(text)
    if len(text) > MAX_NUMBER_CHARS or value in (float("inf"), float("-inf")):
        raise ValueError(_("the number %(number)s... is out of range", number=text[:20]))
    return value


def _too_deep(where: str) -> DocumentError:
    return DocumentError([f"{where}: " + _("nested more than %(num)s levels deep", num=MAX_DEPTH)])


def _invalid_json(where: str, exc: json.JSONDecodeError) -> str:
    return f"{where}: " + _(
        "invalid JSON at line %(line)s, column %(column)s: %(problem)s",
        line=exc.lineno,
        column=exc.colno,
        problem=exc.msg,
    )


def _not_utf8(where: str, exc: UnicodeDecodeError) -> DocumentError:
    return DocumentError([f"{where}: " + _("not UTF-8 text (%(reason)s)", reason=exc.reason)])


_JSON_BOUNDS: dict[str, Any] = {
    "parse_constant": _refuse_constant,
    "parse_int": _bounded_int,
    "parse_float": _bounded_float,
}


def check_depth(data: Any, where: str = "document") -> None:
    """Refuse data nested deeper than MAX_DEPTH (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(where)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def load_json(source: str | bytes, where: str = "body") -> Any:
    """Parse untrusted JSON: syntax, nesting, NaN/Infinity and overlong numbers are errors."""
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _not_utf8(where, exc) from None
    try:
        data = json.loads(source or "null", **_JSON_BOUNDS)
    except json.JSONDecodeError as exc:
        raise DocumentError([_invalid_json(where, exc)]) from None
    except RecursionError:
        raise _too_deep(where) from None
    except ValueError as exc:
        raise DocumentError([f"{where}: {exc}"]) from None
    check_depth(data, where)
    return data


def load_document(source: str | bytes | dict[str, Any]) -> Any:
    """Parse YAML or JSON text (a dict passes through); syntax errors become DocumentError."""
    if isinstance(source, dict):
        return source
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _not_utf8("document", exc) from None
    if not isinstance(source, str):
        raise DocumentError(["document: " + _("must be YAML or JSON text")])
    stripped = source.lstrip("\ufeff \t\r\n")
    try:
        data = _parse_text(stripped)
    except RecursionError:
        raise _too_deep("document") from None
    check_depth(data)
    return data


def _parse_text(stripped: str) -> Any:
    if stripped.startswith("{"):
        try:
            return json.loads(stripped, **_JSON_BOUNDS)
        except json.JSONDecodeError as exc:
            json_error = _invalid_json("document", exc)
        except ValueError as exc:  # a bounded number or constant, refused
            raise DocumentError([f"document: {exc}"]) from None
        try:
            return yaml.load(stripped, Loader=_Loader)
        except yaml.YAMLError:
            raise DocumentError([json_error]) from None
    try:
        return yaml.load(stripped, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise DocumentError([_yaml_error(stripped, exc)]) from None


# ``key: value`` pairs on a line: a key, then ": " (the value runs to the next pair or the end)
_KEY = re.compile(r"(?:^|[{,]|\s)([A-Za-z_][\w-]*):(?=\s)")


# The problems PyYAML reports for a plain text holding ": " (or ", " inside "{...}").
_COLON_OR_COMMA = re.compile(r"mapping values are not allowed|expected ',' or '}'|got ':'")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_hint(line: str, column: int) -> str | None:
    """``key: "value"`` for the plain text that holds a YAML error at ``column`` of ``line``,
    or ``None`` when the line holds no such text.

    The usual mistake is a text with a colon (``text: Note: ask twice``), or a colon or
    comma inside ``{...}`` (``{id: a, text: Wait: 30 s}``): quoting the text fixes both.
    """
    keys = [m for m in _KEY.finditer(line) if m.end() <= column]
    if not keys:
        return None
    key = keys[-1]
    start = key.end() + 1
    value = line[start:]
    if "{" in line[: key.start() + 1]:  # a flow mapping: the value ends at the next key or "}"
        later = [m.start() for m in _KEY.finditer(line, start) if m.start() > column]
        end = later[0] if later else line.rfind("}")
        value = line[start : end if end > start else len(line)].rstrip().rstrip(",")
    else:
        value = re.split(r"\s+#", value, maxsplit=1)[0]
    value = value.strip()
    if not value or value[0] in "\"'":
        return None
    return f"{key.group(1)}: {_quoted(value)}"


_EXPECTED = re.compile(r"^expected (.+), but (got|found) (.+)$", re.S)
_CANNOT_START = re.compile(r"^found character (.+) that cannot start any token$", re.S)
_NOT_FOUND = re.compile(r"^could not find expected (.+)$", re.S)


def _yaml_problem(problem: str) -> str:
    """PyYAML's problem in the reader's language, for the problems people run into."""
    if problem == "mapping values are not allowed here":
        return _("mapping values are not allowed here")
    if problem == "found unexpected end of stream":
        return _("found unexpected end of stream")
    match = _EXPECTED.match(problem)
    if match and match[2] == "got":
        return _("expected %(expected)s, but got %(got)s", expected=match[1], got=match[3])
    if match:
        return _("expected %(expected)s, but found %(found)s", expected=match[1], found=match[3])
    match = _CANNOT_START.match(problem)
    if match:
        return _("found character %(char)s that cannot start any token", char=match[1])
    match = _NOT_FOUND.match(problem)
    if match:
        return _("could not find expected %(what)s", what=match[1])
    return problem


def _yaml_error(text: str, exc: yaml.YAMLError) -> str:
    """The line and column of a YAML syntax error, its problem, and how to quote a text."""
    mark = getattr(exc, "problem_mark", None)
    raw = getattr(exc, "problem", None) or str(exc)
    problem = _yaml_problem(raw)
    if mark is None:
        return "document: " + _("invalid YAML: %(problem)s", problem=problem)
    message = _(
        "invalid YAML at line %(line)s, column %(column)s: %(problem)s",
        line=mark.line + 1,
        column=mark.column + 1,
        problem=problem,
    )
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    hint = quote_hint(line, mark.column) if _COLON_OR_COMMA.search(raw) else None
    if hint is not None:
        message += ". " + _(
            "A text with a colon or a comma must be in quotes, for example: %(example)s",
            example=hint,
        )
    return f"document: {message}"


def dump_yaml(data: Any) -> str:
    """YAML text that ``load_document`` reads back to the same data."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def dump_json(data: Any) -> str:
    """Indented UTF-8 JSON text."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
