"""Per-standard figures of a branch in a wave, from its approved visits' answers.

The stored aggregates hold means per moment and dimension; which standards failed,
how often and in which visits needs the answers, scored by the engine (a branch has
a handful of visits per wave, so this stays cheap).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.i18n import _
from app.models import Answer, Visit, VisitScore, VisitStatus
from app.models.answer_codec import NA, decode, engine_value
from app.models.base import row_id
from app.scoring import Checklist as ChecklistDoc
from app.scoring import Item, score_visit, text_for


@dataclass
class ItemStat:
    """How one standard fared over a branch's scored visits in one wave."""

    applicable: int = 0
    failed: int = 0
    fraction_sum: float = 0.0
    failed_visits: list[int] = field(default_factory=list)

    @property
    def compliance(self) -> float | None:
        """Mean fraction met, in percent, over the visits where it applied."""
        return 100.0 * self.fraction_sum / self.applicable if self.applicable else None

    @property
    def failure_rate(self) -> float | None:
        """Share of the visits where it applied in which it failed, in percent."""
        return 100.0 * self.failed / self.applicable if self.applicable else None


def counted_visits(db: Session, *, branch_ids: Iterable[int], wave_id: int) -> list[Visit]:
    """Approved visits with a score: the only ones scorecards count (scoring.md §7)."""
    return list(
        db.exec(
            select(Visit)
            .join(VisitScore, col(VisitScore.visit_id) == Visit.id)
            .where(
                col(Visit.branch_id).in_(list(branch_ids)),
                Visit.wave_id == wave_id,
                Visit.status == VisitStatus.approved,
                col(VisitScore.score).is_not(None),
            )
            .order_by(col(Visit.time_in), col(Visit.id))
        )
    )


def answers_by_visit(db: Session, visit_ids: list[int]) -> dict[int, dict[str, Answer]]:
    out: dict[int, dict[str, Answer]] = {vid: {} for vid in visit_ids}
    if visit_ids:
        for row in db.exec(select(Answer).where(col(Answer.visit_id).in_(visit_ids))):
            out[row.visit_id][row.item_id] = row
    return out


def item_stats(
    document: ChecklistDoc, visits: list[Visit], values: dict[int, dict[str, Any]]
) -> dict[str, ItemStat]:
    """Item id -> its stats, for every scored item of the checklist, in checklist order.

    `values` holds each visit's answers as the engine takes them (visit id -> item -> value).
    """
    stats = {item.id: ItemStat() for item in document.all_items() if item.scored}
    for visit in visits:
        visit_id = row_id(visit)
        for item_id, scored in score_visit(
            document, values.get(visit_id, {}), visit.variant
        ).items.items():
            if item_id not in stats or not scored.applicable or scored.fraction is None:
                continue
            stat = stats[item_id]
            stat.applicable += 1
            stat.fraction_sum += scored.fraction
            if not scored.met:
                stat.failed += 1
                stat.failed_visits.append(visit_id)
    return stats


def visit_values(db: Session, visit_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Visit id -> {item id: value as the engine takes it}, read as plain columns (fast)."""
    out: dict[int, dict[str, Any]] = {vid: {} for vid in visit_ids}
    if visit_ids:
        query = select(Answer.visit_id, Answer.item_id, Answer.value, Answer.na).where(
            col(Answer.visit_id).in_(visit_ids)
        )
        for visit_id, item_id, value, na in db.exec(query):
            out[visit_id][item_id] = decode(value, na)
    return out


def branch_item_stats(
    db: Session, *, document: ChecklistDoc, branch_id: int, wave_id: int
) -> tuple[list[Visit], dict[str, ItemStat]]:
    """The branch's counted visits in the wave and the per-item stats over them."""
    visits = counted_visits(db, branch_ids=[branch_id], wave_id=wave_id)
    return visits, item_stats(document, visits, visit_values(db, [row_id(v) for v in visits]))


def answer_text(
    item: Item, answer: Answer | None, lang: str, words: Mapping[str, str] | None = None
) -> str:
    """An answer as a person reads it ("Yes", "4 / 5", an option's text, "42 s", "N/A");
    ``words`` are the checklist's own Yes, No and N/A (`answer_words.answer_labels`)."""
    value: Any = engine_value(answer)
    if value is None:
        return _("Not answered")
    said = words or {}
    if value == NA:
        return said.get("na") or _("N/A")
    if item.kind == "check":
        if value in ("yes", "no"):
            return said.get(value) or (_("Yes") if value == "yes" else _("No"))
        return str(value)
    if item.kind == "rating":
        return f"{value} / {item.scale or 5}"
    if item.kind == "choice":
        for option in item.options or ():
            if option.id == value:
                return text_for(option.text, lang)
        return str(value)
    if item.kind == "measure":
        unit = text_for(item.unit, lang) if item.unit else ""
        return f"{value:g} {unit}".strip() if isinstance(value, int | float) else str(value)
    return str(value)


def answer_cell(
    item: Item, answer: Answer | None, lang: str, words: Mapping[str, str] | None = None
) -> str | int | float | None:
    """An answer as a spreadsheet cell: ratings and measures stay numbers (the unit and
    scale belong in the column's header), every other answer reads as `answer_text` says;
    None (an empty cell) when there is no answer."""
    value: Any = engine_value(answer)
    if value is None:
        return None
    if item.kind in ("rating", "measure") and isinstance(value, int | float):
        return value
    return answer_text(item, answer, lang, words)
