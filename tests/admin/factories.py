"""Small builders shared by the admin, review and API tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.models import Answer, Visit, VisitStatus, Wave, WaveBranch
from app.services.checklists import import_checklist
from app.services.scoring import rescore

# The worked example of scoring.md §8, plus an optional choice and a photo item.
MINI = """
format: 1
code: mini
name: {en: Mini visit, zh-CN: 迷你暗访}
adequate: 70
desired: 90
sections:
  - id: arrival
    title: {en: Arrival, zh-CN: 进店}
    weight: 2
    items:
      - {id: greet, text: {en: Greeted, zh-CN: 问候}, kind: check, kano: must}
      - id: wait
        text: {en: Seconds of waiting, zh-CN: 等待秒数}
        kind: measure
        unit: {en: s, zh-CN: 秒}
        better: lower
        target: 30
        limit: 90
        points: 2
      - {id: shelf, text: {en: Shelf photo, zh-CN: 货架照片}, kind: photo, required: false}
  - id: checkout
    title: {en: Checkout, zh-CN: 结账}
    items:
      - {id: receipt, text: {en: Receipt given, zh-CN: 提供小票}, kind: check, critical: true,
         photo: optional}
      - {id: name, text: {en: Name used, zh-CN: 称呼姓名}, kind: check, kano: delight}
      - {id: clean, text: {en: Clean, zh-CN: 整洁}, kind: check, kano: must, na: true}
      - id: offer
        text: {en: Offer mentioned, zh-CN: 提及优惠}
        kind: choice
        required: false
        options:
          - {id: current, text: {en: Current, zh-CN: 当前}, score: 1}
          - {id: none, text: {en: None, zh-CN: 无}, score: 0}
"""
GOOD_ANSWERS: dict[str, Any] = {
    "greet": "yes",
    "wait": 60,
    "receipt": "yes",
    "name": "yes",
    "clean": "na",
}


def mini_version(db, user=None):
    version, _created = import_checklist(db, source=MINI, user=user)
    return version


def make_wave(
    db, version, branches, *, name="W", starts=date(2026, 1, 1), days=30, per_branch=1
) -> Wave:
    wave = Wave(
        name=name,
        starts_on=starts,
        ends_on=starts + timedelta(days=days - 1),
        checklist_version_id=version.id,
        visits_per_branch=per_branch,
    )
    db.add(wave)
    db.flush()
    db.add_all(WaveBranch(wave_id=wave.id, branch_id=b.id) for b in branches)
    db.flush()
    return wave


def make_visit(
    db, version, branch, *, shopper=None, wave=None, answers=None, status=VisitStatus.submitted
) -> Visit:
    """A visit with answers (the worked example by default), scored, in the given status."""
    time_in = datetime(2026, 1, 10, 2, 0, tzinfo=UTC)
    visit = Visit(
        branch_id=branch.id,
        shopper_id=shopper.id if shopper else None,
        wave_id=wave.id if wave else None,
        checklist_version_id=version.id,
        status=status,
        time_in=time_in,
        time_out=time_in + timedelta(minutes=30),
        submitted_at=time_in + timedelta(minutes=31),
    )
    db.add(visit)
    db.flush()
    for item_id, value in (GOOD_ANSWERS if answers is None else answers).items():
        na = value == "na"
        db.add(Answer(visit_id=visit.id, item_id=item_id, value=None if na else value, na=na))
    db.flush()
    rescore(db, visit=visit)
    db.flush()
    return visit
