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


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core implicit scalars."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if len(text) > 40:  # MAX_NUMBER_CHARS: refuse before int() spends time on it
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of {len(text)} digits is too long", node.start_mark
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
    raise ValueError(f"{name} is not a number JSON allows")


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"a number of {len(text)} digits is too long")
    return int(text)


def _bounded_float(text: str) -> float:
    value = float(text)
    if len(text) > MAX_NUMBER_CHARS or value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:20]}... is out of range")
    return value


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
            raise DocumentError([f"{where}: nested more than {MAX_DEPTH} levels deep"])
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
            raise DocumentError([f"{where}: not UTF-8 text ({exc.reason})"]) from None
    try:
        data = json.loads(source or "null", **_JSON_BOUNDS)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            [f"{where}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from None
    except RecursionError:
        raise DocumentError([f"{where}: nested more than {MAX_DEPTH} levels deep"]) from None
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
            raise DocumentError([f"document: not UTF-8 text ({exc.reason})"]) from None
    if not isinstance(source, str):
        raise DocumentError(["document: must be YAML or JSON text"])
    stripped = source.lstrip("\ufeff \t\r\n")
    try:
        data = _parse_text(stripped)
    except RecursionError:
        raise DocumentError([f"document: nested more than {MAX_DEPTH} levels deep"]) from None
    check_depth(data)
    return data


def _parse_text(stripped: str) -> Any:
    if stripped.startswith("{"):
        try:
            return json.loads(stripped, **_JSON_BOUNDS)
        except json.JSONDecodeError as exc:
            json_error = (
                f"document: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            )
        except ValueError as exc:  # a bounded number or constant, refused
            raise DocumentError([f"document: {exc}"]) from None
        try:
            return yaml.load(stripped, Loader=_Loader)
        except yaml.YAMLError:
            raise DocumentError([json_error]) from None
    try:
        return yaml.load(stripped, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError([f"document: invalid YAML{where}: {problem}"]) from None


def dump_yaml(data: Any) -> str:
    """YAML text that ``load_document`` reads back to the same data."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def dump_json(data: Any) -> str:
    """Indented UTF-8 JSON text."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
