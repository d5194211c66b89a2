"""Everything the shopper's visit page shows, in the reader's language, ready for the template."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app.models import (
    Answer,
    Branch,
    ChecklistVersion,
    Photo,
    User,
    Visit,
    VisitStatus,
    utcnow,
)
from app.scoring import Item, Section, text_for, visible_items
from app.services.photos import photos_by_item
from app.services.scoring import engine_value
from app.services.submission import Problem
from app.services.visit_policy import EDITABLE, VisitPermissions, for_visit
from app.services.visits import checklist_of, timer_unit


@dataclass
class ItemView:
    item: Item
    text: str
    help: str
    unit: str
    shown: bool
    answer: Answer | None
    photos: list[Photo]
    note: str
    problems: list[Problem]
    options: list[tuple[str, str]]
    timer: str | None

    @property
    def value(self) -> Any:
        """The value as the form shows it: 'na', the stored value, or None."""
        if self.answer is None:
            return None
        return "na" if self.answer.na else self.answer.value

    @property
    def comment(self) -> str:
        return self.answer.comment if self.answer else ""

    @property
    def client_ms(self) -> int:
        """When the stored answer was made on the device (ms), for merging with device copies."""
        moment = self.answer.client_time if self.answer else None
        return int(moment.timestamp() * 1000) if moment else 0

    @property
    def when_json(self) -> str:
        when = self.item.when
        return json.dumps({"item": when.item, "in": list(when.in_)}) if when else ""

    @property
    def complete(self) -> bool:
        """Answered well enough to count in the progress (and, if required, to submit)."""
        if self.item.kind == "photo":
            return len(self.photos) >= (self.item.min_photos or 1)
        value = self.value
        if value is None:
            return False
        if self.item.kind == "text" and value != "na" and self.item.min_chars:
            return len(str(value).strip()) >= self.item.min_chars
        return True


@dataclass
class SectionView:
    section: Section
    title: str
    items: list[ItemView]
    notes: int = 0

    @property
    def required(self) -> list[ItemView]:
        return [i for i in self.items if i.shown and i.item.required]

    @property
    def done(self) -> int:
        return sum(1 for i in self.required if i.complete)


@dataclass
class VisitPage:
    visit: Visit
    branch: Branch
    name: str
    scenario: list[str]
    sections: list[SectionView]
    perms: VisitPermissions
    general_note: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def editable(self) -> bool:
        return self.perms.edit

    @property
    def not_started(self) -> bool:
        """Still before the visit: the page shows the brief and the start button."""
        return self.perms.edit and self.visit.status == VisitStatus.assigned

    @property
    def returned(self) -> bool:
        return self.visit.status == VisitStatus.returned

    @property
    def progress(self) -> tuple[int, int]:
        required = [i for s in self.sections for i in s.required]
        return sum(1 for i in required if i.complete), len(required)

    def item_view(self, item_id: str) -> ItemView | None:
        for section in self.sections:
            for view in section.items:
                if view.item.id == item_id:
                    return view
        return None

    def section_of(self, item_id: str) -> SectionView | None:
        for section in self.sections:
            if any(view.item.id == item_id for view in section.items):
                return section
        return None


def _notes(visit: Visit) -> dict[str, str]:
    raw = visit.review_notes or {}
    if visit.status != VisitStatus.returned:
        return {}
    return {str(k): str(v) for k, v in raw.items() if v}


def build(
    db: Session, *, user: User, visit: Visit, lang: str, problems: list[Problem] | None = None
) -> VisitPage:
    """The page model: sections of items with their answers, photos, notes and problems."""
    doc = checklist_of(db, visit)
    version = db.get(ChecklistVersion, visit.checklist_version_id)
    branch = db.get(Branch, visit.branch_id)
    answers = {a.item_id: a for a in db.exec(select(Answer).where(Answer.visit_id == visit.id))}
    shown = visible_items(doc, {k: engine_value(a) for k, a in answers.items()})
    photos = photos_by_item(db, visit.id)
    notes = _notes(visit)
    problems = problems or []
    sections = []
    for section in doc.sections:
        items = [
            ItemView(
                item=item,
                text=text_for(item.text, lang),
                help=text_for(item.help, lang),
                unit=text_for(item.unit, lang),
                shown=item.id in shown,
                answer=answers.get(item.id),
                photos=photos.get(item.id, []),
                note=notes.get(item.id, ""),
                problems=[p for p in problems if p.item_id == item.id],
                options=[(o.id, text_for(o.text, lang)) for o in item.options or ()],
                timer=timer_unit(item),
            )
            for item in section.items
        ]
        noted = sum(1 for i in items if i.note)
        sections.append(SectionView(section, text_for(section.title, lang), items, noted))
    return VisitPage(
        visit=visit,
        branch=branch,
        name=text_for(doc.name, lang) or (version.name if version else ""),
        scenario=[t for t in dict.fromkeys((visit.scenario, text_for(doc.scenario, lang))) if t],
        sections=sections,
        perms=for_visit(db, user=user, visit=visit),
        general_note=notes.get("", ""),
        problems=problems,
    )


def offline_urls(
    db: Session, *, user: User, now: datetime | None = None
) -> tuple[list[str], list[str]]:
    """Pages and photo thumbnails of the shopper's open visits that are due now."""
    now = now or utcnow()
    rows = db.exec(
        select(Visit).where(
            Visit.shopper_id == user.id,
            Visit.status.in_([s.value for s in EDITABLE]),
            (Visit.due_from.is_(None)) | (Visit.due_from <= now),
        )
    ).all()
    pages = [f"/visits/{visit.id}" for visit in rows]
    photos = [
        f"/visits/{photo.visit_id}/photos/{photo.id}/thumb"
        for photo in db.exec(select(Photo).where(Photo.visit_id.in_([v.id for v in rows])))
    ]
    return pages, photos
