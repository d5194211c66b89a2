"""XLSForm expressions <-> conditions: the ``relevant`` and ``constraint`` columns.

Only the part of XPath that a condition of formats.md can say is read: ``${x} = 'v'``,
``${x} != 'v'``, ``selected(${x}, 'v')``, ``and``, ``or``, ``not(...)`` and parentheses;
anything else is refused with a reason (the importer reports it with its row).

Writing and reading are exact inverses, so a checklist's conditions survive a round trip
with their structure: a leaf with several values is written as a bare chain of
comparisons on one question (``${x} = 'a' or ${x} = 'b'`` is ``{item: x, in: [a, b]}``),
and every part of ``all`` / ``any`` is written in parentheses, which keeps it a part.
``!=`` reads as "answered, and not this": the plain-boolean grammar of formats.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .messages import _

VARIANT = "variant"  # ``${variant}`` is the visit's variant (the survey's variant question)

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<ref>\$\{\s*(?P<name>[^}\s]+)\s*\})
    |(?P<str>'[^']*'|"[^"]*")
    |(?P<num>-?\d+(?:\.\d+)?)
    |(?P<op>!=|<=|>=|=|<|>)
    |(?P<word>[A-Za-z][\w-]*)
    |(?P<punct>[(),.])
    )""",
    re.X,
)


class ExpressionError(ValueError):
    """An expression the checklist cannot carry; the message says which part."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # ref, str, num, op, word, punct, end
    text: str


def _tokens(source: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    source = source.rstrip()
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(_("cannot read %(part)s", part=repr(source[pos:].strip()[:30])))
        pos = match.end()
        kind = match.lastgroup or "punct"
        out.append(_Tok(kind, match.group("name") if kind == "ref" else match.group(kind)))
    out.append(_Tok("end", ""))
    return out


@dataclass(frozen=True)
class _Cmp:
    """``${ref} op value``: a leaf before it is grouped; ``bare`` when not in parentheses."""

    ref: str
    op: str  # "=" or "!="
    value: str
    bare: bool = True


@dataclass(frozen=True)
class _Const:
    """``true()`` or ``false()``: only as the filler of a one-part ``all`` or ``any``."""

    value: bool
    bare: bool = True


@dataclass(frozen=True)
class _Node:
    op: str  # and, or, not
    parts: tuple[Any, ...]
    bare: bool = True


class _Parser:
    def __init__(self, source: str) -> None:
        self.toks = _tokens(source)
        self.pos = 0

    def peek(self) -> _Tok:
        return self.toks[self.pos]

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def expect(self, kind: str, text: str | None = None) -> _Tok:
        tok = self.take()
        if tok.kind != kind or (text is not None and tok.text != text):
            raise ExpressionError(_("cannot read %(part)s", part=repr(tok.text or "…")))
        return tok

    def parse(self) -> Any:
        node = self.chain("or")
        if self.peek().kind != "end":
            raise ExpressionError(_("cannot read %(part)s", part=repr(self.peek().text)))
        return node

    def chain(self, op: str) -> Any:
        """``or`` of ``and`` chains of unary terms (``and`` binds tighter)."""

        def term() -> Any:
            return self.chain("and") if op == "or" else self.unary()

        parts = [term()]
        while self.peek().kind == "word" and self.peek().text == op:
            self.take()
            parts.append(term())
        return parts[0] if len(parts) == 1 else _Node(op, tuple(parts))

    def unary(self) -> Any:
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            self.take()
            inner = self.chain("or")
            self.expect("punct", ")")
            return _unbare(inner)
        if tok.kind == "word" and tok.text == "not":
            self.take()
            self.expect("punct", "(")
            inner = self.chain("or")
            self.expect("punct", ")")
            return _Node("not", (_unbare(inner),))
        if tok.kind == "word" and tok.text in ("true", "false"):
            self.take()
            self.expect("punct", "(")
            self.expect("punct", ")")
            return _Const(tok.text == "true")
        if tok.kind == "word" and tok.text == "selected":
            self.take()
            self.expect("punct", "(")
            ref = self.expect("ref").text
            self.expect("punct", ",")
            value = self.literal()
            self.expect("punct", ")")
            return _Cmp(ref, "=", value)
        if tok.kind == "ref":
            ref = self.take().text
            op = self.take()
            if op.kind != "op" or op.text not in ("=", "!="):
                raise ExpressionError(
                    _("only = and != compare answers (found %(op)s)", op=repr(op.text or "…"))
                )
            return _Cmp(ref, op.text, self.literal())
        if tok.kind == "word":
            raise ExpressionError(_("the function %(name)s is not supported", name=tok.text))
        raise ExpressionError(_("cannot read %(part)s", part=repr(tok.text or "…")))

    def literal(self) -> str:
        tok = self.take()
        if tok.kind == "str":
            return tok.text[1:-1]
        if tok.kind == "num":
            return tok.text
        if tok.kind == "ref":
            raise ExpressionError(_("a question can only be compared with a value"))
        raise ExpressionError(_("cannot read %(part)s", part=repr(tok.text or "…")))


def _unbare(node: Any) -> Any:
    if isinstance(node, _Const):
        return node
    if isinstance(node, _Cmp):
        return _Cmp(node.ref, node.op, node.value, bare=False)
    return _Node(node.op, node.parts, bare=False)


def _leaf(cmps: list[_Cmp]) -> dict[str, Any]:
    ref, values = cmps[0].ref, [c.value for c in cmps]
    if ref == VARIANT:
        if cmps[0].op != "=":
            raise ExpressionError(_("the variant can only be compared with ="))
        return {"variant": values}
    return {"item": ref, "in" if cmps[0].op == "=" else "not_in": values}


def _mergeable(node: _Node) -> bool:
    """A bare chain of bare comparisons on one question: one leaf with several values
    (``=`` joined by ``or``, ``!=`` joined by ``and``)."""
    want = "=" if node.op == "or" else "!="
    cmps = node.parts
    return (
        node.op in ("and", "or")
        and all(isinstance(c, _Cmp) and c.bare and c.op == want for c in cmps)
        and len({c.ref for c in cmps}) == 1
    )


def _condition(node: Any) -> dict[str, Any]:
    if isinstance(node, _Const):
        raise ExpressionError(_("true() and false() only fill a one-part and / or"))
    if isinstance(node, _Cmp):
        return _leaf([node])
    if node.op == "not":
        return {"not": _condition(node.parts[0])}
    if _mergeable(node):
        return _leaf(list(node.parts))
    filler = _Const(node.op == "and")  # ``(c) and true()`` is all of one part
    parts = [p for p in node.parts if p != filler]
    return {"all" if node.op == "and" else "any": [_condition(p) for p in parts]}


def parse_relevant(source: str) -> dict[str, Any]:
    """The condition of a ``relevant`` expression; values stay strings (the importer turns
    a rating's into numbers). Raises ``ExpressionError``."""
    return _condition(_Parser(source).parse())


def _quote(value: Any) -> str:
    return f"'{value}'"


def write_relevant(cond: dict[str, Any]) -> str:
    """The ``relevant`` expression of a condition (``parse_relevant`` reads it back)."""
    if "variant" in cond:
        return " or ".join(f"${{{VARIANT}}} = {_quote(v)}" for v in cond["variant"])
    if "in" in cond:
        return " or ".join(f"${{{cond['item']}}} = {_quote(v)}" for v in cond["in"])
    if "not_in" in cond:
        return " and ".join(f"${{{cond['item']}}} != {_quote(v)}" for v in cond["not_in"])
    if "not" in cond:
        return f"not({write_relevant(cond['not'])})"
    key = "all" if "all" in cond else "any"
    joiner = " and " if key == "all" else " or "
    parts = [f"({write_relevant(part)})" for part in cond[key]]
    if len(parts) == 1:  # kept a part of its own by a filler that changes nothing
        parts.append("true()" if key == "all" else "false()")
    return joiner.join(parts)


_BOUND = re.compile(r"^\s*\.\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)\s*$")
_LENGTH = re.compile(r"^\s*string-length\(\s*\.\s*\)\s*>=\s*(\d+)\s*$")


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_bounds(source: str) -> dict[str, int | float]:
    """``min`` / ``max`` of a measure's ``constraint`` (``. >= 0 and . <= 600``)."""
    out: dict[str, int | float] = {}
    for part in re.split(r"\s+and\s+", source.strip()):
        match = _BOUND.match(part)
        if match is None:
            raise ExpressionError(
                _("only . >= N and . <= N are read (found %(part)s)", part=repr(part.strip()))
            )
        key = "min" if match[1] == ">=" else "max"
        if key in out:
            raise ExpressionError(_("%(key)s is given twice", key=key))
        out[key] = _number(match[2])
    return out


def write_bounds(low: Any, high: Any) -> str:
    """The ``constraint`` of a measure's bounds (``parse_bounds`` reads it back)."""
    parts = [f". >= {low}"] if low is not None else []
    if high is not None:
        parts.append(f". <= {high}")
    return " and ".join(parts)


def parse_min_chars(source: str) -> int:
    """``min_chars`` of a text's ``constraint`` (``string-length(.) >= 80``)."""
    match = _LENGTH.match(source)
    if match is None:
        raise ExpressionError(
            _("only string-length(.) >= N is read (found %(part)s)", part=repr(source.strip()))
        )
    return int(match[1])
