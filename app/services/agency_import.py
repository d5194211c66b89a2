"""Visits delivered by outside agencies: validated, scored, and queued for review.

A delivery is idempotent on its `external_id`: sending the same visit again returns
the visit made the first time. The branch is found by code and the checklist by
code and version; the visit joins the wave that shops that branch with that version
on the visit's date, so once approved it counts in that wave's scorecards. A visit on a
day no such wave covers is refused (`visited_at` named): it would count nowhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.errors import Conflict, DomainError
from app.models import (
    Agency,
    AuditEvent,
    Branch,
    Checklist,
    ChecklistVersion,
    Visit,
    VisitScore,
    VisitStatus,
    Wave,
    WaveBranch,
    utcnow,
)
from app.models.answer_codec import new_answer
from app.models.base import row_id
from app.scoring import Checklist as ChecklistDoc
from app.scoring import DocumentError, VisitDocument, completeness, parse_visit, validate_answer
from app.services import access, wave_brief
from app.services.checklists import document_of
from app.services.images import Processed, process
from app.services.photos import MAX_PER_ITEM, record_photo
from app.services.scoring import record_score
from app.settings import get_settings

PhotoFile = tuple[str, str, bytes]  # (item id, file name, content)


@dataclass
class Delivered:
    visit: Visit
    created: bool
    score: dict[str, Any]


def _checklist_version(db: Session, raw: dict[str, Any]) -> ChecklistVersion:
    code, number = raw.get("checklist"), raw.get("checklist_version")
    if not isinstance(code, str) or not code:
        raise DocumentError(["checklist: is required"])
    checklist = db.exec(select(Checklist).where(Checklist.code == code)).first()
    if checklist is None:
        raise DocumentError([f"checklist: unknown checklist {code!r}"])
    if number is None:
        number = checklist.latest_version
    if isinstance(number, bool) or not isinstance(number, int):
        raise DocumentError(["checklist_version: must be a whole number"])
    version = db.exec(
        select(ChecklistVersion).where(
            ChecklistVersion.checklist_id == checklist.id, ChecklistVersion.version == number
        )
    ).first()
    if version is None:
        raise DocumentError([f"checklist_version: {code!r} has no version {number}"])
    return version


def _branch(db: Session, code: Any) -> Branch | None:
    if not isinstance(code, str):
        return None
    return db.exec(select(Branch).where(Branch.code == code, Branch.active)).first()


def _aware(moment: datetime, branch: Branch) -> datetime:
    """Times without an offset are read in the branch's zone."""
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(branch.timezone))


def _wave_for(db: Session, branch: Branch, version: ChecklistVersion, at: datetime) -> Wave | None:
    day = at.astimezone(ZoneInfo(branch.timezone)).date()
    return db.exec(
        select(Wave)
        .join(WaveBranch, col(WaveBranch.wave_id) == Wave.id)
        .where(
            WaveBranch.branch_id == branch.id,
            Wave.checklist_version_id == version.id,
            col(Wave.starts_on) <= day,
            col(Wave.ends_on) >= day,
        )
        .order_by(col(Wave.starts_on).desc(), col(Wave.id).desc())
    ).first()


def _completeness(
    document: ChecklistDoc,
    answers: Mapping[str, Any],
    photos: list[PhotoFile],
    external_id: str,
    invalid: frozenset[str] = frozenset(),
    *,
    comments: Mapping[str, Any] | None = None,
    variant: str | None = None,
) -> list[str]:
    """A delivered visit must be as complete as a shopper's submission, photos included.

    Photos travel as files in a ZIP (`photos/<external_id>/<item_id>/<file>`); a delivery
    without the photos its checklist requires is refused, as the shopper's submit would
    be, rather than accepted into a review that could never approve it. Answers already
    reported as `invalid` are not reported again as missing.
    """
    counts: dict[str, int] = {}
    for item_id, _name, _data in photos:
        counts[item_id] = counts.get(item_id, 0) + 1
    errors = []
    for problem in completeness(document, answers, counts, comments=comments, variant=variant):
        if problem.item_id in invalid:
            continue
        if problem.kind == "missing":
            errors.append(f"answers.{problem.item_id}: is required")
        elif problem.kind == "short":
            errors.append(
                f"answers.{problem.item_id}: must be at least {problem.needed} characters"
            )
        elif problem.kind == "comment":
            errors.append(f"answers.{problem.item_id}.comment: is required for this answer")
        elif problem.kind == "photos":
            errors.append(
                f"photos/{external_id}/{problem.item_id}/: needs {problem.needed} photo(s);"
                " deliver this visit in a ZIP with its photos"
            )
    return errors


def _valid_answers(document: ChecklistDoc, raw: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """The answers of a document that failed to parse: the valid values, and the ids of the
    invalid ones (already reported), so missing answers are reported in the same response."""
    values: dict[str, Any] = {}
    invalid: set[str] = set()
    if isinstance(raw, dict):
        for item_id, answer in raw.items():
            value = answer.get("value") if isinstance(answer, dict) else None
            try:
                values[str(item_id)] = validate_answer(document, str(item_id), value)
            except DocumentError:
                invalid.add(str(item_id))
    return values, frozenset(invalid)


def _wave_error(
    db: Session, branch: Branch, version: ChecklistVersion, checklist: ChecklistDoc, at: datetime
) -> str:
    """Why no wave takes a visit on this day: the field, the day, and the waves there are."""
    day = at.astimezone(ZoneInfo(branch.timezone)).date()
    waves = db.exec(
        select(Wave)
        .join(WaveBranch, col(WaveBranch.wave_id) == Wave.id)
        .where(WaveBranch.branch_id == branch.id, Wave.checklist_version_id == version.id)
        .order_by(col(Wave.starts_on).desc())
        .limit(3)
    ).all()
    known = ", ".join(f"{w.name} {w.starts_on}..{w.ends_on}" for w in waves) or "none"
    return (
        f"visited_at: {day} (in the branch's time zone) is outside every open wave of branch"
        f" {branch.code!r} with checklist {checklist.code!r} v{version.version}"
        f" (its latest waves: {known})"
    )


def _photo_errors(
    document: ChecklistDoc, photos: list[PhotoFile], external_id: str, tz: str
) -> tuple[list[str], list[tuple[str, Processed]]]:
    errors, ready = [], []
    limit = get_settings().max_photo_bytes
    per_item: dict[str, int] = {}
    for item_id, _name, _data in photos:
        per_item[item_id] = per_item.get(item_id, 0) + 1
    for item_id, count in per_item.items():
        if count > MAX_PER_ITEM:  # the same cap as a shopper's uploads
            errors.append(
                f"photos/{external_id}/{item_id}/: {count} photos, at most {MAX_PER_ITEM} per item"
            )
    for item_id, name, data in photos:
        path = f"photos/{external_id}/{item_id}/{name}"
        try:
            item = document.item(item_id)
        except KeyError:
            errors.append(f"{path}: unknown item {item_id!r}")
            continue
        if not item.takes_photos:
            errors.append(f"{path}: item {item_id!r} takes no photos")
            continue
        try:
            ready.append((item_id, process(data, max_bytes=limit, tz=tz)))
        except DomainError as exc:
            errors.append(f"{path}: {exc.message}")
    return errors, ready


def _existing(db: Session, agency: Agency, external_id: str) -> Delivered | None:
    visit = db.exec(select(Visit).where(Visit.external_id == external_id)).first()
    if visit is None:
        return None
    if visit.agency_id != agency.id:
        raise Conflict("external_id: already used by another sender")
    access.get_agency_visit(db, agency, row_id(visit))  # its branch may be closed to it since
    stored = db.get(VisitScore, visit.id)
    return Delivered(visit, False, stored.result if stored else {})


def deliver_visit(
    db: Session, *, agency: Agency, document: Any, photos: list[PhotoFile] | None = None
) -> Delivered:
    """Validate, store and score one delivered visit (status submitted); idempotent."""
    if not isinstance(document, dict):
        raise DocumentError(["document: must be a JSON object"])
    external_id = document.get("external_id")
    if not isinstance(external_id, str) or not external_id.strip():
        raise DocumentError(["external_id: is required (your own id of this visit)"])
    if len(external_id) > 120:
        raise DocumentError(["external_id: at most 120 characters"])
    found = _existing(db, agency, external_id)
    if found:
        return found
    branch = _branch(db, document.get("branch"))
    if branch is not None:  # before anything else of the document is looked at
        access.require_agency_branch(db, agency, branch)
    version = _checklist_version(db, document)
    checklist = document_of(version)
    errors = [] if branch else [f"branch: unknown branch {document.get('branch')!r}"]
    parsed: VisitDocument | None = None
    try:
        parsed = parse_visit(document, checklist)
    except DocumentError as exc:
        errors += exc.errors
    if parsed is not None:
        comments = {k: a.comment for k, a in parsed.answers.items() if a.comment}
        errors += _completeness(
            checklist,
            parsed.answer_values(),
            photos or [],
            external_id,
            comments=comments,
            variant=parsed.variant,
        )
    else:  # still report what is missing, with what is invalid, in one response
        values, invalid = _valid_answers(checklist, document.get("answers"))
        raw = document.get("answers")
        notes: dict[str, Any] = {
            str(k): a.get("comment")
            for k, a in (raw.items() if isinstance(raw, dict) else ())
            if isinstance(a, dict)
        }
        given = document.get("variant")
        errors += _completeness(
            checklist,
            values,
            photos or [],
            external_id,
            invalid,
            comments=notes,
            variant=given if isinstance(given, str) and given in checklist.variant_ids else None,
        )
    wave: Wave | None = None
    if parsed is not None and branch is not None:
        time_in = _aware(parsed.visited_at, branch)
        wave = _wave_for(db, branch, version, time_in)
        if wave is None:
            errors.append(_wave_error(db, branch, version, checklist, time_in))
    ready: list[tuple[str, Processed]] = []
    if photos and branch is not None:
        photo_errors, ready = _photo_errors(checklist, photos, external_id, branch.timezone)
        errors += photo_errors
    if errors:
        raise DocumentError(errors)
    assert parsed is not None and branch is not None and wave is not None
    return _store(db, agency, version, branch, wave, parsed, external_id, ready)


def _store(
    db: Session,
    agency: Agency,
    version: ChecklistVersion,
    branch: Branch,
    wave: Wave,
    parsed: VisitDocument,
    external_id: str,
    photos: list[tuple[str, Processed]],
) -> Delivered:
    time_in = _aware(parsed.visited_at, branch)
    visit = Visit(
        branch_id=row_id(branch),
        wave_id=row_id(wave),
        checklist_version_id=row_id(version),
        status=VisitStatus.submitted,
        channel=document_of(version).channel,
        **wave_brief.visit_brief(wave),
        variant=parsed.variant,
        time_in=time_in,
        time_out=_aware(parsed.time_out, branch) if parsed.time_out else None,
        submitted_at=utcnow(),
        external_id=external_id,
        agency_id=agency.id,
    )
    try:
        with db.begin_nested():
            db.add(visit)
            db.flush()
    except IntegrityError:  # the same delivery arrived twice at once; the first one won
        found = _existing(db, agency, external_id)
        if found:
            return found
        raise
    visit_id = row_id(visit)
    for item_id, answer in parsed.answers.items():
        if answer.value is None:
            continue
        db.add(
            new_answer(
                visit_id=visit_id,
                item_id=item_id,
                value=answer.value,
                comment=(answer.comment or "")[:4000],
            )
        )
    for item_id, processed in photos:
        record_photo(
            db,
            visit=visit,
            item_id=item_id,
            processed=processed,
            source_sha256=hashlib.sha256(processed.image).hexdigest(),
        )
    db.add(
        AuditEvent(
            visit_id=visit_id,
            action="submitted",
            after={"agency": agency.name},
            reason="agency delivery",
        )
    )
    db.flush()
    result = record_score(db, visit=visit)
    return Delivered(visit, True, result.to_dict())


@dataclass
class BulkResult:
    index: int
    external_id: str | None
    status: str  # created | existing | invalid
    visit_id: int | None = None
    errors: list[str] = field(default_factory=list)


def deliver_many(
    db: Session,
    *,
    agency: Agency,
    documents: list[Any],
    photos: dict[str, list[PhotoFile]] | None = None,
) -> list[BulkResult]:
    """Deliver each visit on its own (one bad visit does not stop the others)."""
    results = []
    photos = photos or {}
    for index, document in enumerate(documents):
        external_id = document.get("external_id") if isinstance(document, dict) else None
        external_id = external_id if isinstance(external_id, str) else None
        try:
            with db.begin_nested():
                done = deliver_visit(
                    db, agency=agency, document=document, photos=photos.get(external_id or "", [])
                )
        except DocumentError as exc:
            results.append(BulkResult(index, external_id, "invalid", errors=exc.errors))
            continue
        except DomainError as exc:
            results.append(BulkResult(index, external_id, "invalid", errors=[exc.message]))
            continue
        status = "created" if done.created else "existing"
        results.append(BulkResult(index, external_id, status, done.visit.id))
    return results
