"""The reviewer's queue: submitted visits with their plausibility flags, filtered and sorted.

Filters (wave, region, flag) and the sort come from the page's query string, so the URL
alone says what the list shows; the flags are `review_flags`' (the review page's own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from app.errors import Invalid
from app.i18n import _
from app.models import Branch, ChecklistVersion, Region, Visit, VisitStatus, Wave
from app.models.base import row_id
from app.scoring.aggregate import code_key
from app.services import visit_policy
from app.services.dashboard import age_days
from app.services.review_flags import Flag, Plausibility, plausibility

# the orders the queue offers; "age" (longest waiting first) is the default
SORTS = ("age", "-age", "branch", "-branch")


def sort_label(sort: str) -> str:
    return {
        "age": _("Waiting longest first"),
        "-age": _("Newest first"),
        "branch": _("Branch A–Z"),
        "-branch": _("Branch Z–A"),
    }[sort]


@dataclass
class QueueRow:
    visit: Visit
    branch: Branch
    region: Region
    wave: Wave | None
    checklist_name: str | dict[str, str]  # a language map; templates show it with `|tr`
    checks: Plausibility
    age_days: int  # whole days since submission

    @property
    def flags(self) -> list[Flag]:
        return self.checks.flags


@dataclass
class ReviewQueue:
    rows: list[QueueRow]
    waiting: int  # every visit waiting for review, before the filters
    wave_id: int | None = None
    region_id: int | None = None
    flag: Flag | None = None
    sort: str = "age"
    waves: list[Wave] = field(default_factory=list)  # the filter's choices
    regions: list[Region] = field(default_factory=list)

    @property
    def filtered(self) -> bool:
        return self.wave_id is not None or self.region_id is not None or self.flag is not None

    @property
    def flag_choices(self) -> list[Flag]:
        return list(Flag)

    @property
    def sort_choices(self) -> list[tuple[str, str]]:
        return [(sort, sort_label(sort)) for sort in SORTS]

    def query(self, **changes: str) -> str:
        """This list's query string with `changes` (a sort link keeps the filters)."""
        params = {
            "wave": self.wave_id,
            "region": self.region_id,
            "flag": self.flag.value if self.flag else None,
            "sort": self.sort,
        } | changes
        return urlencode({k: v for k, v in params.items() if v is not None})


def parse_flag(value: str | None) -> Flag | None:
    """A flag from the query string: empty is "any"; an unknown one is refused, named."""
    if not value:
        return None
    try:
        return Flag(value)
    except ValueError:
        raise Invalid(_("Unknown flag %(flag)s.", flag=value), field="flag") from None


def parse_sort(value: str | None) -> str:
    if not value:
        return "age"
    if value not in SORTS:
        raise Invalid(_("Unknown sort order %(sort)s.", sort=value), field="sort")
    return value


def review_queue(
    db: Session,
    *,
    wave_id: int | None = None,
    region_id: int | None = None,
    flag: Flag | None = None,
    sort: str = "age",
    now: datetime | None = None,
) -> ReviewQueue:
    """Visits waiting for review in the wave and region asked for, raising `flag` if asked,
    in the order asked for (ties: oldest submission, then visit number)."""
    now = now or visit_policy.clock()
    rows = db.exec(
        select(Visit, Branch, Region, ChecklistVersion.document["name"])
        .join(Branch, col(Branch.id) == Visit.branch_id)
        .join(Region, col(Region.id) == Branch.region_id)
        .join(ChecklistVersion, col(ChecklistVersion.id) == Visit.checklist_version_id)
        .where(Visit.status == VisitStatus.submitted)
        .order_by(col(Visit.submitted_at), col(Visit.id))
    ).all()
    waiting = len(rows)
    if wave_id is not None:
        rows = [r for r in rows if r[0].wave_id == wave_id]
    if region_id is not None:
        rows = [r for r in rows if r[2].id == region_id]
    waves = list(db.exec(select(Wave).order_by(col(Wave.starts_on).desc(), col(Wave.id))))
    wave_of = {row_id(w): w for w in waves}
    checks = plausibility(db, visits=[r[0] for r in rows])
    queue = [
        QueueRow(
            visit,
            branch,
            region,
            wave_of.get(visit.wave_id) if visit.wave_id else None,
            name,
            checks[row_id(visit)],
            age_days(visit.submitted_at or now, now),
        )
        for visit, branch, region, name in rows
    ]
    if flag is not None:
        queue = [row for row in queue if flag in row.flags]
    if sort in ("branch", "-branch"):  # stable: equal branches keep the oldest first
        queue.sort(key=lambda row: code_key(row.branch.code), reverse=sort == "-branch")
    elif sort == "-age":
        queue.reverse()
    return ReviewQueue(
        rows=queue,
        waiting=waiting,
        wave_id=wave_id,
        region_id=region_id,
        flag=flag,
        sort=sort,
        waves=waves,
        regions=list(db.exec(select(Region).order_by(col(Region.code)))),
    )
