"""Conditions (``when`` of an item or a section) of formats.md: the model and its meaning.

A condition is a leaf on an earlier item's answer (``{item, in}``, ``{item, not_in}``), a
leaf on the visit's variant (``{variant: [ids]}``), or ``all`` / ``any`` / ``not`` of
conditions. Plain boolean logic: a leaf whose item is unanswered or hidden is false,
whether it says ``in`` or ``not_in``. The engine, ``visible_items`` and completeness all
evaluate conditions through ``compile_condition``; ``condition_to_dict`` is the one data
form (documents, exports and the phone's rules).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PlainValidator, Tag

from .fields import Identifier, fail
from .messages import _

_CONFIG = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True)


def _when_value(value: Any) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise fail(_("must be a string or a whole number"))
    return value


WhenValue = Annotated[str | int, PlainValidator(_when_value)]


class When(BaseModel):
    """Shown only if the earlier item ``item`` is shown and answered with one of ``in_``."""

    model_config = _CONFIG
    item: Identifier
    in_: tuple[WhenValue, ...] = Field(alias="in", min_length=1)


class WhenNot(BaseModel):
    """Shown only if the earlier item ``item`` is shown and answered with none of ``not_in``."""

    model_config = _CONFIG
    item: Identifier
    not_in: tuple[WhenValue, ...] = Field(min_length=1)


class OnVariant(BaseModel):
    """Shown only on visits of one of these variants."""

    model_config = _CONFIG
    variant: tuple[Identifier, ...] = Field(min_length=1)


class AllOf(BaseModel):
    """True when every condition is (an empty list is refused by the validator)."""

    model_config = _CONFIG
    all_: tuple[Condition, ...] = Field(alias="all")


class AnyOf(BaseModel):
    """True when at least one condition is."""

    model_config = _CONFIG
    any_: tuple[Condition, ...] = Field(alias="any")


class Not(BaseModel):
    """True when the condition is not."""

    model_config = _CONFIG
    not_: Condition = Field(alias="not")


# The tags are left out of error locations (errors.py drops parts starting with "<").
_SHAPES = (("all", "<all>"), ("any", "<any>"), ("not", "<not>"), ("variant", "<variant>"))


def _shape(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return {
            When: "<in>",
            WhenNot: "<not_in>",
            OnVariant: "<variant>",
            AllOf: "<all>",
            AnyOf: "<any>",
            Not: "<not>",
        }.get(type(value))
    if not isinstance(value, dict):
        return None
    for key, tag in _SHAPES:
        if key in value:
            return tag
    if "not_in" in value:
        return "<not_in>"
    if "item" in value or "in" in value:
        return "<in>"
    return None


CONDITION_SHAPE = "condition_shape"  # the error type of a mapping that is no condition

Condition = Annotated[
    Annotated[When, Tag("<in>")]
    | Annotated[WhenNot, Tag("<not_in>")]
    | Annotated[OnVariant, Tag("<variant>")]
    | Annotated[AllOf, Tag("<all>")]
    | Annotated[AnyOf, Tag("<any>")]
    | Annotated[Not, Tag("<not>")],
    Discriminator(
        _shape,
        custom_error_type=CONDITION_SHAPE,
        custom_error_message="must be a condition",
    ),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()

ConditionNode = When | WhenNot | OnVariant | AllOf | AnyOf | Not

# A compiled condition: (answer lookup, ids of the items hidden so far, the visit's variant).
Predicate = Callable[[Callable[[str], Any], set[str], str | None], bool]


def referenced_items(cond: ConditionNode) -> frozenset[str]:
    """The ids of the items whose answers this condition reads (a variant reads none)."""
    if isinstance(cond, When | WhenNot):
        return frozenset((cond.item,))
    if isinstance(cond, AllOf):
        return frozenset().union(*(referenced_items(c) for c in cond.all_))
    if isinstance(cond, AnyOf):
        return frozenset().union(*(referenced_items(c) for c in cond.any_))
    if isinstance(cond, Not):
        return referenced_items(cond.not_)
    return frozenset()


def condition_to_dict(cond: ConditionNode) -> dict[str, Any]:
    """The document form of a condition (also the data the phone's script reads)."""
    if isinstance(cond, When):
        return {"item": cond.item, "in": list(cond.in_)}
    if isinstance(cond, WhenNot):
        return {"item": cond.item, "not_in": list(cond.not_in)}
    if isinstance(cond, OnVariant):
        return {"variant": list(cond.variant)}
    if isinstance(cond, AllOf):
        return {"all": [condition_to_dict(c) for c in cond.all_]}
    if isinstance(cond, AnyOf):
        return {"any": [condition_to_dict(c) for c in cond.any_]}
    return {"not": condition_to_dict(cond.not_)}


def _among(value: Any, values: frozenset[Any]) -> bool | None:
    """Whether an answer is one of ``values``; ``None`` when there is no usable answer."""
    if value is None or value.__class__ is bool:
        return None
    try:
        return value in values
    except TypeError:  # unhashable garbage is no answer (validation reports it)
        return None


def compile_condition(cond: ConditionNode) -> Predicate:
    """The condition as a function of (answer lookup, hidden item ids, variant)."""
    if isinstance(cond, When | WhenNot):
        ref = cond.item
        listed = frozenset(cond.in_ if isinstance(cond, When) else cond.not_in)
        wanted = isinstance(cond, When)

        def leaf(get: Callable[[str], Any], hidden: set[str], variant: str | None) -> bool:
            if ref in hidden:
                return False
            found = _among(get(ref), listed)
            return found is not None and found is wanted

        return leaf
    if isinstance(cond, OnVariant):
        variants = frozenset(cond.variant)
        return lambda get, hidden, variant: variant in variants
    if isinstance(cond, Not):
        inner = compile_condition(cond.not_)
        return lambda get, hidden, variant: not inner(get, hidden, variant)
    parts = tuple(
        compile_condition(c) for c in (cond.all_ if isinstance(cond, AllOf) else cond.any_)
    )
    if isinstance(cond, AllOf):
        return lambda get, hidden, variant: all(p(get, hidden, variant) for p in parts)
    return lambda get, hidden, variant: any(p(get, hidden, variant) for p in parts)


def both(first: Predicate | None, second: Predicate | None) -> Predicate | None:
    """A section's condition and an item's together (``None`` when neither has one)."""
    if first is None or second is None:
        return first or second
    return lambda get, hidden, variant: first(get, hidden, variant) and second(get, hidden, variant)
