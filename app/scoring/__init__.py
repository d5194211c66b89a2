"""ShopMirror's pure scoring core: checklist and visit formats, the engine, aggregation.

No web framework, database or file access here: documents come in as text or dicts,
results go out as plain data. The rules are in /work/shared/scoring.md and formats.md.
"""

from .aggregate import (
    BranchAggregate,
    EarlyWarning,
    RegionAggregate,
    VisitRecord,
    aggregate_branch,
    aggregate_region,
    code_key,
    early_warnings,
    rank_key,
    ranked,
    region_score,
    trend,
    weakest_section,
    zone_of,
)
from .checklist import DIMENSIONS, KANO, KINDS, Checklist, Item, Labels, Option, Section, Variant
from .completeness import (
    Need,
    Problem,
    answered,
    completeness,
    completeness_rules,
    photo_requirements,
    text_length,
)
from .conditions import AllOf, AnyOf, Not, OnVariant, When, WhenNot, condition_to_dict
from .engine import ItemScore, ScoreResult, score_visit
from .errors import DocumentError
from .export import checklist_to_dict, content_hash, dump_checklist, parse_checklist
from .messages import use_translator
from .plan import controls_visibility, visible_items
from .text import direction, is_rtl, tag_for, text_for
from .visit import (
    AnswerDoc,
    VisitDocument,
    parse_visit,
    score_documents,
    validate_answer,
    validate_answers,
)

__all__ = [
    "DIMENSIONS",
    "KANO",
    "KINDS",
    "AllOf",
    "AnswerDoc",
    "AnyOf",
    "BranchAggregate",
    "Checklist",
    "DocumentError",
    "EarlyWarning",
    "Item",
    "ItemScore",
    "Labels",
    "Need",
    "Not",
    "OnVariant",
    "Option",
    "Problem",
    "RegionAggregate",
    "ScoreResult",
    "Section",
    "Variant",
    "VisitDocument",
    "VisitRecord",
    "When",
    "WhenNot",
    "aggregate_branch",
    "aggregate_region",
    "answered",
    "checklist_to_dict",
    "code_key",
    "completeness",
    "completeness_rules",
    "condition_to_dict",
    "content_hash",
    "controls_visibility",
    "direction",
    "dump_checklist",
    "early_warnings",
    "is_rtl",
    "parse_checklist",
    "parse_visit",
    "photo_requirements",
    "rank_key",
    "ranked",
    "region_score",
    "score_documents",
    "score_visit",
    "tag_for",
    "text_for",
    "text_length",
    "trend",
    "use_translator",
    "validate_answer",
    "validate_answers",
    "visible_items",
    "weakest_section",
    "zone_of",
]
