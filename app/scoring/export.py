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
from .errors import DocumentError, pydantic_errors, raise_if_any
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
}
_KIND_DEFAULTS: dict[str, dict[str, Any]] = {"rating": {"scale": 5}, "photo": {"min_photos": 1}}
_ITEM_ORDER = (
    "unit",
    "better",
    "target",
    "limit",
    "scale",
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
        raise DocumentError(["document: must be a mapping"])
    errors = []
    checklist: Checklist | None = None
    try:
        checklist = Checklist.model_validate(doc)
    except ValidationError as exc:
        errors.extend(pydantic_errors(exc))
    errors.extend(check_rules(doc))
    raise_if_any(errors)
    assert checklist is not None
    return checklist


def _text(value: Text | None) -> Any:
    return dict(value) if isinstance(value, dict) else value


def _option(option: Option) -> dict[str, Any]:
    return {"id": option.id, "text": _text(option.text), "score": option.score}


def _item(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "text": _text(item.text)}
    if item.help is not None:
        out["help"] = _text(item.help)
    out["kind"] = item.kind
    defaults = {**_ITEM_DEFAULTS, **_KIND_DEFAULTS.get(item.kind, {})}
    for key in _ITEM_ORDER:
        value = getattr(item, key)
        if value is not None and (key not in defaults or value != defaults[key]):
            out[key] = _text(value) if key == "unit" else value
    if item.options is not None:
        out["options"] = [_option(o) for o in item.options]
    if item.when is not None:
        out["when"] = {"item": item.when.item, "in": list(item.when.in_)}
    return out


def _section(section: Section) -> dict[str, Any]:
    out: dict[str, Any] = {"id": section.id, "title": _text(section.title)}
    if section.weight != 1:
        out["weight"] = section.weight
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
