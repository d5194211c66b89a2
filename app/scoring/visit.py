"""The visit document (formats.md) and validation of answers against a checklist."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .checklist import Checklist, Item
from .errors import DocumentError, Loc, pydantic_errors, raise_if_any
from .fields import Identifier, String, integer, is_number, one_of
from .messages import _
from .plan import plan_for
from .source import load_document

_CONFIG = ConfigDict(frozen=True, extra="forbid")


class AnswerDoc(BaseModel):
    """One answer: its value (``None`` = unanswered) and the shopper's comment."""

    model_config = _CONFIG
    value: Any = None
    comment: str | None = None


class VisitDocument(BaseModel):
    """A visit report as shoppers or agencies exchange it (``format: 1``)."""

    model_config = _CONFIG
    format: Annotated[Literal[1], one_of(1)]
    checklist: Identifier
    checklist_version: Annotated[int, integer(ge=1)] | None = None
    branch: String
    variant: Identifier | None = None
    visited_at: datetime
    time_out: datetime | None = None
    external_id: String | None = None
    answers: dict[str, AnswerDoc] = {}

    def answer_values(self) -> dict[str, Any]:
        """``{item id: value}``, the form ``score_visit`` takes."""
        return {key: doc.value for key, doc in self.answers.items()}


def _na_hint(item: Item) -> str:
    return _(", or 'na'") if item.na else ""


def _measure(item: Item, value: Any) -> Any:
    """A measure's value within ``min``..``max``, whole where ``integer`` is set."""
    low = item.min if item.min is not None else 0
    hint = _na_hint(item)
    if not is_number(value):
        if item.max is not None:
            raise ValueError(
                _("must be a number from %(min)s to %(max)s", min=low, max=item.max) + hint
            )
        raise ValueError(_("must be a number ≥ %(min)s", min=low) + hint)
    if value < low or (item.max is not None and value > item.max):
        if item.max is not None:
            raise ValueError(
                _("must be a number from %(min)s to %(max)s", min=low, max=item.max) + hint
            )
        raise ValueError(_("must be a number ≥ %(min)s", min=low) + hint)
    if item.integer:
        if not float(value).is_integer():
            raise ValueError(_("must be a whole number"))
        return int(value)
    return value


def _normalize(item: Item, value: Any, from_form: bool) -> Any:
    """The normalized value, or raise ``ValueError`` with the message for the user."""
    if from_form and isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
        if item.kind in ("rating", "measure") and value.lower() != "na":
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if math.isfinite(number):
                value = int(number) if number.is_integer() else number
    if isinstance(value, str) and value.lower() == "na" and (item.kind != "text" or item.na):
        if not item.na:
            raise ValueError(_("N/A is not allowed for this item"))
        return "na"
    if item.kind == "check":
        if isinstance(value, str) and value.lower() in ("yes", "no"):
            return value.lower()
        raise ValueError(_("must be 'yes' or 'no'") + _na_hint(item))
    if item.kind == "rating":
        scale, low = item.scale or 5, item.lowest
        if is_number(value) and float(value).is_integer() and low <= value <= scale:
            return int(value)
        raise ValueError(
            _("must be a whole number from %(min)s to %(max)s", min=low, max=scale) + _na_hint(item)
        )
    if item.kind == "choice":
        ids = [o.id for o in item.options or ()]
        if not isinstance(value, str):
            raise ValueError(
                _("must be an option id (%(ids)s)", ids=", ".join(ids)) + _na_hint(item)
            )
        if value not in ids:
            raise ValueError(_("unknown option %(id)s", id=repr(value)))
        return value
    if item.kind == "measure":
        return _measure(item, value)
    if item.kind == "text":
        if not isinstance(value, str):
            raise ValueError(_("must be a string"))
        return value if value.strip() else None
    raise ValueError(_("photo items take files, not answers"))


def validate_answer(
    checklist: Checklist, item_id: str, value: Any, *, from_form: bool = False
) -> Any:
    """Check one answer and return its normalized value (``None`` = unanswered).

    Used for every autosaved answer, so a wrong type is refused at once rather than
    scored as a silent zero. ``from_form=True`` also accepts HTML form strings
    (``"4"`` for a rating, ``""`` for unanswered). Raises
    ``DocumentError(["answers.<id>: ..."])``.
    """
    item = plan_for(checklist).items.get(item_id)
    if item is None:
        raise DocumentError([f"answers.{item_id}: " + _("unknown item")])
    if item.kind == "photo":
        raise DocumentError([f"answers.{item_id}: " + _("photo items take files, not answers")])
    if value is None:
        return None
    try:
        return _normalize(item, value, from_form)
    except ValueError as exc:
        raise DocumentError([f"answers.{item_id}: {exc}"]) from None


def validate_answers(checklist: Checklist, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a whole ``{item id: value}`` map, reporting every bad answer at once."""
    errors: list[str] = []
    out: dict[str, Any] = {}
    for item_id, value in answers.items():
        try:
            out[item_id] = validate_answer(checklist, str(item_id), value)
        except DocumentError as exc:
            errors.extend(exc.errors)
    if errors:
        raise DocumentError(errors)
    return out


def parse_visit(source: str | bytes | dict[str, Any], checklist: Checklist) -> VisitDocument:
    """Validate a visit document (YAML/JSON text or dict) against its checklist.

    Returns the document with normalized answer values; raises ``DocumentError`` with
    every problem (``answers.offer: unknown option 'gold'``).
    """
    doc = load_document(source)
    if not isinstance(doc, dict):
        raise DocumentError(["document: " + _("must be a mapping")])
    errors: list[tuple[Loc, str]] = []
    visit: VisitDocument | None = None
    try:
        visit = VisitDocument.model_validate(doc)
    except ValidationError as exc:
        errors.extend(pydantic_errors(exc))
    if visit is not None and visit.time_out is not None and _before(visit.time_out, visit):
        errors.append((("time_out",), _("must not be before visited_at")))
    code = doc.get("checklist")
    if isinstance(code, str) and code != checklist.code:
        errors.append(
            (
                ("checklist",),
                _(
                    "is %(code)s but the checklist is %(checklist)s",
                    code=repr(code),
                    checklist=repr(checklist.code),
                ),
            )
        )
    errors.extend(variant_errors(checklist, doc.get("variant")))
    answers = doc.get("answers")
    if isinstance(answers, dict):
        for item_id, answer in answers.items():
            value = answer.get("value") if isinstance(answer, dict) else None
            try:
                validate_answer(checklist, str(item_id), value)
            except DocumentError as exc:
                errors.extend((("answers", str(item_id)), e.split(": ", 1)[1]) for e in exc.errors)
    raise_if_any(errors)
    assert visit is not None
    normalized = {
        key: doc_.model_copy(update={"value": validate_answer(checklist, key, doc_.value)})
        for key, doc_ in visit.answers.items()
    }
    return visit.model_copy(update={"answers": normalized})


def variant_errors(checklist: Checklist, variant: Any) -> list[tuple[Loc, str]]:
    """A visit names one of its checklist's variants when the checklist has them, else none.

    (A variant that is not an identifier at all is reported by the document's model.)
    """
    ids = checklist.variant_ids
    if not ids:
        if variant is not None:
            return [(("variant",), _("the checklist has no variants"))]
        return []
    if variant is None:
        return [(("variant",), _("is required (variants: %(ids)s)", ids=", ".join(ids)))]
    if isinstance(variant, str) and variant not in ids:
        return [
            (
                ("variant",),
                _(
                    "unknown variant %(id)s (variants: %(ids)s)",
                    id=repr(variant),
                    ids=", ".join(ids),
                ),
            )
        ]
    return []


def _before(time_out: datetime, visit: VisitDocument) -> bool:
    try:
        return time_out < visit.visited_at
    except TypeError:  # one naive and one aware time cannot be compared; leave it
        return False


def score_documents(
    checklist_source: str | bytes | dict[str, Any], visit_source: str | bytes | dict[str, Any]
) -> dict[str, Any]:
    """Score a visit document against a checklist document offline (the ``score`` command).

    Returns the JSON object of scoring.md §6; raises ``DocumentError`` for either file.
    """
    from .engine import score_visit
    from .export import parse_checklist

    checklist = parse_checklist(checklist_source)
    return score_visit(checklist, parse_visit(visit_source, checklist)).to_dict()
