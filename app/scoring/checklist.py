"""The checklist model: moments of truth (sections) holding standards (items).

Models are frozen; build them with ``parse_checklist`` so every rule of formats.md is
checked (constructing them directly only checks field types).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, model_validator

from .fields import Boolean, Identifier, TextField, fail, integer, number, one_of
from .text import languages_of

KINDS = ("check", "rating", "choice", "measure", "text", "photo")
SCORED_KINDS = frozenset({"check", "rating", "choice", "measure"})
KANO = ("must", "performance", "delight")
DIMENSIONS = ("core", "support", "promise", "interaction", "emotion")
EVIDENCE = ("none", "optional", "required")
CHANNELS = ("in_person", "phone", "online")

# Defaults filled in for scored items only; text/photo items keep None there.
SCORED_DEFAULTS: dict[str, Any] = {
    "kano": "performance",
    "dimension": "interaction",
    "points": 1,
    "critical": False,
}

Kind = Literal["check", "rating", "choice", "measure", "text", "photo"]
Kano = Literal["must", "performance", "delight"]
Dimension = Literal["core", "support", "promise", "interaction", "emotion"]
Evidence = Literal["none", "optional", "required"]
Channel = Literal["in_person", "phone", "online"]
Better = Literal["lower", "higher"]

_CONFIG = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True)


class Option(BaseModel):
    """One answer of a ``choice`` item with the fraction it earns."""

    model_config = _CONFIG
    id: Identifier
    text: TextField
    score: Fraction


def _when_value(value: Any) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise fail("must be a string or a whole number")
    return value


WhenValue = Annotated[str | int, PlainValidator(_when_value)]
NonNegative = Annotated[float, number(ge=0)]
Positive = Annotated[float, number(gt=0)]
Percent = Annotated[float, number(ge=0, le=100)]
Fraction = Annotated[float, number(ge=0, le=1)]
FormatVersion = Annotated[Literal[1], one_of(1)]
KindField = Annotated[Kind, one_of(*KINDS)]
KanoField = Annotated[Kano, one_of(*KANO)]
DimensionField = Annotated[Dimension, one_of(*DIMENSIONS)]
EvidenceField = Annotated[Evidence, one_of(*EVIDENCE)]
ChannelField = Annotated[Channel, one_of(*CHANNELS)]
BetterField = Annotated[Better, one_of("lower", "higher")]
ScaleField = Annotated[int, integer(ge=2)]
Count = Annotated[int, integer(ge=0)]
PhotoCount = Annotated[int, integer(ge=1)]


class When(BaseModel):
    """Skip logic: show the item only if an earlier item's answer is one of ``in_``."""

    model_config = _CONFIG
    item: Identifier
    in_: tuple[WhenValue, ...] = Field(alias="in", min_length=1)


class Item(BaseModel):
    """A standard. Scoring fields are ``None`` on ``text``/``photo`` items."""

    model_config = _CONFIG
    id: Identifier
    text: TextField
    help: TextField | None = None
    kind: KindField
    unit: TextField | None = None
    better: BetterField | None = None
    target: NonNegative | None = None
    limit: NonNegative | None = None
    scale: ScaleField | None = None
    options: tuple[Option, ...] | None = None
    kano: KanoField | None = None
    dimension: DimensionField | None = None
    points: Positive | None = None
    critical: Boolean | None = None
    na: Boolean = False
    required: Boolean = True
    photo: EvidenceField | None = None
    when: When | None = None
    min_chars: Count | None = None
    min_photos: PhotoCount | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            return data
        data = dict(data)
        kind = data["kind"]
        filled: dict[str, Any] = {}
        if kind in SCORED_KINDS:
            filled.update(SCORED_DEFAULTS)
        if kind != "photo":
            filled["photo"] = "none"
        if kind == "rating":
            filled["scale"] = 5
        if kind == "photo":
            filled["min_photos"] = 1
        for key, value in filled.items():
            if data.get(key) is None:
                data[key] = value
        return data

    @property
    def scored(self) -> bool:
        """True for kinds that earn points (check, rating, choice, measure)."""
        return self.kind in SCORED_KINDS


class Section(BaseModel):
    """A moment of truth: a weighted group of items, in visit order."""

    model_config = _CONFIG
    id: Identifier
    title: TextField
    weight: Positive = 1
    items: tuple[Item, ...] = Field(min_length=1)


class Checklist(BaseModel):
    """A checklist version's content (the ``format: 1`` document)."""

    model_config = _CONFIG
    format: FormatVersion
    code: Identifier
    name: TextField
    channel: ChannelField = "in_person"
    adequate: Percent = 70
    desired: Percent = 90
    critical_cap: Percent = 0
    alert_drop: Positive = 10
    scenario: TextField | None = None
    sections: tuple[Section, ...] = Field(min_length=1)

    def __hash__(self) -> int:
        """Hash of the content, so equal checklists hash alike (usable as cache keys)."""
        from .plan import plan_for

        return hash(plan_for(self).digest)

    @property
    def languages(self) -> tuple[str, ...]:
        """The checklist's languages (those of ``name``); ``()`` when name is plain text."""
        return languages_of(self.name)

    def all_items(self) -> Iterator[Item]:
        """Every item in visit order."""
        for section in self.sections:
            yield from section.items

    def item(self, item_id: str) -> Item:
        """The item with this id (``KeyError`` if none)."""
        from .plan import plan_for

        return plan_for(self).items[item_id]

    def section_of(self, item_id: str) -> Section:
        """The section holding this item (``KeyError`` if none)."""
        from .plan import plan_for

        return plan_for(self).section_of[item_id]

    @property
    def section_ids(self) -> list[str]:
        """Section ids in checklist order (the order ties are broken by)."""
        return [s.id for s in self.sections]
