"""Every counted visit of a branch in a wave, standard by standard, for the report.

The visits are the ones the scorecard counts (approved, with a score); answers are
scored item by item with the pure engine so each row shows its points. Photos are
referenced by their stored thumbnails only. Nothing about the shopper is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.models import Answer, AuditAction, AuditEvent, Photo, Visit, VisitScore
from app.models.answer_codec import NA, engine_value, engine_values
from app.models.base import row_id
from app.scoring import Checklist as ChecklistDoc
from app.scoring import Item, ItemScore, score_visit, text_for
from app.services.answer_words import answer_labels
from app.services.checklists import checklist_of
from app.services.scorecards.items import answer_text, answers_by_visit, counted_visits
from app.services.scorecards.types import lang


@dataclass
class PhotoRef:
    id: int
    caption: str


@dataclass
class AnswerRow:
    """One shown standard of a visit: the answer as read, its points and evidence."""

    item: Item
    answer: str
    status: str  # met | fail | absent (a delighter not met) | na | unanswered | info
    earned: float | None
    possible: float | None
    comment: str
    corrected: bool
    photos: list[PhotoRef] = field(default_factory=list)

    @property
    def text(self) -> str:
        return text_for(self.item.text, lang())


@dataclass
class MomentRows:
    titles: str | dict[str, str]
    compliance: float | None
    rows: list[AnswerRow]

    @property
    def title(self) -> str:
        return text_for(self.titles, lang())


@dataclass
class VisitDetail:
    number: int
    visit: Visit
    score: float | None
    band: str | None
    critical_failure: bool
    moments: list[MomentRows]
    photos: int
    other_photos: list[PhotoRef] = field(default_factory=list)

    @property
    def minutes(self) -> int | None:
        v = self.visit
        if v.time_in is None or v.time_out is None:
            return None
        return round((v.time_out - v.time_in).total_seconds() / 60)


def _status(item: Item, answer: Answer | None, scored: ItemScore | None) -> str:
    value = engine_value(answer)
    if value is None:
        return "unanswered"
    if value == NA:
        return "na"
    if not item.scored or scored is None or scored.met is None:
        return "info"
    if scored.met:
        return "met"
    return "absent" if item.kano == "delight" else "fail"  # a missing delighter costs nothing


def _rows_for(
    document: ChecklistDoc,
    answers: dict[str, Answer],
    photos: dict[str, list[Photo]],
    corrected: set[str],
    variant: str | None = None,
) -> list[MomentRows]:
    result = score_visit(document, engine_values(answers.values()), variant)
    items = result.items
    words = answer_labels(document, lang())
    moments = []
    for section in document.sections:
        rows = []
        for item in section.items:
            scored = items.get(item.id)
            if scored is not None and not scored.shown:
                continue  # hidden by skip logic: not part of this visit
            answer = answers.get(item.id)
            counted = scored if scored is not None and scored.applicable and item.scored else None
            rows.append(
                AnswerRow(
                    item=item,
                    answer=answer_text(item, answer, lang(), words) if item.kind != "photo" else "",
                    status=_status(item, answer, scored),
                    earned=counted.earned if counted is not None else None,
                    possible=counted.possible if counted is not None else None,
                    comment=answer.comment if answer else "",
                    corrected=item.id in corrected,
                    photos=[
                        PhotoRef(row_id(p), text_for(item.text, lang()))
                        for p in photos.get(item.id, [])
                    ],
                )
            )
        if rows:  # a moment the visit's kind does not ask (its section's `when`) is left out
            moments.append(MomentRows(section.title, result.sections.get(section.id), rows))
    return moments


def visit_details(
    db: Session, *, branch_id: int, wave_id: int
) -> tuple[list[VisitDetail], dict[int, str]]:
    """The counted visits in visit order, and photo id -> stored thumbnail path."""
    visits = counted_visits(db, branch_ids=[branch_id], wave_id=wave_id)
    ids = [row_id(v) for v in visits]
    answers = answers_by_visit(db, ids)
    photos: dict[int, dict[str, list[Photo]]] = {vid: {} for vid in ids}
    thumbs: dict[int, str] = {}
    corrected: dict[int, set[str]] = {vid: set() for vid in ids}
    scores: dict[int, VisitScore] = {}
    if ids:
        for photo in db.exec(
            select(Photo)
            .where(col(Photo.visit_id).in_(ids))
            .order_by(col(Photo.uploaded_at), col(Photo.id))
        ):
            photos[photo.visit_id].setdefault(photo.item_id, []).append(photo)
            thumbs[row_id(photo)] = photo.thumb_path
        for event in db.exec(
            select(AuditEvent).where(
                col(AuditEvent.visit_id).in_(ids), AuditEvent.action == AuditAction.corrected
            )
        ):
            corrected[event.visit_id].add(event.item_id or "")
        found = db.exec(select(VisitScore).where(col(VisitScore.visit_id).in_(ids)))
        scores = {s.visit_id: s for s in found}
    details = []
    for number, visit in enumerate(visits, start=1):
        visit_id = row_id(visit)
        document = checklist_of(db, visit)
        stored = scores[visit_id]
        moments = _rows_for(
            document, answers[visit_id], photos[visit_id], corrected[visit_id], visit.variant
        )
        placed = {p.id for m in moments for r in m.rows for p in r.photos}
        details.append(
            VisitDetail(
                number=number,
                visit=visit,
                score=stored.score,
                band=stored.band,
                critical_failure=stored.critical_failure,
                moments=moments,
                photos=sum(len(p) for p in photos[visit_id].values()),
                other_photos=[
                    PhotoRef(row_id(p), "")
                    for group in photos[visit_id].values()
                    for p in group
                    if p.id not in placed
                ],
            )
        )
    return details, thumbs
