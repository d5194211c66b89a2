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
    return int(loader.construct_scalar(node))


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
    if stripped.startswith("{"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError as exc:
            json_error = (
                f"document: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            )
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
