"""Privacy by design (ESOMAR/MSPA): what is forgotten, and when.

A visit older than `RETENTION_MONTHS` (by its time in, else when it was submitted or made)
loses what could identify the shopper or the staff beyond its findings: its photos (files
deleted after the commit, `app.storage`), the GPS position of the check-in, free texts
(comments, text answers, the reviewer's notes, the before/after of corrections to text
answers) and the link to its shopper. Scores, answers to scored items and every aggregate
stay, so scorecards and trends read the same. 0 months keeps visits forever.

Whatever the setting, sessions that can no longer be used, login throttle counters nobody
touched for a day and login events older than `LOGIN_LOG_DAYS` are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, delete, select

from app import storage
from app.models import Answer, AuditEvent, Photo, UserSession, Visit, utcnow
from app.services import security_log, throttle
from app.services.checklists import checklist_of
from app.settings import get_settings


@dataclass
class PurgeReport:
    visits: int = 0
    photos: int = 0
    sessions: int = 0
    throttles: int = 0
    login_events: int = 0


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if shorter)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=moment.tzinfo)
    last_day = (following - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def visit_moment() -> ColumnElement[datetime]:
    """When a visit happened, for retention: its time in, else submission, else creation."""
    return func.coalesce(col(Visit.time_in), col(Visit.submitted_at), col(Visit.created_at))


def expired_visits(db: Session, *, before: datetime) -> list[Visit]:
    return list(
        db.exec(
            select(Visit)
            .where(col(Visit.purged_at).is_(None), visit_moment() < before)
            .order_by(col(Visit.id))
        )
    )


def forget_visit(db: Session, *, visit: Visit, now: datetime) -> int:
    """Strip one visit to its findings; the number of photos removed."""
    photos = list(db.exec(select(Photo).where(Photo.visit_id == visit.id)))
    for photo in photos:
        storage.remove(db, photo.path)
        storage.remove(db, photo.thumb_path)
    db.exec(delete(Photo).where(col(Photo.visit_id) == visit.id))
    text_items = {item.id for item in checklist_of(db, visit).all_items() if item.kind == "text"}
    for answer in db.exec(select(Answer).where(Answer.visit_id == visit.id)):
        answer.comment = ""
        if answer.item_id in text_items:
            answer.value = None
        db.add(answer)
    for event in db.exec(
        select(AuditEvent).where(
            AuditEvent.visit_id == visit.id, col(AuditEvent.item_id).in_(text_items)
        )
    ):
        event.before = event.after = None
        db.add(event)
    visit.latitude = visit.longitude = None
    visit.review_notes = None
    visit.shopper_id = None
    visit.purged_at = now
    db.add(visit)
    return len(photos)


def purge(db: Session, *, now: datetime | None = None) -> PurgeReport:
    """Apply the retention settings once (the `shopmirror purge` command and the daily job)."""
    settings = get_settings()
    now = now or utcnow()
    report = PurgeReport()
    if settings.retention_months:
        for visit in expired_visits(db, before=months_before(now, settings.retention_months)):
            report.photos += forget_visit(db, visit=visit, now=now)
            report.visits += 1
    idle = timedelta(hours=max(settings.idle_hours_shopper, settings.idle_hours_office))
    unusable = or_(
        col(UserSession.expires_at) <= now,
        func.coalesce(UserSession.last_seen_at, UserSession.created_at) < now - idle,
    )
    report.sessions = int(db.exec(delete(UserSession).where(unusable)).rowcount or 0)
    report.throttles = throttle.purge(db, now=now)
    report.login_events = security_log.purge_logins(
        db, before=now - timedelta(days=settings.login_log_days)
    )
    db.flush()
    return report
