"""Rendered reports kept on disk under a key made of everything they show.

The key hashes the approved visits and their scores, answers, photos and audit
events, the stored aggregates behind the region and competitor figures, corrective
actions, disputes, the branch and wave, the language, the company name, the code
that draws the report (templates, stylesheet, charts, translations), and the branch's
date (open actions turn overdue by the day). Any change gives a new key, so a stale PDF
is never served; the files live under the storage key `reports-cache/<key>.pdf`
(`app.storage`: the media directory or the S3 bucket).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import SQLColumnExpression, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from app import storage
from app.models import (
    Answer,
    AuditEvent,
    Branch,
    BranchWaveScore,
    ChecklistVersion,
    CorrectiveAction,
    Dispute,
    Photo,
    Region,
    Visit,
    VisitScore,
    VisitStatus,
    Wave,
)
from app.reports.fonts import cjk_font
from app.services.actions import branch_today
from app.services.scorecards.data import series_waves
from app.settings import get_settings

REPORT_VERSION = "1"  # bump when the report's data assembly changes meaning
APP_DIR = Path(__file__).resolve().parent.parent
CACHE_DIRNAME = "reports-cache"
KEEP_DAYS = 30

log = logging.getLogger(__name__)


def renderer_files() -> list[Path]:
    """Everything that shapes a report besides its data; an upgrade that changes one of
    them must not serve PDFs drawn by the old code."""
    return sorted(
        [
            *(APP_DIR / "templates" / "reports").glob("*.html"),
            APP_DIR / "static" / "report.css",
            *(APP_DIR / "charts").glob("*.py"),
            *(APP_DIR / "reports").glob("*.py"),
            *(APP_DIR / "locales").glob("*/LC_MESSAGES/*.po"),
        ]
    )


@lru_cache
def template_version() -> str:
    """A digest of the code that draws reports: editing any of it invalidates the cache."""
    digest = hashlib.sha256(REPORT_VERSION.encode())
    for path in renderer_files():
        digest.update(str(path.relative_to(APP_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def branch_date(branch: Branch) -> date:
    """Today where the branch is (the day open actions are judged overdue by)."""
    return branch_today(branch)


def _wide_select(*columns: SQLColumnExpression[Any]) -> Select[*tuple[Any, ...]]:
    """``select()`` of more than four columns, which sqlmodel's ``select`` has no typing
    for (fastapi/sqlmodel#271); at run time it builds the same statement."""
    return Select(*columns)


def _rows(db: Session, query: Select[*tuple[Any, ...]]) -> list[list[Any]]:
    return [list(row) for row in db.exec(query).all()]


def _visit_content(db: Session, visit_ids: list[int]) -> dict[str, Any]:
    """What the visits section and the figures show of these visits."""
    return {
        "scores": _rows(
            db,
            select(VisitScore.visit_id, VisitScore.score, VisitScore.scored_at)
            .where(col(VisitScore.visit_id).in_(visit_ids))
            .order_by(col(VisitScore.visit_id)),
        ),
        "answers": _rows(
            db,
            _wide_select(
                col(Answer.id),
                col(Answer.item_id),
                col(Answer.value),
                col(Answer.na),
                col(Answer.comment),
                col(Answer.updated_at),
            )
            .where(col(Answer.visit_id).in_(visit_ids))
            .order_by(col(Answer.id)),
        ),
        "photos": _rows(
            db,
            select(Photo.id, Photo.item_id, Photo.thumb_path, Photo.sha256)
            .where(col(Photo.visit_id).in_(visit_ids))
            .order_by(col(Photo.id)),
        ),
        "events": _rows(
            db,
            select(AuditEvent.id, AuditEvent.action, AuditEvent.at)
            .where(col(AuditEvent.visit_id).in_(visit_ids))
            .order_by(col(AuditEvent.id)),
        ),
        "disputes": _rows(
            db,
            select(Dispute.id, Dispute.status, Dispute.resolution, Dispute.resolved_at)
            .where(col(Dispute.visit_id).in_(visit_ids))
            .order_by(col(Dispute.id)),
        ),
    }


def content_key(db: Session, *, branch: Branch, wave: Wave, language: str) -> str:
    """The cache key of one branch's report for a wave in a language."""
    settings = get_settings()
    waves = series_waves(db, wave)
    wave_ids = [w.id for w in waves]
    visits = _rows(
        db,
        _wide_select(
            col(Visit.id),
            col(Visit.status),
            col(Visit.approved_at),
            col(Visit.time_in),
            col(Visit.time_out),
            col(Visit.channel),
            col(Visit.scenario),
        )
        .where(
            Visit.branch_id == branch.id,
            Visit.wave_id == wave.id,
            Visit.status == VisitStatus.approved,
        )
        .order_by(col(Visit.id)),
    )
    region = db.get(Region, branch.region_id)
    assert region is not None  # branch.region_id is a non-null foreign key
    neighbours = or_(col(Branch.region_id) == branch.region_id, col(Branch.competitor).is_(True))
    content = {
        "template": template_version(),
        "language": language,
        "company": settings.company_name,
        "zone": settings.resolved_timezone.key,  # the times it prints
        "low_sample_visits": settings.low_sample_visits,  # whether it says "low sample"
        "font": cjk_font().family,
        "today": branch_date(branch).isoformat(),
        "branch": branch.model_dump(),
        "region": region.model_dump(),
        "waves": [w.model_dump(exclude={"created_at"}) for w in waves],
        "checklists": _rows(
            db,
            select(ChecklistVersion.id, ChecklistVersion.content_hash).where(
                col(ChecklistVersion.id).in_([w.checklist_version_id for w in waves])
            ),
        ),
        "aggregates": _rows(
            db,
            _wide_select(
                col(BranchWaveScore.wave_id),
                col(BranchWaveScore.branch_id),
                col(BranchWaveScore.score),
                col(BranchWaveScore.updated_at),
                col(Branch.competitor),
                col(Branch.region_id),
            )
            .join(Branch, col(Branch.id) == BranchWaveScore.branch_id)
            .where(col(BranchWaveScore.wave_id).in_(wave_ids), neighbours)
            .order_by(col(BranchWaveScore.wave_id), col(BranchWaveScore.branch_id)),
        ),
        "visits": visits,
        "visit_content": _visit_content(db, [v[0] for v in visits]),
        "actions": [
            a.model_dump()
            for a in db.exec(
                select(CorrectiveAction)
                .where(CorrectiveAction.branch_id == branch.id)
                .order_by(col(CorrectiveAction.id))
            )
        ],
    }
    encoded = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def cached_key(key: str) -> str:
    """The storage key of a cached report (`app.storage`)."""
    return f"{CACHE_DIRNAME}/{key}.pdf"


def read_cached(key: str) -> bytes | None:
    """The cached PDF, marked as used now (pruning keeps what is still downloaded)."""
    store = storage.backend()
    data = store.get(cached_key(key))
    if data is not None:
        store.touch(cached_key(key))
    return data


def is_cached(key: str) -> bool:
    return storage.backend().exists(cached_key(key))


def prune(*, max_age_days: int = KEEP_DAYS, now: datetime | None = None) -> int:
    """Delete cached PDFs unused for `max_age_days` (stale keys are never asked for again)."""
    cutoff = (now or datetime.now(UTC)).timestamp() - max_age_days * 86400
    store = storage.backend()
    removed = 0
    for stored in list(store.list(f"{CACHE_DIRNAME}/")):
        if stored.key.endswith(".pdf") and stored.modified < cutoff:
            store.delete(stored.key)
            removed += 1
    return removed


def store(key: str, pdf: bytes) -> str:
    """Store atomically (a reader never sees half a PDF); returns the storage key."""
    target = cached_key(key)
    storage.backend().put(target, pdf)
    return target


def keep(key: str, pdf: bytes) -> bool:
    """Cache a report just rendered for a reader, if there is room: a full disk (or a store
    that refuses the write) must not cost the reader the PDF already in hand. False, and a
    warning in the log, when it could not be kept; the next download renders it again."""
    try:
        store(key, pdf)
    except storage.write_errors() as exc:
        log.warning("report %s not cached: %s", key, exc)
        return False
    return True
