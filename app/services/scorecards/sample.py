"""How much a score rests on: a wave still in the field, a branch with too few visits.

A figure read without this is misread: 9 of 12 visits approved is an interim score, and a
branch scored from one visit is an anecdote. Pages, exports and the PDF read these
answers; none of them decides it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from app.models import Branch, Visit, VisitStatus, Wave, WaveBranch, utcnow
from app.models.base import row_id
from app.services.scorecards.data import scoped
from app.settings import get_settings


@dataclass(frozen=True, slots=True)
class WaveSample:
    """A wave's approved visits against those it plans, for the branches shown."""

    approved: int
    planned: int
    interim: bool  # still in the field, or visits not yet approved: the scores may move


def company_today() -> date:
    """Today in the company's zone (the day a wave's last date is compared with)."""
    return utcnow().astimezone(get_settings().resolved_timezone).date()


def low_sample(visits: int, planned: int) -> bool:
    """Fewer approved visits than the wave plans for the branch, or than the minimum."""
    return visits < max(planned, get_settings().low_sample_visits)


def wave_sample(
    db: Session,
    *,
    wave: Wave,
    scope: Any,
    region_ids: list[int] | None = None,
    today: date | None = None,
) -> WaveSample:
    """Approved visits of the wave and the visits it plans, for the visible branches."""
    wave_id = row_id(wave)
    branches = scoped(
        select(func.count())
        .select_from(WaveBranch)
        .join(Branch, col(Branch.id) == WaveBranch.branch_id)
        .where(WaveBranch.wave_id == wave_id),
        scope,
    )
    approved = (
        select(func.count())
        .select_from(Visit)
        .where(Visit.wave_id == wave_id, Visit.status == VisitStatus.approved)
    )
    if scope is not None or region_ids is not None:  # HQ's count needs no join
        approved = scoped(approved.join(Branch, col(Branch.id) == Visit.branch_id), scope)
    if region_ids is not None:
        branches = branches.where(col(Branch.region_id).in_(region_ids))
        approved = approved.where(col(Branch.region_id).in_(region_ids))
    planned = int(db.exec(branches).one()) * wave.visits_per_branch
    done = int(db.exec(approved).one())
    in_field = (today or company_today()) <= wave.ends_on
    return WaveSample(approved=done, planned=planned, interim=in_field or done < planned)
