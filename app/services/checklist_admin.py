"""HQ's view of checklists: every code with its versions, and one version by code and number."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from app.errors import NotFound
from app.i18n import _
from app.models import Checklist, ChecklistVersion, User, Visit, Wave
from app.models.base import row_id
from app.scoring import AllOf, Item, Not, OnVariant, When, WhenNot, direction, text_for
from app.scoring import Checklist as ChecklistDoc
from app.scoring.conditions import ConditionNode


@dataclass
class ChecklistRow:
    checklist: Checklist
    latest: ChecklistVersion
    versions: int


def list_checklists(db: Session) -> list[ChecklistRow]:
    """Each checklist with its latest version, for the checklists page."""
    counts = dict(
        db.exec(
            select(ChecklistVersion.checklist_id, func.count()).group_by(
                col(ChecklistVersion.checklist_id)
            )
        ).all()
    )
    rows = db.exec(
        select(Checklist, ChecklistVersion)
        .join(ChecklistVersion, col(ChecklistVersion.checklist_id) == Checklist.id)
        .where(ChecklistVersion.version == Checklist.latest_version)
        .order_by(col(Checklist.code))
    ).all()
    return [ChecklistRow(c, v, counts.get(row_id(c), 0)) for c, v in rows]


def get_checklist(db: Session, *, code: str) -> Checklist:
    checklist = db.exec(select(Checklist).where(Checklist.code == code)).first()
    if checklist is None:
        raise NotFound(_("Not found."))
    return checklist


@dataclass
class VersionRow:
    version: ChecklistVersion
    author: User | None
    waves: int
    visits: int


def versions_of(db: Session, *, checklist: Checklist) -> list[VersionRow]:
    """A checklist's versions, newest first, with how many waves and visits use each."""
    versions = list(
        db.exec(
            select(ChecklistVersion, User)
            .outerjoin(User, col(User.id) == ChecklistVersion.created_by_id)
            .where(ChecklistVersion.checklist_id == checklist.id)
            .order_by(col(ChecklistVersion.version).desc())
        )
    )
    ids = [v.id for v, _u in versions]
    waves = dict(
        db.exec(
            select(Wave.checklist_version_id, func.count())
            .where(col(Wave.checklist_version_id).in_(ids))
            .group_by(col(Wave.checklist_version_id))
        ).all()
    )
    visits = dict(
        db.exec(
            select(Visit.checklist_version_id, func.count())
            .where(col(Visit.checklist_version_id).in_(ids))
            .group_by(col(Visit.checklist_version_id))
        ).all()
    )
    return [
        VersionRow(v, u, waves.get(row_id(v), 0), visits.get(row_id(v), 0)) for v, u in versions
    ]


def get_version(db: Session, *, checklist: Checklist, number: int) -> ChecklistVersion:
    version = db.exec(
        select(ChecklistVersion).where(
            ChecklistVersion.checklist_id == checklist.id, ChecklistVersion.version == number
        )
    ).first()
    if version is None:
        raise NotFound(_("Not found."))
    return version


def all_versions(db: Session) -> list[tuple[str, ChecklistVersion]]:
    """(code, version) pairs, latest first per code, for the wave form's select."""
    return [
        (code, version)
        for code, version in db.exec(
            select(Checklist.code, ChecklistVersion)
            .join(ChecklistVersion, col(ChecklistVersion.checklist_id) == Checklist.id)
            .order_by(col(Checklist.code), col(ChecklistVersion.version).desc())
        )
    ]


@dataclass(frozen=True)
class ConditionView:
    """A condition with the texts a reader knows: the question and the answers' own words.

    ``kind`` is ``in``, ``not_in``, ``variant``, ``all``, ``any`` or ``not``; the template
    puts it in words.
    """

    kind: str
    item: str = ""  # the question's text (in, not_in)
    values: tuple[str, ...] = ()  # the answers' texts, or the variants' names
    parts: tuple[ConditionView, ...] = ()  # all, any, not


def value_text(doc: ChecklistDoc, item: Item, value: str | int, lang: str) -> str:
    """An answer as the shopper saw it: the checklist's Yes/No/N/A words, an option's text."""
    labels = doc.labels
    if value in ("yes", "no", "na"):
        own = getattr(labels, str(value)) if labels is not None else None
        if own is not None:
            return text_for(own, lang)
        if value == "na":
            return _("N/A")
        if item.kind == "check":
            return _("Yes") if value == "yes" else _("No")
    for option in item.options or ():
        if option.id == value:
            return text_for(option.text, lang)
    return str(value)


def condition_view(doc: ChecklistDoc, cond: ConditionNode, lang: str) -> ConditionView:
    """The condition of an item or a section as the admin's readable view shows it."""
    if isinstance(cond, When | WhenNot):
        item = doc.item(cond.item)
        listed = cond.in_ if isinstance(cond, When) else cond.not_in
        return ConditionView(
            "in" if isinstance(cond, When) else "not_in",
            item=text_for(item.text, lang) or item.id,
            values=tuple(value_text(doc, item, v, lang) for v in listed),
        )
    if isinstance(cond, OnVariant):
        names = {v.id: text_for(v.name, lang) for v in doc.variants or ()}
        return ConditionView("variant", values=tuple(names.get(v, v) for v in cond.variant))
    if isinstance(cond, Not):
        return ConditionView("not", parts=(condition_view(doc, cond.not_, lang),))
    kind, parts = ("all", cond.all_) if isinstance(cond, AllOf) else ("any", cond.any_)
    return ConditionView(kind, parts=tuple(condition_view(doc, c, lang) for c in parts))


@dataclass(frozen=True)
class ChecklistView:
    """What the readable view of a checklist version shows beyond the document's own fields:
    conditions in words, requirements with the answers' texts, variants, languages."""

    lang: str
    text_dir: str  # rtl for a right-to-left content language
    variants: list[str]
    languages: list[str]
    sections: dict[str, ConditionView]  # section id -> the condition that shows it
    items: dict[str, ConditionView]  # item id -> the condition that asks it
    comment_when: dict[str, list[str]]  # item id -> answers that need a comment
    photo_when: dict[str, list[str]]  # item id -> answers that need a photo


def checklist_view(doc: ChecklistDoc, *, lang: str) -> ChecklistView:
    """The readable view's model, in the reader's content language (else the checklist's first)."""
    lang = doc.content_language(lang) or lang
    items: dict[str, ConditionView] = {}
    comment_when: dict[str, list[str]] = {}
    photo_when: dict[str, list[str]] = {}
    for item in doc.all_items():
        if item.when is not None:
            items[item.id] = condition_view(doc, item.when, lang)
        if item.require_comment:
            comment_when[item.id] = [value_text(doc, item, v, lang) for v in item.require_comment]
        if item.require_photo:
            photo_when[item.id] = [value_text(doc, item, v, lang) for v in item.require_photo]
    return ChecklistView(
        lang=lang,
        text_dir=direction(lang),
        variants=[text_for(v.name, lang) for v in doc.variants or ()],
        languages=list(doc.content_languages or ()),
        sections={
            s.id: condition_view(doc, s.when, lang) for s in doc.sections if s.when is not None
        },
        items=items,
        comment_when=comment_when,
        photo_when=photo_when,
    )
