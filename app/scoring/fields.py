"""Strict field types for the exchange formats, each failing with a plain message.

Pydantic's own coercions (``"yes"`` → ``True``, ``True`` → ``1``) would hide mistakes
in hand-written YAML, so every scalar goes through a small validator of ours.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import PlainValidator
from pydantic_core import PydanticCustomError

from .messages import _

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def fail(message: str) -> PydanticCustomError:
    """A pydantic error whose text is exactly ``message`` (braces are kept as written)."""
    return PydanticCustomError("shopmirror", "{message}", {"message": message})


def is_number(value: Any) -> bool:
    """True for ints and finite floats; bools are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def tidy_number(value: float) -> float:
    """Integral floats become ints so ``30.0`` and ``30`` export and hash alike."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _bounds(value: float, gt: float | None, ge: float | None, le: float | None) -> None:
    if gt is not None and not value > gt:
        raise fail(_("must be > %(min)s", min=gt))
    if ge is not None and not value >= ge:
        raise fail(_("must be ≥ %(min)s", min=ge))
    if le is not None and not value <= le:
        raise fail(_("must be ≤ %(max)s", max=le))


def number(
    gt: float | None = None, ge: float | None = None, le: float | None = None
) -> PlainValidator:
    """Validator of an int or finite float within the given bounds.

    Use it as ``Annotated[float, number(ge=0)]``.
    """

    def check(value: Any) -> float:
        if not is_number(value):
            raise fail(_("must be a number"))
        _bounds(value, gt, ge, le)
        return tidy_number(value)

    return PlainValidator(check)


def integer(ge: int | None = None) -> PlainValidator:
    """Validator of a whole number (``4.0`` is accepted as ``4``): ``Annotated[int, integer()]``."""

    def check(value: Any) -> int:
        if not is_number(value) or not float(value).is_integer():
            raise fail(_("must be a whole number"))
        _bounds(value, None, ge, None)
        return int(value)

    return PlainValidator(check)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "false", "no"):
        return value.lower() in ("true", "yes")
    raise fail(_("must be true or false"))


Boolean = Annotated[bool, PlainValidator(_boolean)]


def _identifier(value: Any) -> str:
    if not isinstance(value, str):
        raise fail(_("must be a string"))
    if not ID_RE.match(value):
        raise fail(_("must be 1-64 letters, digits, '-' or '_', starting with a letter or digit"))
    return value


Identifier = Annotated[str, PlainValidator(_identifier)]


def _language(value: Any) -> str:
    if not isinstance(value, str) or not LANG_RE.match(value):
        raise fail(_("%(value)s is not a language tag such as en or zh-CN", value=repr(value)))
    return value


LanguageTag = Annotated[str, PlainValidator(_language)]


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise fail(_("must be a string"))
    if not value.strip():
        raise fail(_("must not be empty"))
    return value


String = Annotated[str, PlainValidator(_string)]


def _text(value: Any) -> str | dict[str, str]:
    if isinstance(value, str):
        return _string(value)
    if not isinstance(value, dict):
        raise fail(_("must be a string or a map of language to string"))
    if not value:
        raise fail(_("must not be empty"))
    for lang, text in value.items():
        if not isinstance(lang, str) or not LANG_RE.match(lang):
            raise fail(_("%(value)s is not a language tag such as en or zh-CN", value=repr(lang)))
        if not isinstance(text, str) or not text.strip():
            raise fail(_("%(lang)s: must be a non-empty string", lang=lang))
    return dict(value)


TextField = Annotated[str | dict[str, str], PlainValidator(_text)]


def one_of(*allowed: str | int) -> PlainValidator:
    """Validator of one of a fixed set of values, e.g. ``Annotated[Kind, one_of(*KINDS)]``."""
    listed = ", ".join(str(a) for a in allowed)

    def check(value: Any) -> Any:
        if isinstance(value, bool) or value not in allowed:
            if len(allowed) == 1:
                raise fail(_("must be %(value)s", value=listed))
            raise fail(_("must be one of: %(values)s", values=listed))
        return value

    return PlainValidator(check)
