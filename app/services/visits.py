"""A shopper's visit: starting it and autosaving its answers.

Answers arrive one at a time from phones on bad connections, often twice, sometimes
late and out of order, sometimes from two devices. Each carries the device's
`client_id` and the time the change was made (`client_time`): a repeated request is
applied once, and per answer the change made last on a device wins.

An answer that skip logic hides again (its item's `when` no longer holds after another
answer changed) is removed, so that nobody reads an answer to a question that was not
asked; the scoring core's `visible_items` decides, as it does for the form and the score.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.errors import Invalid, NotFound
from app.i18n import _
from app.models import Answer, User, Visit, VisitStatus, utcnow
from app.models.answer_codec import decode, encode, engine_value
from app.scoring import Checklist as ChecklistDoc
from app.scoring import DocumentError, Item, controls_visibility, text_for, visible_items
from app.scoring import validate_answer as check_value
from app.services import visit_policy
from app.services.checklists import checklist_of
from app.services.visit_lock import lock, lock_with_checklist
from app.services.visit_policy import Action

MAX_COMMENT = 4000
MAX_TEXT = 20000
TIMER_SLACK = timedelta(seconds=5)
SECOND_UNITS = frozenset({"s", "sec", "secs", "second", "seconds", "秒"})
MINUTE_UNITS = frozenset({"min", "mins", "minute", "minutes", "分钟", "分"})


@dataclass(frozen=True)
class Saved:
    """What happened to one autosave: `saved`, `duplicate` (seen before) or `stale` (older)."""

    state: str
    answer: Answer
    dropped: tuple[str, ...] = ()  # answers removed because this one hid their items


def timer_unit(item: Item) -> str | None:
    """'s' or 'min' when a measure item is timed with the stopwatch, else None."""
    if item.kind != "measure" or item.unit is None:
        return None
    units = {text_for(item.unit, lang).strip().lower() for lang in ("en", "zh-CN")}
    if units & SECOND_UNITS:
        return "s"
    if units & MINUTE_UNITS:
        return "min"
    return None


def parse_time(raw: str | None, *, field: str) -> datetime | None:
    """A device time sent as ISO 8601 (with zone) or epoch milliseconds; None if absent."""
    if raw is None or not str(raw).strip():
        return None
    raw = str(raw).strip()
    try:
        if raw.isdigit():
            return datetime.fromtimestamp(int(raw) / 1000, UTC)
        moment = datetime.fromisoformat(raw)
    except (ValueError, OverflowError, OSError):
        raise Invalid(_("This time is not valid."), field=field) from None
    if moment.tzinfo is None:
        raise Invalid(_("This time is not valid."), field=field)
    return moment.astimezone(UTC)


# The autosave's statements, built once (building one cost about as much as running it).
ANSWER_OF = select(Answer).where(
    col(Answer.visit_id) == bindparam("visit"), col(Answer.item_id) == bindparam("item")
)
ANSWER_VALUES = select(Answer.item_id, Answer.value, Answer.na).where(
    col(Answer.visit_id) == bindparam("visit")
)


def ensure_editable(
    db: Session,
    *,
    user: User,
    visit: Visit,
    client_time: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Refuse changes the policy does not allow (submitted, not due yet, stale, not yours)."""
    permissions = visit_policy.for_visit(db, user=user, visit=visit, now=now)
    permissions.require(Action.edit, client_time=client_time)


def start(
    db: Session,
    *,
    user: User,
    visit: Visit,
    at: datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    now: datetime | None = None,
) -> Visit:
    """Record the time in (and, with consent, the phone's location); starting again keeps it.

    The time in is the server's clock when the check-in arrives: a phone's clock can be set
    to anything. The phone's claim `at` is kept beside it (`device_time_in`); the reviewer
    sees a gap beyond `TIME_IN_TOLERANCE_MINUTES` flagged (`review_flags`). A check-in queued
    offline therefore gets the time the sync delivered it, which bounds the real one, and
    its earlier device time is shown to the reviewer rather than believed.
    """
    now = now or utcnow()
    located = latitude is not None and longitude is not None
    lat, lon = latitude or 0.0, longitude or 0.0
    if located and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid(_("This location is not valid."), field="latitude")
    visit = lock(db, visit)
    ensure_editable(db, user=user, visit=visit, now=now)  # refuses a visit not due yet
    if visit.status != VisitStatus.assigned:
        return visit
    visit.status = VisitStatus.in_progress
    visit.time_in = now
    visit.device_time_in = at
    if located:
        visit.latitude, visit.longitude = latitude, longitude
    db.add(visit)
    return visit


def _started(db: Session, user: User, visit: Visit, at: datetime, now: datetime) -> Visit:
    """An answer to a visit not yet started starts it (at the time of that answer)."""
    if visit.status == VisitStatus.assigned:
        return start(db, user=user, visit=visit, at=at, now=now)
    return visit


def _normalized(doc: ChecklistDoc, item_id: str, value: Any) -> tuple[Any, bool]:
    """(stored value, is N/A) for a form value, or Invalid naming the item."""
    try:
        clean = check_value(doc, item_id, value, from_form=True)
    except DocumentError:
        raise Invalid(_("This answer is not valid for this item."), field=item_id) from None
    if isinstance(clean, str) and len(clean) > MAX_TEXT:
        raise Invalid(_("This text is too long."), field=item_id)
    return encode(clean)


def _item(doc: ChecklistDoc, item_id: str) -> Item:
    try:
        item = doc.item(item_id)
    except KeyError:
        raise Invalid(_("This item is no longer on the checklist."), field=item_id) from None
    if item.kind == "photo":
        raise Invalid(_("Photo items take photos, not answers."), field=item_id)
    return item


def _check_timer(item: Item, value: Any, started: datetime, made: datetime) -> None:
    """A stopwatch value cannot be longer than the time between start and the answer."""
    unit = timer_unit(item)
    if unit is None or not isinstance(value, int | float):
        return
    measured = timedelta(seconds=value * (60 if unit == "min" else 1))
    if started > made or measured > made - started + TIMER_SLACK:
        raise Invalid(_("The stopwatch time does not match the time measured."), field=item.id)


def _newer(time_: datetime, client_id: str, row: Answer) -> bool:
    if row.client_time is None:
        return True
    if time_ != row.client_time:
        return time_ > row.client_time
    return client_id > row.client_id


def drop_hidden(db: Session, *, doc: ChecklistDoc, visit: Visit, keep: str) -> tuple[str, ...]:
    """Remove the answers whose items the visit's answers now hide; returns their item ids.

    `keep` (the item just answered) is left alone: its own visibility is its controller's
    to decide, and a change of that controller, even one sent out of order from an
    outbox, runs this again.
    """
    # Columns, not rows: every answer that controls others runs this, and seldom hides any.
    values = db.exec(ANSWER_VALUES, params={"visit": visit.id}).all()
    shown = visible_items(
        doc, {item: decode(value, na) for item, value, na in values}, visit.variant
    )
    gone = [item for item, _value, _na in values if item not in shown and item != keep]
    if not gone:
        return ()
    hidden = db.exec(
        select(Answer).where(Answer.visit_id == visit.id, col(Answer.item_id).in_(gone))
    ).all()
    for row in hidden:
        db.delete(row)
    if hidden:
        db.flush()
    return tuple(row.item_id for row in hidden)


def save_answer(
    db: Session,
    *,
    user: User,
    visit: Visit,
    item_id: str,
    value: Any,
    comment: str = "",
    client_id: str,
    client_time: datetime | None = None,
    timer_started_at: datetime | None = None,
    now: datetime | None = None,
) -> Saved:
    """Apply one autosaved answer exactly once; an older change than the stored one is ignored."""
    now = now or utcnow()
    if not client_id or len(client_id) > 64:
        raise Invalid(_("A change id of 1 to 64 characters is required."), field="client_id")
    made = min(client_time or now, now)  # a device clock in the future cannot pin an answer
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(_("This comment is too long."), field="comment")
    visit, doc = lock_with_checklist(db, visit)
    item = _item(doc, item_id)
    stored, na = _normalized(doc, item_id, value)
    row = db.exec(ANSWER_OF, params={"visit": visit.id, "item": item_id}).first()
    if row is not None and row.client_id == client_id:
        return Saved("duplicate", row)
    ensure_editable(db, user=user, visit=visit, client_time=client_time, now=now)
    if timer_started_at is not None:
        _check_timer(item, stored, timer_started_at, made)
    if row is not None and not _newer(made, client_id, row):
        return Saved("stale", row)
    visit = _started(db, user, visit, made, now)
    assert visit.id is not None  # a stored visit
    row = row or Answer(visit_id=visit.id, item_id=item_id)
    row.value, row.na, row.comment = stored, na, comment
    row.client_id, row.client_time, row.updated_at = client_id, made, now
    db.add(row)
    db.flush()
    if not controls_visibility(doc, item_id):  # no condition reads it: nothing newly hidden
        return Saved("saved", row)
    return Saved("saved", row, drop_hidden(db, doc=doc, visit=visit, keep=item_id))


def save_form(
    db: Session,
    *,
    user: User,
    visit: Visit,
    section_id: str,
    values: dict[str, str],
    comments: dict[str, str],
    lang: str = "en",
) -> list[str]:
    """The no-JavaScript form of one moment of truth: save what changed, list what was refused."""
    ensure_editable(db, user=user, visit=visit)
    doc = checklist_of(db, visit)
    section = next((s for s in doc.sections if s.id == section_id), None)
    if section is None:
        raise NotFound(_("Not found."))
    stored = {a.item_id: a for a in db.exec(select(Answer).where(Answer.visit_id == visit.id))}
    errors: list[str] = []
    for item in section.items:
        if item.kind == "photo" or (item.id not in values and item.id not in comments):
            continue
        row = stored.get(item.id)
        before = (engine_value(row), row.comment if row else "")
        value = values.get(item.id, before[0] if before[0] is not None else "")
        comment = comments.get(item.id, before[1]).strip()
        try:
            now_value, na = _normalized(doc, item.id, value)
            if (decode(now_value, na), comment) == before:
                continue
            save_answer(
                db,
                user=user,
                visit=visit,
                item_id=item.id,
                value=value,
                comment=comment,
                client_id=uuid.uuid4().hex,
            )
        except Invalid as exc:
            errors.append(f"{text_for(item.text, lang)}: {exc.message}")
    drop_hidden(db, doc=doc, visit=visit, keep="")  # the whole moment came at once
    return errors


def choose_content_language(db: Session, *, user: User, visit: Visit, language: str) -> None:
    """Keep the shopper's language for checklist texts: one of this visit's checklist's."""
    languages = checklist_of(db, visit).languages
    if language not in languages:
        raise Invalid(
            _("Choose one of the checklist's languages: %(tags)s", tags=", ".join(languages)),
            field="language",
        )
    user.content_language = language
    db.add(user)
