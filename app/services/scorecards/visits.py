"""Drill-down behind a scorecard: one standard across a branch's visits, and one visit.

Managers reach the answers, comments and photos that explain a figure; the shopper
who made the visit is never part of what is returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.i18n import _
from app.models import Branch, Photo, Region, User, Visit, VisitScore, Wave
from app.models.answer_codec import engine_values
from app.models.base import row_id
from app.scoring import Item, score_visit, text_for
from app.services import disputes as dispute_service
from app.services.access import get_branch, get_visit
from app.services.answer_words import answer_labels
from app.services.checklists import checklist_of
from app.services.scorecards.data import referenced
from app.services.scorecards.items import answer_text, answers_by_visit, counted_visits
from app.services.scorecards.types import DisputeRow, SectionRef, lang


def shown_percent(percent: float, met: bool) -> int:
    """A standard's percent, whole, as pages show it: one not met never reads 100."""
    return round(percent) if met else min(round(percent), 99)


@dataclass
class AnswerLine:
    """One answer as a manager sees it: value, how it scored, comment and photos."""

    item: Item
    answer: str
    score: float | None  # the fraction met in percent; None when not applicable
    met: bool | None  # as the engine judged it; None when not applicable
    comment: str
    photos: list[Photo]
    disputes: list[DisputeRow] = field(default_factory=list)

    @property
    def text(self) -> str:
        return text_for(self.item.text, lang())

    @property
    def applicable(self) -> bool:
        return self.met is not None

    @property
    def not_seen(self) -> bool:
        """A delighter the shopper did not meet: it costs nothing, so it is no failure."""
        return self.met is False and self.item.kano == "delight"

    @property
    def failed(self) -> bool:
        return self.met is False and not self.not_seen

    @property
    def percent(self) -> int | None:
        if self.score is None or self.met is None:
            return None
        return shown_percent(self.score, self.met)


@dataclass
class SectionLines:
    section: SectionRef
    compliance: float | None
    lines: list[AnswerLine]


@dataclass
class VisitDetail:
    visit: Visit
    branch: Branch
    region: Region
    wave: Wave | None
    stored: VisitScore | None
    sections: list[SectionLines]
    deadline: datetime | None
    window_open: bool
    disputes: list[DisputeRow]


def _photos(db: Session, visit_ids: list[int]) -> dict[tuple[int, str], list[Photo]]:
    out: dict[tuple[int, str], list[Photo]] = {}
    if visit_ids:
        query = select(Photo).where(col(Photo.visit_id).in_(visit_ids)).order_by(col(Photo.id))
        for photo in db.exec(query):
            out.setdefault((photo.visit_id, photo.item_id), []).append(photo)
    return out


def visit_detail(db: Session, *, user: User | None, visit: Visit) -> VisitDetail:
    """Every answer of a visit by moment of truth, with scores, comments, photos and disputes."""
    if user is not None:
        visit = get_visit(db, user, row_id(visit))
    visit_id = row_id(visit)
    branch = referenced(db, Branch, visit.branch_id)
    wave = db.get(Wave, visit.wave_id) if visit.wave_id else None
    document = checklist_of(db, visit)
    answers = answers_by_visit(db, [visit_id])[visit_id]
    result = score_visit(document, engine_values(answers.values()), visit.variant)
    photos = _photos(db, [visit_id])
    disputes = dispute_service.rows(db, user=user, visit_ids=[visit_id])
    words = answer_labels(document, lang())
    sections = []
    for section in document.sections:
        lines = []
        for item in section.items:
            scored = result.items.get(item.id)
            hidden = item.kind == "photo" or (scored is not None and not scored.shown)
            if hidden and not photos.get((visit_id, item.id)):
                continue  # an item not asked, or a photo item without photos
            fraction = scored.fraction if scored else None
            answer = answers.get(item.id)
            lines.append(
                AnswerLine(
                    item=item,
                    answer="" if item.kind == "photo" else answer_text(item, answer, lang(), words),
                    score=None if fraction is None else 100.0 * fraction,
                    met=scored.met if scored else None,
                    comment=answer.comment if answer else "",
                    photos=photos.get((visit_id, item.id), []),
                    disputes=[d for d in disputes if d.dispute.item_id == item.id],
                )
            )
        sections.append(
            SectionLines(
                SectionRef(section.id, section.title), result.sections.get(section.id), lines
            )
        )
    return VisitDetail(
        visit=visit,
        branch=branch,
        region=referenced(db, Region, branch.region_id),
        wave=wave,
        stored=db.get(VisitScore, visit_id),
        sections=sections,
        deadline=dispute_service.deadline(visit),
        window_open=dispute_service.window_open(visit),
        disputes=disputes,
    )


@dataclass
class StandardVisit:
    """One visit's evidence for a standard."""

    visit: Visit
    score: float | None  # the visit's score
    answer: str
    fraction: float | None  # in percent
    met: bool  # as the engine judged it
    comment: str
    photos: list[Photo]
    disputable: bool = False

    @property
    def percent(self) -> int | None:
        return None if self.fraction is None else shown_percent(self.fraction, self.met)


@dataclass
class StandardDetail:
    branch: Branch
    region: Region
    wave: Wave
    item: Item
    section: SectionRef
    visits: list[StandardVisit]

    @property
    def text(self) -> str:
        return text_for(self.item.text, lang())

    @property
    def failed(self) -> int:
        return sum(1 for v in self.visits if not v.met)


def standard_detail(
    db: Session, *, user: User | None, branch: Branch, wave: Wave, item_id: str
) -> StandardDetail:
    """The visits of a wave in which a standard applied, failures first, with their evidence."""
    if user is not None:
        branch = get_branch(db, user, row_id(branch))
    document = checklist_of(db, wave)
    item = next((i for i in document.all_items() if i.id == item_id and i.scored), None)
    if item is None:
        raise NotFound(_("Not found."))
    visits = counted_visits(db, branch_ids=[row_id(branch)], wave_id=row_id(wave))
    visit_ids = [row_id(v) for v in visits]
    answers = answers_by_visit(db, visit_ids)
    photos = _photos(db, visit_ids)
    scores = {
        s.visit_id: s.score
        for s in db.exec(select(VisitScore).where(col(VisitScore.visit_id).in_(visit_ids)))
    }
    rows = []
    for visit, visit_id in zip(visits, visit_ids, strict=True):
        given = answers[visit_id]
        scored = score_visit(document, engine_values(given.values()), visit.variant)
        entry = scored.items[item.id]
        if entry.fraction is None or entry.met is None:
            continue
        answer = given.get(item.id)
        rows.append(
            StandardVisit(
                visit=visit,
                score=scores.get(visit_id),
                answer=answer_text(item, answer, lang(), answer_labels(document, lang())),
                fraction=100.0 * entry.fraction,
                met=entry.met,
                comment=answer.comment if answer else "",
                photos=photos.get((visit_id, item.id), []),
                disputable=dispute_service.window_open(visit),
            )
        )
    rows.sort(key=lambda r: (r.met, r.visit.time_in or r.visit.created_at))
    section = document.section_of(item.id)
    return StandardDetail(
        branch=branch,
        region=referenced(db, Region, branch.region_id),
        wave=wave,
        item=item,
        section=SectionRef(section.id, section.title),
        visits=rows,
    )
