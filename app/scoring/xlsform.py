"""XLSForm rows -> a checklist document, with what the checklist cannot carry listed by row.

The rows come from a spreadsheet reader (``app/services/xlsform.py`` uses pyxform); this
module is the format rule and reads nothing itself. The document it builds goes through
``parse_checklist`` like a YAML file, so a carried value that is wrong gets the same
message; what cannot be carried at all (repeats, ``calculate``, ``select_multiple``, an
expression outside the condition grammar, a reference to a later question) is left out
and listed as a ``Problem`` naming its sheet and row, for HQ to accept or refuse.
The columns are documented in docs/xlsform.md; ``xlsform_export.py`` writes them back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .fields import LANG_RE
from .messages import _
from .xlsform_expr import VARIANT, ExpressionError, parse_bounds, parse_min_chars, parse_relevant

Row = dict[str, str]
Rows = Sequence[tuple[int, Row]]  # (row number in the sheet, the row's cells by header)

LABELS_LIST = "labels"  # the choices list giving the checklist's own Yes/No/N/A words
NO_LANGUAGES = "-"  # settings ``languages``: the checklist lists none (texts' own languages)
# Survey columns beyond XLSForm's own, each a key of the item (or, on a group, the section).
ITEM_COLUMNS = (
    "kind",
    "scored",
    "unit",
    "better",
    "target",
    "limit",
    "min_photos",
    "kano",
    "dimension",
    "points",
    "critical",
    "na",
    "photo",
    "require_comment",
    "require_photo",
)
SECTION_COLUMNS = ("weight",)
SETTINGS_NUMBERS = ("adequate", "desired", "critical_cap", "alert_drop")
_NUMBERS = frozenset({"target", "limit", "points", "min_photos", "weight", *SETTINGS_NUMBERS})
_BOOLEANS = frozenset({"scored", "critical", "na"})
_LISTS = frozenset({"require_comment", "require_photo"})
_TEXTS = {"label": "text", "hint": "help", "unit": "unit"}
_METADATA = frozenset(
    {"start", "end", "today", "deviceid", "username", "phonenumber", "simserial", "audit"}
)
_HEADER = re.compile(r"^(?P<base>[^:]+)::\s*(?P<name>.*?)\s*(?:\((?P<tag>[^()]+)\))?\s*$")
_SELECT = re.compile(r"^select_one\s+(?P<list>\S+)(?P<rest>.*)$")
_YES = frozenset({"yes", "true", "1", "true()"})
_NO = frozenset({"no", "false", "0", "false()"})


@dataclass(frozen=True)
class Problem:
    """Something of the form the checklist cannot carry: where it is and what is left out."""

    sheet: str
    row: int
    name: str  # the row's name (question or group), "" when it has none
    message: str

    def __str__(self) -> str:
        where = _("%(sheet)s row %(row)s", sheet=self.sheet, row=self.row)
        return f"{where} ({self.name}): {self.message}" if self.name else f"{where}: {self.message}"


@dataclass
class Conversion:
    """The checklist document of a form, what was left out, and the row of each part."""

    document: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # "sections[0].items[2]" -> survey row

    def row_of(self, message: str) -> int | None:
        """The survey row a validation message of the document is about (``None``: none)."""
        match = _LOCATION.match(message)
        if match is None:
            return None
        section = f"sections[{match[1]}]"
        if match[2] is not None and f"{section}.items[{match[2]}]" in self.rows:
            return self.rows[f"{section}.items[{match[2]}]"]
        return self.rows.get(section)


_LOCATION = re.compile(r"^sections\[(\d+)\](?: \([^)]*\))?(?:\.items\[(\d+)\])?")


@dataclass
class _Columns:
    """A sheet's text columns: base name -> [(header, language tag or None)]."""

    texts: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)  # tags of the label columns, in order


def _columns(headers: Sequence[str], sheet: str, problems: list[Problem]) -> _Columns:
    out = _Columns()
    for header in headers:
        match = _HEADER.match(header)
        if match is None:
            out.texts.setdefault(header.strip().lower(), []).append((header, None))
            continue
        base = match["base"].strip().lower()
        tag = (match["tag"] or match["name"]).strip()
        if not LANG_RE.match(tag):
            problems.append(
                Problem(
                    sheet,
                    1,
                    header,
                    _(
                        "the column names no language tag, as in label::English (en): "
                        "its texts are left out"
                    ),
                )
            )
            continue
        out.texts.setdefault(base, []).append((header, tag))
        if base == "label" and tag not in out.languages:
            out.languages.append(tag)
    return out


def _text(row: Row, columns: _Columns, base: str) -> str | dict[str, str] | None:
    """A plain text (``label``) or a language map (``label::Arabic (ar)`` columns)."""
    plain: str | None = None
    mapped: dict[str, str] = {}
    for header, tag in columns.texts.get(base, ()):
        value = row.get(header)
        if value is None or not value.strip():
            continue
        if tag is None:
            plain = value
        else:
            mapped[tag] = value
    return mapped or plain


def _cell(row: Row, key: str) -> str | None:
    for header, value in row.items():
        if header.strip().lower() == key and value is not None and value.strip():
            return value.strip()
    return None


def _number(value: str) -> Any:
    """A number cell as a number; anything else stays text for the validator to name."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "e" not in value.lower() else number


def _boolean(value: str) -> Any:
    lowered = value.lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    return value


def _typed(key: str, value: str) -> Any:
    if key in _NUMBERS:
        return _number(value)
    if key in _BOOLEANS:
        return _boolean(value)
    if key in _LISTS:
        return [v for v in re.split(r"[\s,]+", value) if v]
    return value


@dataclass
class _Choice:
    row: int
    name: str
    text: str | dict[str, str] | None
    score: str | None
    na: str | None


def _choice_lists(rows: Rows, columns: _Columns) -> dict[str, list[_Choice]]:
    lists: dict[str, list[_Choice]] = {}
    for number, row in rows:
        list_name, name = _cell(row, "list_name") or _cell(row, "list name"), _cell(row, "name")
        if list_name is None or name is None:
            continue
        choice = _Choice(number, name, _text(row, columns, "label"), None, None)
        choice.score, choice.na = _cell(row, "score"), _cell(row, "na")
        lists.setdefault(list_name, []).append(choice)
    return lists


def _rating_bounds(names: list[str]) -> tuple[int, int] | None:
    """(from, scale) of choices that are consecutive whole numbers from 0 or 1."""
    if not all(re.fullmatch(r"\d+", n) for n in names) or len(names) < 2:
        return None
    values = [int(n) for n in names]
    low = values[0]
    if low not in (0, 1) or values != list(range(low, low + len(values))):
        return None
    return low, values[-1]


@dataclass
class _Group:
    """An open ``begin group``: a section (top level) or a sub-heading, with its condition."""

    row: int
    text: str | dict[str, str] | None
    when: dict[str, Any] | None
    section: bool


@dataclass
class _State:
    columns: _Columns
    lists: dict[str, list[_Choice]]
    names: dict[str, int]  # every named survey row -> its row (to tell "later" from "unknown")
    problems: list[Problem] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # items so far -> kind
    dropped: set[str] = field(default_factory=set)
    stack: list[_Group] = field(default_factory=list)
    variants: list[dict[str, Any]] | None = None

    def report(self, row: int, name: str, message: str) -> None:
        self.problems.append(Problem("survey", row, name, message))


def _values_for(kind: str, values: list[Any]) -> list[Any]:
    """A rating's values are numbers; other answers are ids."""
    if kind != "rating":
        return values
    return [int(v) if isinstance(v, str) and re.fullmatch(r"\d+", v) else v for v in values]


def _resolve(cond: dict[str, Any], state: _State) -> dict[str, Any]:
    """The condition with rating values as numbers; ``ExpressionError`` for a question it
    cannot read (later, left out, not a check, rating or choice, compared with nothing)."""
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        return {key: [_resolve(c, state) for c in cond[key]]}
    if "not" in cond:
        return {"not": _resolve(cond["not"], state)}
    if "variant" in cond:
        if state.variants is None:
            raise ExpressionError(_("${variant} needs the variant question before the groups"))
        return cond
    ref = cond["item"]
    if ref in state.dropped:
        raise ExpressionError(_("it refers to ${%(name)s}, which is left out", name=ref))
    if ref not in state.kinds:
        if ref in state.names:
            raise ExpressionError(_("it refers to ${%(name)s}, a later question", name=ref))
        raise ExpressionError(_("it refers to ${%(name)s}, which the form does not have", name=ref))
    kind = state.kinds[ref]
    if kind not in ("check", "rating", "choice"):
        raise ExpressionError(
            _("only select_one questions can be referred to (${%(name)s} is not one)", name=ref)
        )
    key = "in" if "in" in cond else "not_in"
    if any(v == "" for v in cond[key]):
        raise ExpressionError(_("a comparison with an empty answer cannot be carried"))
    return {"item": ref, key: _values_for(kind, cond[key])}


def _relevant(
    row: Row, number: int, name: str, state: _State, group: bool
) -> dict[str, Any] | None:
    """The condition of a row's ``relevant`` (``group``: of a group's row), or ``None``
    with the reason reported when it cannot be carried."""
    source = _cell(row, "relevant")
    if source is None:
        return None
    try:
        return _resolve(parse_relevant(source), state)
    except ExpressionError as exc:
        state.report(
            number,
            name,
            _(
                "relevant %(expression)s is left out (%(reason)s): the question is always asked",
                expression=repr(source),
                reason=str(exc),
            )
            if not group
            else _(
                "relevant %(expression)s is left out (%(reason)s): the group is always shown",
                expression=repr(source),
                reason=str(exc),
            ),
        )
        return None


def _combined(conditions: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"all": conditions}


def _begin_group(number: int, row: Row, state: _State) -> None:
    name = _cell(row, "name") or ""
    text = _text(row, state.columns, "label")
    if not state.stack:
        index = len(state.sections)
        section: dict[str, Any] = {"id": name, "items": []}
        if text is not None:
            section["title"] = text
        weight = _cell(row, "weight")
        if weight is not None:
            section["weight"] = _number(weight)
        when = _relevant(row, number, name, state, True)
        if when is not None:
            section["when"] = when
        state.sections.append(section)
        state.rows[f"sections[{index}]"] = number
        state.stack.append(_Group(number, text, None, True))
        return
    when = _relevant(row, number, name, state, True)
    if len(state.stack) > 1 and text is not None:
        state.report(
            number,
            name,
            _("a group inside a sub-group: its heading replaces the outer one"),
        )
    state.stack.append(_Group(number, text, when, False))


def _select(
    number: int, row: Row, item: dict[str, Any], list_name: str, state: _State
) -> str | None:
    """Fill a select_one item (check, rating or choice); an error message if it cannot be."""
    choices = state.lists.get(list_name)
    if not choices:
        return _("the choices sheet has no list %(list)s", list=list_name)
    kind = item.pop("kind", None)
    kind = kind.lower() if isinstance(kind, str) else kind
    names = [c.name for c in choices]
    scored = any(c.score is not None for c in choices)
    if kind == "check" or (
        kind is None and not scored and set(names) in ({"yes", "no"}, {"yes", "no", "na"})
    ):
        item["kind"] = "check"
        if "na" in names:
            item["na"] = True
        return None
    bounds = _rating_bounds(names)
    if kind == "rating" or (kind is None and not scored and bounds is not None):
        if bounds is None:
            return _("a rating's choices must be whole numbers from 0 or 1 up, one apart")
        item["kind"] = "rating"
        if bounds[1] != 5:
            item["scale"] = bounds[1]
        if bounds[0] != 1:
            item["from"] = bounds[0]
        return None
    if kind not in (None, "choice"):
        return _("kind %(kind)s cannot be a select_one question", kind=kind)
    item["kind"] = "choice"
    options: list[dict[str, Any]] = []
    for choice in choices:
        option: dict[str, Any] = {"id": choice.name}
        if choice.text is not None:
            option["text"] = choice.text
        if choice.na is not None and _boolean(choice.na) is True:
            option["na"] = True
        elif choice.score is not None:
            option["score"] = _number(choice.score)
        options.append(option)
    item["options"] = options
    return None


def _constraint(number: int, row: Row, item: dict[str, Any], state: _State) -> None:
    source = _cell(row, "constraint")
    if source is None:
        return
    try:
        if item["kind"] == "measure":
            item.update(parse_bounds(source))
            return
        if item["kind"] == "text":
            item["min_chars"] = parse_min_chars(source)
            return
        raise ExpressionError(_("only measures and texts take a constraint"))
    except ExpressionError as exc:
        state.report(
            number,
            item["id"],
            _(
                "constraint %(expression)s is left out (%(reason)s)",
                expression=repr(source),
                reason=str(exc),
            ),
        )


_KIND_OF_TYPE = {"integer": "measure", "decimal": "measure", "text": "text", "image": "photo"}


def _item_of(number: int, row: Row, kind_type: str, state: _State) -> dict[str, Any] | str:
    """The item of a question row, or why it cannot be carried."""
    name = _cell(row, "name") or ""
    item: dict[str, Any] = {"id": name}
    for base, key in _TEXTS.items():
        text = _text(row, state.columns, base)
        if text is not None:
            item[key] = text
    group = next(
        (g.text for g in reversed(state.stack) if g.text is not None and not g.section), None
    )
    if group is not None:
        item["group"] = group
    for key in ITEM_COLUMNS:
        value = _cell(row, key)
        if value is not None:
            item[key] = _typed(key, value)
    required = _cell(row, "required")
    item["required"] = required is not None and _boolean(required) is True
    select = _SELECT.match(kind_type)
    if select is not None:
        if select["rest"].strip():
            return _("%(type)s cannot be carried", type=repr(kind_type))
        problem = _select(number, row, item, select["list"], state)
        if problem is not None:
            return problem
    elif kind_type in _KIND_OF_TYPE:
        given = item.pop("kind", None)
        item["kind"] = _KIND_OF_TYPE[kind_type]
        if given not in (None, item["kind"]):
            return _("kind %(kind)s cannot be a %(type)s question", kind=given, type=kind_type)
        if kind_type == "integer":
            item["integer"] = True
        if item["kind"] == "measure" and "target" not in item and "scored" not in item:
            item["scored"] = False  # a count or a price seen: information, not a standard
    else:
        return _unsupported(kind_type)
    _constraint(number, row, item, state)
    kind = item["kind"]
    for key in _LISTS:
        if key in item:
            item[key] = _values_for(kind, item[key])
    return item


def _unsupported(kind_type: str) -> str:
    if kind_type.startswith("select_multiple"):
        return _("select_multiple cannot be carried (a checklist item takes one answer)")
    if kind_type == "calculate":
        return _("calculate cannot be carried (a checklist computes no values)")
    if kind_type in _METADATA:
        return _("form metadata (%(type)s) is not carried", type=kind_type)
    if kind_type == "note":
        return _("a note is not carried (put the text in a question's hint)")
    return _("the question type %(type)s cannot be carried", type=kind_type)


def _variant_question(number: int, row: Row, kind_type: str, state: _State) -> bool:
    """The top-level select_one named ``variant``: the checklist's kinds of visit."""
    select = _SELECT.match(kind_type)
    if state.stack or select is None or _cell(row, "name") != VARIANT:
        return False
    choices = state.lists.get(select["list"]) or []
    state.variants = [
        {"id": c.name, **({"name": c.text} if c.text is not None else {})} for c in choices
    ]
    if not choices:
        state.report(
            number, VARIANT, _("the choices sheet has no list %(list)s", list=select["list"])
        )
        state.variants = None
    return True


def _question(number: int, row: Row, kind_type: str, state: _State) -> None:
    name = _cell(row, "name") or ""
    if _variant_question(number, row, kind_type, state):
        return
    result = _item_of(number, row, kind_type, state)
    if isinstance(result, str):
        state.report(number, name, result + " " + _("(left out)"))
        state.dropped.add(name)
        return
    if not state.stack:
        state.report(number, name, _("a question outside any group has no section (left out)"))
        state.dropped.add(name)
        return
    index = len(state.sections) - 1
    own = _relevant(row, number, name, state, False)
    outer = [g.when for g in state.stack if g.when is not None]
    when = _combined([*outer, *([own] if own is not None else [])])
    if when is not None:
        result["when"] = when
    items = state.sections[index]["items"]
    state.rows[f"sections[{index}].items[{len(items)}]"] = number
    items.append(result)
    state.kinds[name] = result["kind"]


def _walk(survey: Rows, state: _State) -> None:
    repeat: tuple[int, int] | None = None  # (depth of begin/end inside it, its row)
    for number, row in survey:
        kind_type = re.sub(r"\s+", " ", (_cell(row, "type") or "").lower())
        kind_type = re.sub(r"^(begin|end)[_ ]", r"\1 ", kind_type).replace(
            "select one", "select_one"
        )
        name = _cell(row, "name") or ""
        if repeat is not None:
            if kind_type in ("begin repeat", "begin group"):
                repeat = (repeat[0] + 1, repeat[1])
            elif kind_type in ("end repeat", "end group"):
                repeat = (repeat[0] - 1, repeat[1]) if repeat[0] else None
            elif name:
                state.dropped.add(name)
            continue
        if not kind_type:
            if any(v and v.strip() for v in row.values()):
                state.report(number, name, _("the row has no type (left out)"))
            continue
        if kind_type == "begin repeat":
            state.report(
                number,
                name,
                _("a repeat cannot be carried: it and every question in it are left out"),
            )
            repeat = (0, number)
        elif kind_type == "begin group":
            _begin_group(number, row, state)
        elif kind_type == "end group":
            if state.stack:
                state.stack.pop()
        else:
            _question(number, row, kind_type, state)


def _settings(rows: Rows) -> tuple[Row, int]:
    for number, row in rows:
        if any(v and v.strip() for v in row.values()):
            return row, number
    return {}, 2


def _default_language(value: str | None) -> str | None:
    if value is None:
        return None
    match = re.search(r"\(([^()]+)\)\s*$", value)
    tag = (match[1] if match else value).strip()
    return tag if LANG_RE.match(tag) else None


def _top(
    settings: Row, columns: _Columns, survey_languages: list[str], fallback_code: str
) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": 1}
    doc["code"] = _cell(settings, "form_id") or fallback_code
    doc["name"] = (
        _text(settings, columns, "checklist_name")
        or _text(settings, columns, "form_title")
        or doc["code"]
    )
    channel = _cell(settings, "channel")
    if channel is not None:
        doc["channel"] = channel
    for key in SETTINGS_NUMBERS:
        value = _cell(settings, key)
        if value is not None:
            doc[key] = _number(value)
    scenario = _text(settings, columns, "scenario")
    if scenario is not None:
        doc["scenario"] = scenario
    given = _cell(settings, "languages")
    if given is not None:
        if given != NO_LANGUAGES:
            doc["languages"] = [v for v in re.split(r"[\s,]+", given) if v]
    elif survey_languages:
        first = _default_language(_cell(settings, "default_language"))
        ordered = [first] if first in survey_languages else []
        doc["languages"] = ordered + [t for t in survey_languages if t not in ordered]
    return doc


def _labels(choices: list[_Choice], problems: list[Problem]) -> dict[str, Any]:
    labels: dict[str, Any] = {}
    for choice in choices:
        if choice.name in ("yes", "no", "na") and choice.text is not None:
            labels[choice.name] = choice.text
        else:
            problems.append(
                Problem(
                    "choices",
                    choice.row,
                    choice.name,
                    _("the labels list takes only yes, no and na (left out)"),
                )
            )
    return labels


@dataclass(frozen=True)
class Sheets:
    """The rows of a form's sheets (headers in sheet order) as a reader gives them."""

    survey: Rows
    survey_headers: Sequence[str]
    choices: Rows = ()
    choices_headers: Sequence[str] = ()
    settings: Rows = ()
    settings_headers: Sequence[str] = ()


def convert(sheets: Sheets, *, fallback_code: str = "checklist") -> Conversion:
    """The checklist document of an XLSForm's rows, and every part it leaves out by row."""
    problems: list[Problem] = []
    survey_columns = _columns(sheets.survey_headers, "survey", problems)
    choice_columns = _columns(sheets.choices_headers, "choices", problems)
    settings_columns = _columns(sheets.settings_headers, "settings", problems)
    lists = _choice_lists(sheets.choices, choice_columns)
    names = {n: number for number, row in sheets.survey if (n := _cell(row, "name"))}
    state = _State(survey_columns, lists, names, problems)
    _walk(sheets.survey, state)
    settings, _row = _settings(sheets.settings)
    doc = _top(settings, settings_columns, survey_columns.languages, fallback_code)
    if LABELS_LIST in lists:
        labels = _labels(lists[LABELS_LIST], problems)
        if labels:
            doc["labels"] = labels
    if state.variants is not None:
        doc["variants"] = state.variants
    sections = []
    for index, section in enumerate(state.sections):
        if section["items"]:
            sections.append(section)
            continue
        row = state.rows[f"sections[{index}]"]
        problems.append(
            Problem(
                "survey",
                row,
                section["id"],
                _("the group has no question the checklist can carry (left out)"),
            )
        )
    doc["sections"] = sections
    rows = _renumber(state.rows, state.sections)
    return Conversion(doc, sorted(problems, key=lambda p: (p.sheet != "survey", p.row)), rows)


def _renumber(rows: dict[str, int], sections: list[dict[str, Any]]) -> dict[str, int]:
    """Row numbers by the document's paths once empty sections are left out."""
    out: dict[str, int] = {}
    kept = 0
    for index, section in enumerate(sections):
        if not section["items"]:
            continue
        out[f"sections[{kept}]"] = rows[f"sections[{index}]"]
        for j in range(len(section["items"])):
            out[f"sections[{kept}].items[{j}]"] = rows[f"sections[{index}].items[{j}]"]
        kept += 1
    return out
