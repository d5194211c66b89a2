"""Parsing, canonical export and content hashing of checklists.

Export writes checklist-level settings always and leaves out section/item fields
that equal their default, so a file reads like the one HQ wrote; re-importing the
export gives an equal ``Checklist`` and the same ``content_hash``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import ValidationError

from .checklist import Checklist, Item, Option, Section
from .conditions import condition_to_dict
from .errors import DocumentError, comma_hint, pydantic_errors, raise_if_any
from .messages import _
from .rules import check_rules
from .source import dump_json, dump_yaml, load_document
from .text import Text

# Item fields omitted from exports when they hold these values.
_ITEM_DEFAULTS: dict[str, Any] = {
    "kano": "performance",
    "dimension": "interaction",
    "points": 1,
    "critical": False,
    "na": False,
    "required": True,
    "photo": "none",
    "scored": True,
}
_KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    "rating": {"scale": 5, "from": 1},
    "measure": {"min": 0, "integer": False},
    "photo": {"min_photos": 1},
}
# Document keys in export order, with the model's attribute where it differs.
_ATTRIBUTE = {"from": "from_", "scored": "scored_flag"}
_ITEM_ORDER = (
    "scored",
    "unit",
    "better",
    "target",
    "limit",
    "min",
    "max",
    "integer",
    "scale",
    "from",
    "min_chars",
    "min_photos",
    "kano",
    "dimension",
    "points",
    "critical",
    "na",
    "required",
    "photo",
)


def parse_checklist(source: str | bytes | dict[str, Any]) -> Checklist:
    """Validate a checklist document (YAML/JSON text or a dict) and build the model.

    Raises ``DocumentError`` listing every problem, each named by its path, so HQ can
    fix a whole file at once.
    """
    doc = load_document(source)
    if not isinstance(doc, dict):
        raise DocumentError(["document: " + _("must be a mapping")])
    errors = []
    checklist: Checklist | None = None
    try:
        checklist = Checklist.model_validate(doc)
    except ValidationError as exc:
        for loc, message in pydantic_errors(exc):
            hint = comma_hint(doc, loc) if message == _("unknown field") else None
            errors.append((loc, f"{message}. {hint}" if hint else message))
    errors.extend(check_rules(doc))
    raise_if_any(errors, doc)
    assert checklist is not None
    return checklist


def _text(value: Text | None) -> Any:
    return dict(value) if isinstance(value, dict) else value


def _option(option: Option) -> dict[str, Any]:
    out: dict[str, Any] = {"id": option.id, "text": _text(option.text)}
    if option.na:
        out["na"] = True
    else:
        out["score"] = option.score
    return out


def _item(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "text": _text(item.text)}
    if item.help is not None:
        out["help"] = _text(item.help)
    if item.group is not None:
        out["group"] = _text(item.group)
    out["kind"] = item.kind
    defaults = {**_ITEM_DEFAULTS, **_KIND_DEFAULTS.get(item.kind, {})}
    for key in _ITEM_ORDER:
        value = getattr(item, _ATTRIBUTE.get(key, key))
        if key == "integer" and item.kind != "measure":
            continue
        if value is not None and (key not in defaults or value != defaults[key]):
            out[key] = _text(value) if key == "unit" else value
    if item.options is not None:
        out["options"] = [_option(o) for o in item.options]
    if item.when is not None:
        out["when"] = condition_to_dict(item.when)
    for key in ("require_comment", "require_photo"):
        values = getattr(item, key)
        if values is not None:
            out[key] = list(values)
    return out


def _section(section: Section) -> dict[str, Any]:
    out: dict[str, Any] = {"id": section.id, "title": _text(section.title)}
    if section.weight != 1:
        out["weight"] = section.weight
    if section.when is not None:
        out["when"] = condition_to_dict(section.when)
    out["items"] = [_item(i) for i in section.items]
    return out


def checklist_to_dict(checklist: Checklist) -> dict[str, Any]:
    """The canonical document of a checklist: ``parse_checklist(result) == checklist``."""
    out: dict[str, Any] = {
        "format": checklist.format,
        "code": checklist.code,
        "name": _text(checklist.name),
        "channel": checklist.channel,
        "adequate": checklist.adequate,
        "desired": checklist.desired,
        "critical_cap": checklist.critical_cap,
        "alert_drop": checklist.alert_drop,
    }
    if checklist.scenario is not None:
        out["scenario"] = _text(checklist.scenario)
    if checklist.content_languages is not None:
        out["languages"] = list(checklist.content_languages)
    if checklist.labels is not None:
        out["labels"] = {
            key: _text(value)
            for key, value in checklist.labels.model_dump().items()
            if value is not None
        }
    if checklist.variants is not None:
        out["variants"] = [{"id": v.id, "name": _text(v.name)} for v in checklist.variants]
    out["sections"] = [_section(s) for s in checklist.sections]
    return out


def dump_checklist(checklist: Checklist, fmt: Literal["yaml", "json"] = "yaml") -> str:
    """Export a checklist as YAML or JSON text that re-imports to an identical checklist."""
    data = checklist_to_dict(checklist)
    if fmt == "yaml":
        return dump_yaml(data)
    if fmt == "json":
        return dump_json(data)
    raise ValueError(f"unknown format {fmt!r}: use 'yaml' or 'json'")


def content_hash(checklist: Checklist) -> str:
    """SHA-256 of the canonical JSON: equal content, equal hash (decides a new version)."""
    canonical = json.dumps(
        checklist_to_dict(checklist), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
