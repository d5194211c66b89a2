"""Cross-field rules of formats.md, checked on the raw document.

Pydantic checks types and unknown fields; these checks need several fields at once.
They run on the raw data even when typing failed elsewhere, so one import reports
every problem. Each check tolerates wrong types (those are reported by pydantic).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .checklist import KINDS, SCORED_KINDS
from .errors import Loc
from .fields import LANG_RE, is_number
from .messages import _

Errors = list[tuple[Loc, str]]

# Fields that only make sense for one kind of item.
_KIND_ONLY = {
    "better": "measure",
    "target": "measure",
    "limit": "measure",
    "unit": "measure",
    "min": "measure",
    "max": "measure",
    "integer": "measure",
    "scale": "rating",
    "from": "rating",
    "options": "choice",
    "min_chars": "text",
    "min_photos": "photo",
}
_SCORING_FIELDS = ("points", "kano", "dimension", "critical")
_WHEN_KINDS = ("check", "rating", "choice")
_VALUE_KEYS = ("in", "not_in")


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
        errs.append(
            (
                loc,
                _(
                    "unknown language %(lang)s (checklist languages: %(langs)s)",
                    lang=", ".join(unknown),
                    langs=listed,
                ),
            )
        )
    missing = [k for k in langs if k not in value]
    if full and missing:
        errs.append(
            (
                loc,
                _(
                    "missing language %(lang)s (checklist languages: %(langs)s)",
                    lang=", ".join(missing),
                    langs=listed,
                ),
            )
        )


@dataclass
class _Context:
    """What the checks of one document share: its languages, variants and items so far."""

    langs: tuple[str, ...] | None
    exact: bool  # ``languages`` was given: every language map gives exactly these
    variants: set[str] | None
    ids: set[str] = field(default_factory=set)  # every item id of the checklist
    earlier: dict[str, dict[str, Any]] = field(default_factory=dict)  # items so far, by id

    def langs_of(self, errs: Errors, loc: Loc, value: Any, full: bool) -> None:
        _check_langs(errs, loc, value, self.langs, full or self.exact)


def _bounds_of(item: dict[str, Any]) -> tuple[float, float | None]:
    low = _num(item.get("min"))
    return (low if low is not None and low >= 0 else 0.0), _num(item.get("max"))


def _check_measure(errs: Errors, loc: Loc, item: dict[str, Any]) -> None:
    low, high = _bounds_of(item)
    if _has(item, "max") and high is not None and high < low:
        errs.append(((*loc, "max"), _("must not be below min (%(min)s)", min=item.get("min", 0))))
        high = None
    for key in ("target", "limit"):
        value = _num(item.get(key))
        if value is None or value < 0:
            continue
        if _has(item, "min") and value < low:
            errs.append(((*loc, key), _("must be ≥ min (%(min)s)", min=item["min"])))
        elif high is not None and value > high:
            errs.append(((*loc, key), _("must be ≤ max (%(max)s)", max=item["max"])))
    if item.get("scored") is False:  # informational: no target, limit or better needed
        return
    for key in ("better", "target"):
        if not _has(item, key):
            errs.append(((*loc, key), _("is required for a measure item")))
    better, target, limit = item.get("better"), _num(item.get("target")), _num(item.get("limit"))
    if better == "higher" and target is not None and target <= 0:
        errs.append(((*loc, "target"), _("must be > 0 when better is higher")))
    if target is None or limit is None or target < 0 or limit < 0:
        return
    if better == "lower" and limit <= target:
        errs.append(((*loc, "limit"), _("must be above target when better is lower")))
    if better == "higher" and limit >= target:
        errs.append(((*loc, "limit"), _("must be below target when better is higher")))


def _check_choice(errs: Errors, loc: Loc, item: dict[str, Any], ctx: _Context) -> None:
    if not _has(item, "options"):
        errs.append(((*loc, "options"), _("is required for a choice item")))
        return
    options = _seq(item["options"])
    if isinstance(item["options"], list | tuple) and len(options) < 2:
        errs.append(((*loc, "options"), _("a choice needs at least 2 options")))
    seen: set[Any] = set()
    scored = False
    for k, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        oid = option.get("id")
        if isinstance(oid, str):
            if oid.lower() == "na":  # formats.md: reserved, it is the plain N/A answer
                errs.append(
                    (
                        (*loc, "options", k, "id"),
                        _(
                            "option id %(id)s is reserved for N/A; choose another id",
                            id=repr(oid),
                        ),
                    )
                )
            if oid in seen:
                errs.append(
                    ((*loc, "options", k, "id"), _("duplicate option id %(id)s", id=repr(oid)))
                )
            seen.add(oid)
        if option.get("na") is True:
            if "score" in option:
                errs.append(
                    (
                        (*loc, "options", k, "score"),
                        _("an N/A option (na: true) has no score"),
                    )
                )
        elif "score" not in option:
            errs.append(((*loc, "options", k, "score"), _("is required")))
        else:
            scored = True
        ctx.langs_of(errs, (*loc, "options", k, "text"), option.get("text"), True)
    if options and not scored and item.get("scored") is not False:
        errs.append(((*loc, "options"), _("a scored choice needs an option with a score")))


def _answers_of(item: dict[str, Any]) -> tuple[set[Any], str]:
    """The values an item can take (for conditions) and a short description of them."""
    kind = item.get("kind")
    if kind == "check":
        return {"yes", "no"}, "yes, no"
    if kind == "rating":
        scale = item.get("scale", 5)
        scale = int(scale) if is_number(scale) and scale >= 2 else 5
        low = 0 if item.get("from") == 0 else 1
        return set(range(low, scale + 1)), _("%(low)s to %(high)s", low=low, high=scale)
    ids = [o.get("id") for o in _seq(item.get("options")) if isinstance(o, dict)]
    return set(ids), ", ".join(str(i) for i in ids)


def _check_values(errs: Errors, loc: Loc, values: Any, ref: str, ctl: dict[str, Any]) -> None:
    """Each listed value must be one the item ``ref`` can take (``na`` only where allowed)."""
    allowed, described = _answers_of(ctl)
    for k, value in enumerate(_seq(values)):
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        if value == "na":
            if ctl.get("na") is not True:
                errs.append(((*loc, k), _("%(item)s cannot be answered na", item=repr(ref))))
        elif value not in allowed:
            errs.append(
                (
                    (*loc, k),
                    _(
                        "%(value)s is not an answer of %(item)s (%(answers)s)",
                        value=repr(value),
                        item=repr(ref),
                        answers=described,
                    ),
                )
            )


def _check_leaf(
    errs: Errors, loc: Loc, cond: dict[str, Any], ctx: _Context, own: Any, section: set[Any] | None
) -> None:
    ref = cond["item"]
    if ref == own:
        errs.append(((*loc, "item"), _("an item cannot depend on itself")))
        return
    if section is not None and ref in section:
        errs.append(
            (
                (*loc, "item"),
                _(
                    "a section's condition must name an item of an earlier section "
                    "(%(item)s is in this section)",
                    item=repr(ref),
                ),
            )
        )
        return
    if ref not in ctx.earlier:
        if ref in ctx.ids:
            msg = _("must name an earlier item (%(item)s comes later)", item=repr(ref))
        else:
            msg = _("unknown item %(item)s", item=repr(ref))
        errs.append(((*loc, "item"), msg))
        return
    ctl = ctx.earlier[ref]
    if ctl.get("kind") not in _WHEN_KINDS:
        errs.append(
            (
                (*loc, "item"),
                _(
                    "must name a check, rating or choice item (%(item)s is %(kind)s)",
                    item=repr(ref),
                    kind=ctl.get("kind"),
                ),
            )
        )
        return
    for key in _VALUE_KEYS:
        if key in cond:
            _check_values(errs, (*loc, key), cond[key], ref, ctl)


def _check_condition(
    errs: Errors, loc: Loc, cond: Any, ctx: _Context, own: Any, section: set[Any] | None
) -> None:
    """A condition's items and values (its shape is checked by the model).

    ``section`` holds the item ids of the section whose condition this is (``None`` for
    an item's condition): a section's condition may only read earlier sections.
    """
    if not isinstance(cond, dict):
        return
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        parts = cond[key]
        if isinstance(parts, list | tuple) and not parts:
            errs.append(((*loc, key), _("must not be empty")))
        for k, part in enumerate(_seq(parts)):
            _check_condition(errs, (*loc, key, k), part, ctx, own, section)
    elif "not" in cond:
        _check_condition(errs, (*loc, "not"), cond["not"], ctx, own, section)
    elif "variant" in cond:
        if ctx.variants is None:
            errs.append(((*loc, "variant"), _("the checklist has no variants")))
            return
        known = ", ".join(sorted(ctx.variants))
        for k, vid in enumerate(_seq(cond["variant"])):
            if isinstance(vid, str) and vid not in ctx.variants:
                errs.append(
                    (
                        (*loc, "variant", k),
                        _("unknown variant %(id)s (variants: %(ids)s)", id=repr(vid), ids=known),
                    )
                )
    elif isinstance(cond.get("item"), str):
        _check_leaf(errs, loc, cond, ctx, own, section)


def _check_requirements(errs: Errors, loc: Loc, item: dict[str, Any]) -> None:
    """``require_comment`` / ``require_photo`` list answers of the item itself."""
    for key in ("require_comment", "require_photo"):
        if not _has(item, key):
            continue
        if item.get("kind") not in _WHEN_KINDS:
            errs.append(((*loc, key), _("only for check, rating or choice items")))
            continue
        values = item[key]
        if isinstance(values, list | tuple) and not values:
            errs.append(((*loc, key), _("must not be empty")))
        _check_values(errs, (*loc, key), values, str(item.get("id")), item)


def _check_kind_fields(errs: Errors, loc: Loc, item: dict[str, Any], kind: str) -> None:
    for key, owner in _KIND_ONLY.items():
        if owner != kind and _has(item, key):
            errs.append(((*loc, key), _("only for %(kind)s items", kind=owner)))
    if kind not in SCORED_KINDS:
        for key in _SCORING_FIELDS:
            if _has(item, key):
                errs.append(
                    ((*loc, key), _("only for scored items (check, rating, choice, measure)"))
                )
        if _has(item, "scored"):
            errs.append(((*loc, "scored"), _("only for check, rating, choice or measure items")))
    if kind == "photo":
        if _has(item, "photo"):
            errs.append(((*loc, "photo"), _("not for photo items (the item is itself a photo)")))
        if item.get("na") is True:
            errs.append(((*loc, "na"), _("a photo item cannot be N/A")))
    if item.get("critical") is True and item.get("kano") == "delight":
        errs.append(((*loc, "critical"), _("a delight item cannot be critical")))
    if item.get("critical") is True and item.get("scored") is False and kind in SCORED_KINDS:
        errs.append(
            ((*loc, "critical"), _("an informational item (scored: false) cannot be critical"))
        )


def _check_item(errs: Errors, loc: Loc, item: dict[str, Any], ctx: _Context) -> None:
    ctx.langs_of(errs, (*loc, "text"), item.get("text"), True)
    ctx.langs_of(errs, (*loc, "help"), item.get("help"), False)
    ctx.langs_of(errs, (*loc, "unit"), item.get("unit"), False)
    ctx.langs_of(errs, (*loc, "group"), item.get("group"), True)
    kind = item.get("kind")
    if kind in KINDS:
        _check_kind_fields(errs, loc, item, kind)
        if kind == "measure":
            _check_measure(errs, loc, item)
        elif kind == "choice":
            _check_choice(errs, loc, item, ctx)
    _check_condition(errs, (*loc, "when"), item.get("when"), ctx, item.get("id"), None)
    _check_requirements(errs, loc, item)


def _check_top(errs: Errors, doc: dict[str, Any], ctx: _Context) -> None:
    ctx.langs_of(errs, ("name",), doc.get("name"), True)
    ctx.langs_of(errs, ("scenario",), doc.get("scenario"), False)
    languages = doc.get("languages")
    if isinstance(languages, list | tuple):
        if not languages:
            errs.append((("languages",), _("must not be empty")))
        seen: set[Any] = set()
        for k, lang in enumerate(languages):
            if isinstance(lang, str) and lang in seen:
                errs.append((("languages", k), _("duplicate language %(lang)s", lang=lang)))
            seen.add(lang)
    labels = doc.get("labels")
    if isinstance(labels, dict):
        for key, text in labels.items():
            ctx.langs_of(errs, ("labels", str(key)), text, False)
    variants = doc.get("variants")
    if isinstance(variants, list | tuple):
        if not variants:
            errs.append((("variants",), _("must not be empty")))
        seen = set()
        for k, variant in enumerate(variants):
            if not isinstance(variant, dict):
                continue
            vid = variant.get("id")
            if isinstance(vid, str):
                if vid in seen:
                    errs.append(
                        (("variants", k, "id"), _("duplicate variant id %(id)s", id=repr(vid)))
                    )
                seen.add(vid)
            ctx.langs_of(errs, ("variants", k, "name"), variant.get("name"), True)


def _languages(doc: dict[str, Any]) -> tuple[tuple[str, ...] | None, bool]:
    """The languages every map must use, and whether exactly (``languages`` given)."""
    given = doc.get("languages")
    if isinstance(given, list | tuple) and given and all(isinstance(x, str) for x in given):
        return tuple(given), True
    name = doc.get("name")
    return (tuple(str(k) for k in name) if isinstance(name, dict) and name else None), False


def check_rules(doc: dict[str, Any]) -> Errors:
    """Every cross-field rule of formats.md, as ``(location, message)`` pairs."""
    errs: Errors = []
    adequate, desired = _num(doc.get("adequate", 70)), _num(doc.get("desired", 90))
    if adequate is not None and desired is not None and adequate >= desired:
        errs.append(
            (
                ("adequate",),
                _("must be below desired (%(desired)s)", desired=doc.get("desired", 90)),
            )
        )
    langs, exact = _languages(doc)
    variant_ids = {
        v["id"]
        for v in _seq(doc.get("variants"))
        if isinstance(v, dict) and isinstance(v.get("id"), str)
    }
    ctx = _Context(langs, exact, variant_ids if "variants" in doc else None)
    _check_top(errs, doc, ctx)

    sections = [s if isinstance(s, dict) else {} for s in _seq(doc.get("sections"))]
    ctx.ids = {
        it["id"]
        for s in sections
        for it in _seq(s.get("items"))
        if isinstance(it, dict) and isinstance(it.get("id"), str)
    }
    seen: set[str] = set()
    for i, section in enumerate(sections):
        sid = section.get("id")
        if isinstance(sid, str):
            if sid in seen:
                errs.append((("sections", i, "id"), _("duplicate id %(id)s", id=repr(sid))))
            seen.add(sid)
        ctx.langs_of(errs, ("sections", i, "title"), section.get("title"), True)
        own_items = {it.get("id") for it in _seq(section.get("items")) if isinstance(it, dict)}
        _check_condition(errs, ("sections", i, "when"), section.get("when"), ctx, None, own_items)
        for j, item in enumerate(_seq(section.get("items"))):
            if not isinstance(item, dict):
                continue
            loc: Loc = ("sections", i, "items", j)
            iid = item.get("id")
            if isinstance(iid, str):
                if iid in seen:
                    errs.append(((*loc, "id"), _("duplicate id %(id)s", id=repr(iid))))
                seen.add(iid)
            _check_item(errs, loc, item, ctx)
            if isinstance(iid, str) and iid not in ctx.earlier:
                ctx.earlier[iid] = item
    return errs
