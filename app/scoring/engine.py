"""The scoring engine of scoring.md: one visit's answers in, a ScoreResult out.

Pure and fast: it walks the checklist's precompiled plan once, keeps full float
precision (rounding is for display only) and never touches a database or clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .checklist import Checklist
from .errors import DocumentError
from .messages import _
from .plan import BAD, DELIGHT, NA, NUMBER, PERFORMANCE, TEXT, Plan, plan_for, visible_items

_HIDDEN = -3.0  # fraction-list markers besides NA and None (unanswered)
_ANSWERED_TEXT = -4.0


@dataclass(slots=True)
class ItemScore:
    """How one item counted: ``applicable`` items add ``earned`` of ``possible`` points.

    ``fraction``/``met`` are set only for applicable scored items. ``shown`` is false
    for items hidden by a ``when`` rule.
    """

    applicable: bool
    fraction: float | None
    earned: float
    possible: float
    met: bool | None
    shown: bool = True


@dataclass
class ScoreResult:
    """The result of scoring one visit (scoring.md §6); ``items`` gives per-item detail."""

    score: float | None
    raw_score: float | None
    critical_failure: bool
    band: str | None
    delight: float | None
    must_failures: list[str]
    critical_failures: list[str]
    sections: dict[str, float | None]
    dimensions: dict[str, float | None]
    missing: list[str]
    _checklist: Checklist = field(repr=False, compare=False)
    _answers: Mapping[str, Any] = field(repr=False, compare=False)
    _fractions: list[float | None] = field(repr=False, compare=False)
    _items: dict[str, ItemScore] | None = field(default=None, repr=False, compare=False)
    _variant: str | None = field(default=None, repr=False, compare=False)

    @property
    def scorable(self) -> bool:
        """False when no section had an applicable must/performance item."""
        return self.raw_score is not None

    @property
    def items(self) -> dict[str, ItemScore]:
        """Per-item scores in checklist order (built on first use; scoring stays fast)."""
        if self._items is None:
            self._items = _item_scores(self)
        return self._items

    def to_dict(self) -> dict[str, Any]:
        """Exactly the JSON object of scoring.md §6."""
        return {
            "score": self.score,
            "raw_score": self.raw_score,
            "critical_failure": self.critical_failure,
            "band": self.band,
            "delight": self.delight,
            "must_failures": list(self.must_failures),
            "critical_failures": list(self.critical_failures),
            "sections": dict(self.sections),
            "dimensions": dict(self.dimensions),
            "missing": list(self.missing),
        }


class _BadValue(Exception):
    pass


def score_visit(
    checklist: Checklist, answers: Mapping[str, Any] | Any, variant: str | None = None
) -> ScoreResult:
    """Score one visit exactly as scoring.md says.

    ``answers`` maps item ids to normalized values (``"yes"``/``"no"``/``"na"``, ints,
    floats, option ids, text; ``None`` or absent = unanswered), or is a
    ``VisitDocument`` (which also gives the variant). ``variant`` is the visit's variant
    for ``{variant: [...]}`` conditions. A value an item cannot take raises ``DocumentError``.
    """
    if hasattr(answers, "answer_values"):
        variant = variant or getattr(answers, "variant", None)
        answers = answers.answer_values()
    plan = plan_for(checklist)
    try:
        return _score(checklist, plan, answers, variant)
    except (_BadValue, TypeError):
        from .visit import validate_answers

        validate_answers(checklist, answers)
        message = _("contain values the checklist cannot score")
        raise DocumentError([f"answers: {message}"]) from None


def _score(
    checklist: Checklist, plan: Plan, answers: Mapping[str, Any], variant: str | None
) -> ScoreResult:
    get = answers.get
    n_sections = len(plan.section_ids)
    n_dims = len(plan.dimensions)
    se = [0.0] * n_sections
    sp = [0.0] * n_sections
    de = [0.0] * n_dims
    dp = [0.0] * n_dims
    dle = dlp = 0.0
    must_failures: list[str] = []
    critical_failures: list[str] = []
    missing: list[str] = []
    fractions: list[float | None] = []
    keep = fractions.append
    hidden: set[str] = set()
    for iid, kind, tab, target, limit, pts, cls, s, d, crit, req, when in plan.steps:
        if when is not None and not when(get, hidden, variant):
            hidden.add(iid)
            keep(_HIDDEN)
            continue
        v = get(iid)
        if v is None:
            if req:
                missing.append(iid)
            keep(None)
            continue
        if kind == 0:
            f = tab.get(v, BAD)
        elif kind == TEXT:
            if v.__class__ is str and not v.strip():  # blank text is no answer
                if req:
                    missing.append(iid)
                keep(None)
            else:
                keep(_ANSWERED_TEXT)
            continue
        elif v.__class__ is str:
            f = NA if tab and v == "na" else BAD
        elif kind == NUMBER:  # an informational measure: any number, never scored
            keep(_ANSWERED_TEXT)
            continue
        elif kind == 1:  # measure, better lower
            if v <= target:
                f = 1.0
            elif limit is None or v >= limit:
                f = 0.0
            else:
                f = (limit - v) / (limit - target)
        elif v >= target:  # measure, better higher
            f = 1.0
        elif limit is None or v <= limit:
            f = 0.0
        else:
            f = (v - limit) / (target - limit)
        if f < 0.0:
            if f == NA:
                keep(NA)
                continue
            raise _BadValue(iid)
        keep(f)
        e = f * pts
        if cls <= PERFORMANCE:
            se[s] += e
            sp[s] += pts
            de[d] += e
            dp[d] += pts
            if f < 1.0:
                if cls == 0:
                    must_failures.append(iid)
                if crit:
                    critical_failures.append(iid)
        elif cls == DELIGHT:
            dle += e
            dlp += pts
            if f < 1.0 and crit:
                critical_failures.append(iid)

    sections: dict[str, float | None] = {}
    num = den = 0.0
    weights = plan.weights
    for i, sid in enumerate(plan.section_ids):
        p = sp[i]
        if p > 0.0:
            c = min(100.0 * se[i] / p, 100.0)
            sections[sid] = c
            num += weights[i] * c
            den += weights[i]
        else:
            sections[sid] = None
    raw = min(num / den, 100.0) if den > 0.0 else None
    dimensions = {
        name: (min(100.0 * de[i] / dp[i], 100.0) if dp[i] > 0.0 else None)
        for i, name in enumerate(plan.dimensions)
    }
    delight = min(100.0 * dle / dlp, 100.0) if dlp > 0.0 else None
    critical = bool(critical_failures)
    score = raw
    band = None
    if score is not None:
        if critical and plan.critical_cap < score:
            score = plan.critical_cap
        if score < plan.adequate or must_failures or critical:
            band = "below"
        elif score >= plan.desired and delight is not None and delight > 0.0:
            band = "delighted"
        else:
            band = "within"
    return ScoreResult(
        score,
        raw,
        critical,
        band,
        delight,
        must_failures,
        critical_failures,
        sections,
        dimensions,
        missing,
        checklist,
        answers,
        fractions,
        None,
        variant,
    )


def _item_scores(result: ScoreResult) -> dict[str, ItemScore]:
    plan = plan_for(result._checklist)
    by_step = {step[0]: (step, f) for step, f in zip(plan.steps, result._fractions, strict=True)}
    shown = visible_items(result._checklist, result._answers, result._variant)
    out: dict[str, ItemScore] = {}
    for item_id in plan.items:
        entry = by_step.get(item_id)
        f = entry[1] if entry else None
        if entry is None or f is None or f < 0.0 or entry[0][6] > 2:
            out[item_id] = ItemScore(False, None, 0.0, 0.0, None, item_id in shown)
            continue
        points = entry[0][5]
        out[item_id] = ItemScore(True, f, f * points, points, f >= 1.0, True)
    return out
