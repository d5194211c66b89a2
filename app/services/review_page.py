"""What a reviewer needs to judge a visit: answers with photos, plausibility checks, the score.

The plausibility checks (check-in distance, photo times, missing photos, time in the
branch against the median, the wave's dates) are `review_flags`', shared with the queue;
what blocks approval is the core's completeness rule (`submission_problems`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.i18n import content_language, current_language
from app.models import (
    Agency,
    Answer,
    AuditAction,
    AuditEvent,
    Branch,
    Checklist,
    ChecklistVersion,
    Region,
    User,
    Visit,
    VisitStatus,
    Wave,
)
from app.models.answer_codec import engine_value
from app.models.base import row_id
from app.scoring import Item, ItemScore, Problem, ScoreResult, Section
from app.services import visit_policy
from app.services.answer_words import answer_labels
from app.services.checklists import checklist_of
from app.services.review import standard_text
from app.services.review_flags import PhotoCheck, Plausibility, plausibility
from app.services.scoring import compute
from app.services.submission import problem_text, submission_problems
from app.services.visit_page import language_choices, text_language, variant_name
from app.services.visit_policy import VisitPermissions


@dataclass
class ItemView:
    item: Item
    answer: Answer | None
    score: ItemScore | None
    photos: list[PhotoCheck]
    photos_needed: int
    note: str

    @property
    def value(self) -> Any:
        return engine_value(self.answer)


@dataclass
class SectionView:
    section: Section
    compliance: float | None
    items: list[ItemView]


@dataclass
class TrailEntry:
    event: AuditEvent
    user: User | None


@dataclass
class ReviewPage:
    visit: Visit
    branch: Branch
    region: Region
    wave: Wave | None
    checklist_code: str
    version: ChecklistVersion
    shopper: User | None
    agency: Agency | None
    result: ScoreResult
    sections: list[SectionView]
    checks: Plausibility
    perms: VisitPermissions
    problems: list[Problem] = field(default_factory=list)  # what blocks approval
    trail: list[TrailEntry] = field(default_factory=list)
    text_lang: str = ""  # the checklist texts' language, as on the shopper's page ("" plain)
    labels: dict[str, str] = field(default_factory=dict)  # yes, no, na in that language
    languages: list[tuple[str, str]] = field(default_factory=list)  # (tag, its own name)
    variant_name: str = ""  # the kind of visit, in the texts' language

    @property
    def blockers(self) -> list[tuple[str, str]]:
        """(item id, what it needs) of each problem that blocks approval."""
        return [(p.item_id, problem_text(p)) for p in self.problems]

    @property
    def deciding(self) -> bool:
        """The reviewer can still approve or return the visit (it waits for review)."""
        return self.perms.approve or self.perms.return_ or self.perms.reject

    @property
    def rejected_reason(self) -> str:
        """Why the delivery was rejected ('' unless it was)."""
        if self.visit.status != VisitStatus.rejected:
            return ""
        return str((self.visit.review_notes or {}).get("", ""))

    @property
    def returned_note(self) -> str:
        """The general note of a visit that is back with its shopper ('' otherwise)."""
        if self.visit.status != VisitStatus.returned:
            return ""
        return str((self.visit.review_notes or {}).get("", ""))


def review_page(db: Session, *, user: User, visit: Visit) -> ReviewPage:
    """Everything on the review page for one visit (the score computed from current answers)."""
    branch = db.get(Branch, visit.branch_id)
    assert branch is not None  # visit.branch_id is a non-null foreign key
    region = db.get(Region, branch.region_id)
    assert region is not None  # branch.region_id is a non-null foreign key
    version = db.get(ChecklistVersion, visit.checklist_version_id)
    assert version is not None  # visit.checklist_version_id is a non-null foreign key
    checklist = db.get(Checklist, version.checklist_id)
    assert checklist is not None  # version.checklist_id is a non-null foreign key
    document = checklist_of(db, visit)
    interface = content_language(current_language.get())
    text_lang = text_language(document, user=user, lang=interface) or ""
    result = compute(db, visit=visit)
    answers = {a.item_id: a for a in db.exec(select(Answer).where(Answer.visit_id == visit.id))}
    checks = plausibility(db, visits=[visit])[row_id(visit)]
    photos: dict[str, list[PhotoCheck]] = checks.photos
    needed = checks.photos_needed
    notes = visit.review_notes or {}
    items = result.items
    sections = [
        SectionView(
            section,
            result.sections.get(section.id),
            [
                ItemView(
                    item,
                    answers.get(item.id),
                    items.get(item.id),
                    photos.get(item.id, []),
                    needed.get(item.id, 0),
                    notes.get(item.id, ""),
                )
                for item in section.items
            ],
        )
        for section in document.sections
    ]
    trail = [
        TrailEntry(event, user)
        for event, user in db.exec(
            select(AuditEvent, User)
            .outerjoin(User, col(User.id) == col(AuditEvent.user_id))
            .where(AuditEvent.visit_id == visit.id)
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        )
    ]
    return ReviewPage(
        visit=visit,
        branch=branch,
        region=region,
        wave=db.get(Wave, visit.wave_id) if visit.wave_id else None,
        checklist_code=checklist.code,
        version=version,
        shopper=db.get(User, visit.shopper_id) if visit.shopper_id else None,
        agency=db.get(Agency, visit.agency_id) if visit.agency_id else None,
        result=result,
        sections=sections,
        checks=checks,
        perms=visit_policy.for_visit(db, user=user, visit=visit),
        problems=submission_problems(db, visit=visit),
        trail=trail,
        text_lang=text_lang,
        labels=answer_labels(document, text_lang or interface),
        languages=language_choices(document),
        variant_name=variant_name(document, visit.variant, text_lang or interface),
    )


@dataclass
class Decision:
    event: AuditEvent
    visit: Visit
    branch: Branch
    reviewer: User | None
    standard: str = ""  # a correction's standard, by its text


def recent_decisions(db: Session, *, limit: int = 15) -> list[Decision]:
    """The latest approvals, returns and corrections, newest first."""
    rows = db.exec(
        select(AuditEvent, Visit, Branch, User)
        .join(Visit, col(Visit.id) == col(AuditEvent.visit_id))
        .join(Branch, col(Branch.id) == col(Visit.branch_id))
        .outerjoin(User, col(User.id) == col(AuditEvent.user_id))
        .where(
            col(AuditEvent.action).in_(
                (AuditAction.approved, AuditAction.returned, AuditAction.corrected)
            )
        )
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    ).all()
    return [
        Decision(
            event,
            visit,
            branch,
            reviewer,
            standard_text(db, visit=visit, item_id=event.item_id) if event.item_id else "",
        )
        for event, visit, branch, reviewer in rows
    ]
