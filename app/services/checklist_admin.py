"""HQ's view of checklists: every code with its versions, and one version by code and number."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from app.errors import NotFound
from app.i18n import _
from app.models import Checklist, ChecklistVersion, User, Visit, Wave
from app.models.base import row_id


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
