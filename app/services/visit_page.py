"""Everything the shopper's visit page shows, in the reader's language, ready for the template."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.i18n import language_name
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
from app.models.answer_codec import engine_value
from app.models.base import row_id
from app.scoring import (
    Checklist,
    Item,
    Problem,
    Section,
    completeness,
    completeness_rules,
    direction,
    photo_requirements,
    text_for,
    visible_items,
)
from app.services.answer_words import answer_labels
from app.services.checklists import checklist_of
from app.services.photos import photos_by_item
from app.services.visit_policy import EDITABLE, VisitPermissions, day_label, for_visit
from app.services.visits import timer_unit
from app.services.wave_brief import brief_in


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
    problems: list[Problem]  # shown after a refused submission
    options: list[tuple[str, str]]
    timer: str | None
    blocking: list[Problem] = field(default_factory=list)  # what blocks submission now
    group: str = ""  # the sub-heading this item starts (first of a run of its group)
    photo_needed: bool = False  # this answer asks for a photo now (photo_requirements)
    group_items: list[str] = field(default_factory=list)  # ids under the sub-heading it starts

    @property
    def takes_photos(self) -> bool:
        """Photo controls are shown (the core's ``Item.takes_photos``)."""
        return self.item.takes_photos

    @property
    def needs_comment(self) -> bool:
        """This answer needs a comment that is not there yet (``require_comment``)."""
        return any(p.kind == "comment" for p in self.blocking)

    @property
    def na_options(self) -> frozenset[str]:
        return self.item.na_options()

    @property
    def value(self) -> Any:
        """The value as the form shows it: 'na', the stored value, or None."""
        return engine_value(self.answer)

    @property
    def comment(self) -> str:
        return self.answer.comment if self.answer else ""

    @property
    def client_ms(self) -> int:
        """When the stored answer was made on the device (ms), for merging with device copies."""
        moment = self.answer.client_time if self.answer else None
        return int(moment.timestamp() * 1000) if moment else 0

    @property
    def complete(self) -> bool:
        """Nothing about this item blocks submission now (counts as done in the progress)."""
        return not self.blocking


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
    scenario: list[tuple[str, bool]]  # paragraphs: (text, written in the checklist)
    sections: list[SectionView]
    perms: VisitPermissions
    general_note: str = ""
    problems: list[Problem] = field(default_factory=list)
    rules: dict[str, Any] = field(default_factory=dict)  # completeness rules for visit.js
    text_lang: str = ""  # the `lang` of checklist texts ("" for plain texts: unknown)
    text_dir: str = "auto"  # their `dir`: rtl, ltr, or auto for plain texts
    languages: list[tuple[str, str]] = field(default_factory=list)  # (tag, its own name)
    labels: dict[str, str] = field(default_factory=dict)  # yes, no, na in the content language
    variant_name: str = ""  # the kind of visit (an enquiry, a transaction) when there are kinds

    @property
    def editable(self) -> bool:
        return self.perms.edit

    @property
    def not_due(self) -> bool:
        """The policy refuses the visit until its window opens: brief only, start disabled."""
        return self.perms.opens_at is not None

    @property
    def not_started(self) -> bool:
        """Still before the visit: the page shows the brief and the start button."""
        assigned = self.visit.status == VisitStatus.assigned
        return assigned and (self.perms.edit or self.not_due)

    @property
    def opens_on(self) -> str:
        """The day the visit opens ("7 Dec"), in the reader's language and the branch's zone."""
        opens = self.perms.opens_at
        return day_label(opens, self.branch.timezone) if opens else ""

    @property
    def closed_on(self) -> str:
        """The day the visit's window closed, while the visit is still the shopper's to finish."""
        closed = self.perms.closed_at
        return day_label(closed, self.branch.timezone) if closed else ""

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


def language_choices(doc: Checklist) -> list[tuple[str, str]]:
    """The content languages a reader can switch between, (tag, its own name); none for a
    checklist that does not declare its ``languages``."""
    return [(tag, language_name(tag)) for tag in doc.languages] if doc.content_languages else []


def variant_name(doc: Checklist, variant: str | None, lang: str) -> str:
    """The name of the visit's kind (an enquiry, a transaction) in ``lang``; '' for none."""
    return next((text_for(v.name, lang) for v in doc.variants or () if v.id == variant), "")


def text_language(doc: Checklist, *, user: User, lang: str) -> str | None:
    """The language the shopper reads this checklist in: their choice when the checklist has
    it, else the interface's when it has that, else its first (``None``: plain texts)."""
    if user.content_language and user.content_language in doc.languages:
        return user.content_language
    return doc.content_language(lang)


def _scenario(wave: str, checklist: str) -> list[tuple[str, bool]]:
    """The wave's brief (HQ's words, any language) then the checklist's, each once."""
    out = [(wave, False)] if wave else []
    if checklist and checklist != wave:
        out.append((checklist, True))
    return out


def _groups(items: list[ItemView]) -> None:
    """Mark the first item of each run of consecutive items under the same sub-heading."""
    previous, first = "", None
    for view in items:
        if view.group and view.group == previous and first is not None:
            view.group = ""
            first.group_items.append(view.item.id)
        else:
            previous, first = view.group, view
            view.group_items = [view.item.id]


def build(
    db: Session, *, user: User, visit: Visit, lang: str, problems: list[Problem] | None = None
) -> VisitPage:
    """The page model: sections of items with their answers, photos, notes and problems.

    ``lang`` is the interface's content tag; the checklist's texts are in the shopper's
    content language (``text_language``), with its direction.
    """
    doc = checklist_of(db, visit)
    content = text_language(doc, user=user, lang=lang)
    lang = content or lang
    version = db.get(ChecklistVersion, visit.checklist_version_id)
    branch = db.get(Branch, visit.branch_id)
    assert branch is not None  # visit.branch_id is a non-null foreign key
    answers = {a.item_id: a for a in db.exec(select(Answer).where(Answer.visit_id == visit.id))}
    values = {k: engine_value(a) for k, a in answers.items()}
    shown = visible_items(doc, values, visit.variant)
    photos = photos_by_item(db, row_id(visit))
    open_now = completeness(
        doc,
        values,
        {k: len(v) for k, v in photos.items()},
        comments={k: a.comment for k, a in answers.items()},
        variant=visit.variant,
    )
    photo_needs = photo_requirements(doc, values, visit.variant)
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
                blocking=[p for p in open_now if p.item_id == item.id],
                group=text_for(item.group, lang),
                photo_needed=item.id in photo_needs,
            )
            for item in section.items
        ]
        _groups(items)
        noted = sum(1 for i in items if i.note)
        sections.append(SectionView(section, text_for(section.title, lang), items, noted))
    return VisitPage(
        visit=visit,
        branch=branch,
        name=text_for(doc.name, lang) or (version.name if version else ""),
        scenario=_scenario(brief_in(visit, lang), text_for(doc.scenario, lang)),
        sections=sections,
        perms=for_visit(db, user=user, visit=visit),
        general_note=notes.get("", ""),
        problems=problems,
        rules=completeness_rules(doc, visit.variant),
        text_lang=content or "",
        text_dir=direction(content) if content else "auto",
        languages=language_choices(doc),
        labels=answer_labels(doc, lang),
        variant_name=variant_name(doc, visit.variant, lang),
    )


def offline_urls(
    db: Session, *, user: User, now: datetime | None = None
) -> tuple[list[str], list[str]]:
    """Pages and photo thumbnails of the shopper's open visits that are due now."""
    now = now or utcnow()
    rows = db.exec(
        select(Visit).where(
            Visit.shopper_id == user.id,
            col(Visit.status).in_([s.value for s in EDITABLE]),
            col(Visit.due_from).is_(None) | (col(Visit.due_from) <= now),
        )
    ).all()
    pages = [f"/visits/{visit.id}" for visit in rows]
    photos = [
        f"/visits/{photo.visit_id}/photos/{photo.id}/thumb"
        for photo in db.exec(select(Photo).where(col(Photo.visit_id).in_([v.id for v in rows])))
    ]
    return pages, photos
