"""Storing checklist documents as immutable, numbered versions."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.i18n import _
from app.models import Checklist, ChecklistVersion, User, Visit, Wave
from app.models.base import row_id
from app.scoring import Checklist as ChecklistDoc
from app.scoring import checklist_to_dict, content_hash, parse_checklist, text_for

_parsed: dict[tuple[int | None, str], ChecklistDoc] = {}


def import_checklist(
    db: Session, *, source: str | bytes | dict[str, Any], user: User | None = None
) -> tuple[ChecklistVersion, bool]:
    """Validate and store; a new version only when the content changed -> (version, created)."""
    document = parse_checklist(source)  # raises DocumentError naming each bad path
    digest = content_hash(document)
    checklist = db.exec(select(Checklist).where(Checklist.code == document.code)).first()
    if checklist is None:
        checklist = Checklist(code=document.code, latest_version=0)
        db.add(checklist)
        db.flush()
    else:
        latest = latest_version(db, checklist)
        if latest is not None and latest.content_hash == digest:
            return latest, False
    checklist.latest_version += 1
    version = ChecklistVersion(
        checklist_id=row_id(checklist),
        version=checklist.latest_version,
        name=text_for(document.name, "en")[:300],
        content_hash=digest,
        document=checklist_to_dict(document),
        created_by_id=user.id if user else None,
    )
    db.add(checklist)
    db.add(version)
    db.flush()
    return version, True


def latest_version(db: Session, checklist: Checklist) -> ChecklistVersion | None:
    return db.exec(
        select(ChecklistVersion)
        .where(ChecklistVersion.checklist_id == checklist.id)
        .order_by(col(ChecklistVersion.version).desc())
    ).first()


def document_of(version: ChecklistVersion) -> ChecklistDoc:
    """The parsed document of a stored version, cached: versions never change once stored."""
    key = (row_id(version), version.content_hash)
    if key not in _parsed:
        if len(_parsed) > 256:
            _parsed.clear()
        _parsed[key] = parse_checklist(version.document)
    return _parsed[key]


def checklist_of(db: Session, of: Visit | Wave) -> ChecklistDoc:
    """The checklist document a visit (or a wave) is shopped with, parsed once per version.

    Only the version's content hash is read when its document is already parsed: loading the
    stored JSON again was a third of an autosave's database time. The hash is the cache's key,
    so a changed row (which the app never makes) would still be parsed afresh.
    """
    version_id = of.checklist_version_id
    digest = db.exec(
        select(ChecklistVersion.content_hash).where(ChecklistVersion.id == version_id)
    ).first()
    return parsed_version(db, version_id, digest)


def parsed_version(db: Session, version_id: int | None, digest: str | None) -> ChecklistDoc:
    """The parsed document of a version whose content hash the caller has already read.

    Keyed by id and hash, not id alone: a version's id is reused after the transaction that
    made it rolls back (an import refused late), and a cached document must not outlive it.
    """
    if digest is None:
        raise NotFound(_("Not found."))
    parsed = _parsed.get((version_id, digest))
    if parsed is not None:
        return parsed
    version = db.get(ChecklistVersion, version_id)
    if version is None:
        raise NotFound(_("Not found."))
    return document_of(version)
