"""Cross-field rules of formats.md, checked on the raw document.

Pydantic checks types and unknown fields; these checks need several fields at once.
They run on the raw data even when typing failed elsewhere, so one import reports
every problem. Each check tolerates wrong types (those are reported by pydantic).
"""

from __future__ import annotations

from typing import Any

from .checklist import KINDS, SCORED_KINDS
from .errors import Loc
from .fields import LANG_RE, is_number

Errors = list[tuple[Loc, str]]

# Fields that only make sense for one kind of item.
_KIND_ONLY = {
    "better": "measure",
    "target": "measure",
    "limit": "measure",
    "unit": "measure",
    "scale": "rating",
    "options": "choice",
    "min_chars": "text",
    "min_photos": "photo",
}
_SCORING_FIELDS = ("points", "kano", "dimension", "critical")
_WHEN_KINDS = ("check", "rating", "choice")


def _has(data: Any, key: str) -> bool:
    return isinstance(data, dict) and data.get(key) is not None


def _num(value: Any) -> float | None:
    return float(value) if is_number(value) else None


def _seq(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _check_langs(
    errs: Errors, loc: Loc, value: Any, langs: tuple[str, ...] | None, full: bool
) -> None:
    """Language maps use the checklist's languages; required texts carry all of them."""
    if not langs or not isinstance(value, dict):
        return
    listed = ", ".join(langs)
    unknown = [k for k in value if isinstance(k, str) and LANG_RE.match(k) and k not in langs]
    if unknown:
        errs.append((loc, f"unknown language {', '.join(unknown)} (checklist languages: {listed})"))
    missing = [k for k in langs if k not in value]
    if full and missing:
        errs.append((loc, f"missing language {', '.join(missing)} (checklist languages: {listed})"))


def _check_measure(errs: Errors, loc: Loc, item: dict[str, Any]) -> None:
    for key in ("better", "target"):
        if not _has(item, key):
            errs.append(((*loc, key), "is required for a measure item"))
    better, target, limit = item.get("better"), _num(item.get("target")), _num(item.get("limit"))
    if better == "higher" and target is not None and target <= 0:
        errs.append(((*loc, "target"), "must be > 0 when better is higher"))
    if target is None or limit is None or target < 0 or limit < 0:
        return
    if better == "lower" and limit <= target:
        errs.append(((*loc, "limit"), "must be above target when better is lower"))
    if better == "higher" and limit >= target:
        errs.append(((*loc, "limit"), "must be below target when better is higher"))


def _check_choice(
    errs: Errors, loc: Loc, item: dict[str, Any], langs: tuple[str, ...] | None
) -> None:
    if not _has(item, "options"):
        errs.append(((*loc, "options"), "is required for a choice item"))
        return
    options = _seq(item["options"])
    if isinstance(item["options"], list | tuple) and len(options) < 2:
        errs.append(((*loc, "options"), "a choice needs at least 2 options"))
    seen: set[Any] = set()
    for k, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        oid = option.get("id")
        if isinstance(oid, str):
            if oid.lower() == "na":  # formats.md: reserved, it is the plain N/A answer
                errs.append(
                    (
                        (*loc, "options", k, "id"),
                        f"option id {oid!r} is reserved for N/A; choose another id",
                    )
                )
            if oid in seen:
                errs.append(((*loc, "options", k, "id"), f"duplicate option id {oid!r}"))
            seen.add(oid)
        _check_langs(errs, (*loc, "options", k, "text"), option.get("text"), langs, True)


def _answers_of(item: dict[str, Any]) -> tuple[set[Any], str]:
    """The values an item can take (for ``when``) and a short description of them."""
    kind = item.get("kind")
    if kind == "check":
        return {"yes", "no"}, "yes, no"
    if kind == "rating":
        scale = item.get("scale", 5)
        scale = int(scale) if is_number(scale) and scale >= 2 else 5
        return set(range(1, scale + 1)), f"1 to {scale}"
    ids = [o.get("id") for o in _seq(item.get("options")) if isinstance(o, dict)]
    return set(ids), ", ".join(str(i) for i in ids)


def _check_when(
    errs: Errors, loc: Loc, item: dict[str, Any], earlier: dict[str, dict[str, Any]], ids: set[str]
) -> None:
    when = item.get("when")
    if not isinstance(when, dict) or not isinstance(when.get("item"), str):
        return
    ref = when["item"]
    if ref == item.get("id"):
        errs.append(((*loc, "when", "item"), "an item cannot depend on itself"))
        return
    if ref not in earlier:
        msg = f"must name an earlier item ({ref!r} comes later)" if ref in ids else None
        errs.append(((*loc, "when", "item"), msg or f"unknown item {ref!r}"))
        return
    ctl = earlier[ref]
    if ctl.get("kind") not in _WHEN_KINDS:
        kind = ctl.get("kind")
        errs.append(
            (
                (*loc, "when", "item"),
                f"must name a check, rating or choice item ({ref!r} is {kind})",
            )
        )
        return
    allowed, described = _answers_of(ctl)
    for k, value in enumerate(_seq(when.get("in"))):
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        if value == "na":
            if ctl.get("na") is not True:
                errs.append(((*loc, "when", "in", k), f"{ref!r} cannot be answered na"))
        elif value not in allowed:
            errs.append(
                ((*loc, "when", "in", k), f"{value!r} is not an answer of {ref!r} ({described})")
            )


def _check_kind_fields(errs: Errors, loc: Loc, item: dict[str, Any], kind: str) -> None:
    for key, owner in _KIND_ONLY.items():
        if owner != kind and _has(item, key):
            errs.append(((*loc, key), f"only for {owner} items"))
    if kind not in SCORED_KINDS:
        for key in _SCORING_FIELDS:
            if _has(item, key):
                errs.append(((*loc, key), "only for scored items (check, rating, choice, measure)"))
    if kind == "photo":
        if _has(item, "photo"):
            errs.append(((*loc, "photo"), "not for photo items (the item is itself a photo)"))
        if item.get("na") is True:
            errs.append(((*loc, "na"), "a photo item cannot be N/A"))
    if item.get("critical") is True and item.get("kano") == "delight":
        errs.append(((*loc, "critical"), "a delight item cannot be critical"))


def check_rules(doc: dict[str, Any]) -> Errors:
    """Every cross-field rule of formats.md, as ``(location, message)`` pairs."""
    errs: Errors = []
    adequate, desired = _num(doc.get("adequate", 70)), _num(doc.get("desired", 90))
    if adequate is not None and desired is not None and adequate >= desired:
        errs.append((("adequate",), f"must be below desired ({doc.get('desired', 90)})"))
    name = doc.get("name")
    langs = tuple(str(k) for k in name) if isinstance(name, dict) and name else None
    _check_langs(errs, ("scenario",), doc.get("scenario"), langs, False)

    sections = [s if isinstance(s, dict) else {} for s in _seq(doc.get("sections"))]
    ids: set[str] = {
        it["id"]
        for s in sections
        for it in _seq(s.get("items"))
        if isinstance(it, dict) and isinstance(it.get("id"), str)
    }
    seen: set[str] = set()
    earlier: dict[str, dict[str, Any]] = {}
    for i, section in enumerate(sections):
        sid = section.get("id")
        if isinstance(sid, str):
            if sid in seen:
                errs.append((("sections", i, "id"), f"duplicate id {sid!r}"))
            seen.add(sid)
        _check_langs(errs, ("sections", i, "title"), section.get("title"), langs, True)
        for j, item in enumerate(_seq(section.get("items"))):
            if not isinstance(item, dict):
                continue
            loc: Loc = ("sections", i, "items", j)
            iid = item.get("id")
            if isinstance(iid, str):
                if iid in seen:
                    errs.append(((*loc, "id"), f"duplicate id {iid!r}"))
                seen.add(iid)
            _check_langs(errs, (*loc, "text"), item.get("text"), langs, True)
            _check_langs(errs, (*loc, "help"), item.get("help"), langs, False)
            _check_langs(errs, (*loc, "unit"), item.get("unit"), langs, False)
            kind = item.get("kind")
            if kind in KINDS:
                _check_kind_fields(errs, loc, item, kind)
                if kind == "measure":
                    _check_measure(errs, loc, item)
                elif kind == "choice":
                    _check_choice(errs, loc, item, langs)
            _check_when(errs, loc, item, earlier, ids)
            if isinstance(iid, str) and iid not in earlier:
                earlier[iid] = item
    return errs
