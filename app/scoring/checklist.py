"""The checklist model: moments of truth (sections) holding standards (items).

Models are frozen; build them with ``parse_checklist`` so every rule of formats.md is
checked (constructing them directly only checks field types).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .conditions import Condition, WhenValue
from .fields import Boolean, Identifier, LanguageTag, TextField, integer, number, one_of
from .text import languages_of, pick_language

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
_BY_ALIAS = ConfigDict(frozen=True, extra="forbid", validate_by_name=False, validate_by_alias=True)


class Option(BaseModel):
    """One answer of a ``choice`` item with the fraction it earns.

    An option with ``na: true`` carries no score in the document (``score`` reads 0 and is
    never used): choosing it makes the item not applicable, in the option's own words
    ("No promotion running"). Every other option must give its score (rules.py).
    """

    model_config = _CONFIG
    id: Identifier
    text: TextField
    score: Fraction = 0
    na: Boolean = False


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
FromField = Annotated[int, one_of(0, 1)]
Values = tuple[WhenValue, ...]


class Variant(BaseModel):
    """A kind of visit sharing the checklist (an enquiry and a transaction)."""

    model_config = _CONFIG
    id: Identifier
    name: TextField


class Labels(BaseModel):
    """The checklist's own words for the fixed answers (yes, no) and for N/A."""

    model_config = _CONFIG
    yes: TextField | None = None
    no: TextField | None = None
    na: TextField | None = None


class Item(BaseModel):
    """A standard. Scoring fields are ``None`` on ``text``/``photo`` items."""

    # ``scored`` is the property every caller reads; the document's key is an alias
    # of ``scored_flag`` and only the alias is accepted as input.
    model_config = _BY_ALIAS
    id: Identifier
    text: TextField
    help: TextField | None = None
    group: TextField | None = None
    kind: KindField
    scored_flag: Boolean = Field(default=True, alias="scored")
    unit: TextField | None = None
    better: BetterField | None = None
    target: NonNegative | None = None
    limit: NonNegative | None = None
    min: NonNegative | None = None
    max: NonNegative | None = None
    integer: Boolean = False
    scale: ScaleField | None = None
    from_: FromField | None = Field(default=None, alias="from")
    options: tuple[Option, ...] | None = None
    kano: KanoField | None = None
    dimension: DimensionField | None = None
    points: Positive | None = None
    critical: Boolean | None = None
    na: Boolean = False
    required: Boolean = True
    photo: EvidenceField | None = None
    when: Condition | None = None
    min_chars: Count | None = None
    min_photos: PhotoCount | None = None
    require_comment: Values | None = None
    require_photo: Values | None = None

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
            filled["from"] = 1
        if kind == "measure":
            filled["min"] = 0
        if kind == "photo":
            filled["min_photos"] = 1
        for key, value in filled.items():
            if data.get(key) is None:
                data[key] = value
        return data

    @property
    def scored(self) -> bool:
        """True for items that earn points: check, rating, choice, measure, unless
        ``scored: false`` makes them informational."""
        return self.kind in SCORED_KINDS and self.scored_flag

    @property
    def lowest(self) -> int:
        """The lowest value of a rating (``from``: 0 or 1)."""
        return 1 if self.from_ is None else self.from_

    @property
    def takes_photos(self) -> bool:
        """Photos may be added: a photo item, evidence optional or required, or an answer
        that can ask for one (``require_photo``)."""
        return (
            self.kind == "photo"
            or self.photo in ("optional", "required")
            or bool(self.require_photo)
        )

    def na_options(self) -> frozenset[str]:
        """Ids of the options that make a choice not applicable."""
        return frozenset(o.id for o in self.options or () if o.na)


class Section(BaseModel):
    """A moment of truth: a weighted group of items, in visit order."""

    model_config = _CONFIG
    id: Identifier
    title: TextField
    weight: Positive = 1
    when: Condition | None = None
    items: tuple[Item, ...] = Field(min_length=1)


class Checklist(BaseModel):
    """A checklist version's content (the ``format: 1`` document)."""

    model_config = _BY_ALIAS  # the document says ``languages``, never ``content_languages``
    format: FormatVersion
    code: Identifier
    name: TextField
    channel: ChannelField = "in_person"
    adequate: Percent = 70
    desired: Percent = 90
    critical_cap: Percent = 0
    alert_drop: Positive = 10
    scenario: TextField | None = None
    content_languages: tuple[LanguageTag, ...] | None = Field(default=None, alias="languages")
    labels: Labels | None = None
    variants: tuple[Variant, ...] | None = None
    sections: tuple[Section, ...] = Field(min_length=1)

    def __hash__(self) -> int:
        """Hash of the content, so equal checklists hash alike (usable as cache keys)."""
        from .plan import plan_for

        return hash(plan_for(self).digest)

    @property
    def languages(self) -> tuple[str, ...]:
        """The content languages, the default first: ``languages`` when given, else those
        of ``name``; ``()`` when neither says (plain texts, any language)."""
        if self.content_languages:
            return self.content_languages
        return languages_of(self.name)

    def content_language(self, wanted: str) -> str | None:
        """The language to show this checklist's texts in for a reader wanting ``wanted``
        (formats.md: the reader's when the checklist has it, else its first)."""
        return pick_language(self.languages, wanted)

    @property
    def variant_ids(self) -> tuple[str, ...]:
        """Ids of the checklist's variants (``()`` when it has none)."""
        return tuple(v.id for v in self.variants or ())

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
