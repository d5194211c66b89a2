"""A wave's results as spreadsheets: visits, branches, regions and moments of truth.

The branch, region and moment figures come from `scorecards.overview`, the same
function the pages use, so a spreadsheet never disagrees with the screen. Figures
keep full precision (spreadsheets format them to one decimal); shoppers are never named.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlmodel import Session, col, select

from app.i18n import _
from app.models import Band, Branch, Region, User, VisitScore, Wave
from app.models.answer_codec import engine_value, engine_values
from app.models.base import row_id
from app.scoring import score_visit, text_for
from app.services import scorecards, visit_policy
from app.services.checklists import checklist_of
from app.services.scorecards import data
from app.services.scorecards.items import answers_by_visit, counted_visits
from app.services.scorecards.types import lang

LEVELS = ("visits", "branches", "regions", "moments")


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[list[Any]]


def _met(met: bool | None) -> str:
    """Whether an applicable standard was met, as the engine judged it; '' when it did not apply."""
    return "" if met is None else _("Met") if met else _("Not met")


def wave_sheets(
    db: Session,
    *,
    user: User | None,
    wave: Wave,
    region: Region | None = None,
    levels: tuple[str, ...] = LEVELS,
) -> list[Sheet]:
    """The sheets of a wave's results (`levels`) for what the user may see (user=None: all)."""
    view = scorecards.overview(db, user=user, wave=wave, region=region)
    builders = {
        "visits": lambda: _visits_sheet(db, user=user, wave=wave, region=region),
        "branches": lambda: _branches_sheet(view),
        "regions": lambda: _regions_sheet(view),
        "moments": lambda: _moments_sheet(view),
    }
    return [builders[level]() for level in levels]


def _visits_sheet(db: Session, *, user: User | None, wave: Wave, region: Region | None) -> Sheet:
    document = checklist_of(db, wave)
    tag = lang()
    query = data.scoped(select(Branch), data.scope_of(db, user))
    if region is not None:
        query = query.where(Branch.region_id == region.id)
    branches = {b.id: b for b in db.exec(query)}
    regions = {r.id: r for r in db.exec(select(Region))}
    visits = counted_visits(db, branch_ids=list(branches), wave_id=row_id(wave))
    visit_ids = [row_id(v) for v in visits]
    answers = answers_by_visit(db, visit_ids)
    stored = {
        s.visit_id: s
        for s in db.exec(select(VisitScore).where(col(VisitScore.visit_id).in_(visit_ids)))
    }
    items = [i for i in document.all_items() if i.kind != "photo"]
    headers = [
        _("Visit"),
        _("Branch code"),
        _("Branch"),
        _("Region"),
        _("Competitor"),
        _("Visited at"),
        _("Score"),
        _("Score before cap"),
        _("Band"),
        _("Critical failure"),
        _("Delight rate"),
    ]
    headers += [text_for(s.title, tag) for s in document.sections]
    for item in items:
        headers.append(f"{item.id}: {text_for(item.text, tag)}")
        if item.scored:
            headers.append(_("%(item)s: score", item=item.id))
            headers.append(_("%(item)s: met", item=item.id))
    rows = []
    for visit in sorted(visits, key=lambda v: (branches[v.branch_id].code, v.id)):
        branch = branches[visit.branch_id]
        score = stored[row_id(visit)]
        given = answers[row_id(visit)]
        result = score_visit(document, engine_values(given.values()))
        when = visit_policy.visit_time(visit.time_in, user) or visit.approved_at
        local = when.astimezone(ZoneInfo(branch.timezone)).replace(tzinfo=None) if when else None
        row: list[Any] = [
            visit.id,
            branch.code,
            branch.name,
            regions[branch.region_id].name,
            _("Yes") if branch.competitor else _("No"),
            local,
            score.score,
            score.raw_score,
            Band.label_of(score.band),
            _("Yes") if score.critical_failure else _("No"),
            score.delight,
        ]
        row += [score.result.get("sections", {}).get(s.id) for s in document.sections]
        for item in items:
            row.append(engine_value(given.get(item.id)))
            if item.scored:
                entry = result.items[item.id]
                row.append(None if entry.fraction is None else 100.0 * entry.fraction)
                row.append(_met(entry.met))
        rows.append(row)
    return Sheet("visits", headers, rows)


def _branches_sheet(view: scorecards.Overview) -> Sheet:
    headers = [
        _("Region"),
        _("Rank"),
        _("Branch code"),
        _("Branch"),
        _("Competitor"),
        _("Visits"),
        _("Score"),
        _("Band"),
        _("Previous score"),
        _("Trend"),
        _("Early warnings"),
        _("Weakest moment"),
        Band.below.label,
        Band.within.label,
        Band.delighted.label,
        _("Critical failures"),
    ]
    rows = []
    for region in view.regions:
        for row in region.ranking + region.benchmark:
            rows.append(
                [
                    region.region.name,
                    row.rank,
                    row.branch.code,
                    row.branch.name,
                    _("Yes") if row.branch.competitor else _("No"),
                    row.visits,
                    row.score,
                    Band.label_of(row.band),
                    row.previous_score,
                    row.trend,
                    "; ".join(w.label for w in row.warnings),
                    row.weakest.title if row.weakest else "",
                    row.bands.get("below", 0),
                    row.bands.get("within", 0),
                    row.bands.get("delighted", 0),
                    row.critical_failures,
                ]
            )
    return Sheet("branches", headers, rows)


def _regions_sheet(view: scorecards.Overview) -> Sheet:
    headers = [
        _("Region code"),
        _("Region"),
        _("Score"),
        _("Band"),
        _("Branches scored"),
        _("Visits"),
        _("Weakest moment"),
        _("Weakest moment compliance"),
        _("Competitor benchmark"),
        Band.below.label,
        Band.within.label,
        Band.delighted.label,
        _("Critical failures"),
    ]
    rows = [
        [
            r.region.code,
            r.region.name,
            r.score,
            Band.label_of(r.band),
            r.branches_scored,
            r.visits,
            r.weakest.title if r.weakest else "",
            r.weakest_score,
            r.benchmark_score,
            r.bands.get("below", 0),
            r.bands.get("within", 0),
            r.bands.get("delighted", 0),
            r.critical_failures,
        ]
        for r in view.regions
    ]
    return Sheet("regions", headers, rows)


def _moments_sheet(view: scorecards.Overview) -> Sheet:
    headers = [
        _("Region code"),
        _("Region"),
        _("Moment of truth"),
        _("Compliance"),
        _("Weakest moment"),
    ]
    rows = []
    for region in view.regions:
        for section in view.sections:
            weakest = region.weakest is not None and region.weakest.id == section.id
            rows.append(
                [
                    region.region.code,
                    region.region.name,
                    section.title,
                    region.sections.get(section.id),
                    _("Yes") if weakest else "",
                ]
            )
    return Sheet("moments", headers, rows)


# A text cell starting with one of these is run as a formula by spreadsheet programs
# (CSV/formula injection, OWASP): a shopper's comment "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: str) -> str:
    """A text that no spreadsheet runs: a leading formula character gets an apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return _inert(value)
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else value


def to_csv(sheet: Sheet) -> str:
    """One sheet as CSV (UTF-8 with a byte-order mark so spreadsheet programs read Chinese)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_csv_value(h) for h in sheet.headers])
    for row in sheet.rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue()


def to_xlsx(sheets: list[Sheet]) -> bytes:
    """All sheets as one workbook; figures stay numbers, shown with one decimal."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        ws.append(sheet.headers)
        for row in sheet.rows:
            ws.append(row)
        for column in ws.iter_cols(min_row=1):
            for cell in column:
                if cell.data_type == "f":  # openpyxl makes any "=..." text a live formula
                    cell.data_type = "s"
                    cell.quotePrefix = True
                elif isinstance(cell.value, float):
                    cell.number_format = "0.0"
                elif cell.is_date:
                    cell.number_format = "yyyy-mm-dd hh:mm"
        ws.freeze_panes = "A2"
        for index, header in enumerate(sheet.headers, start=1):
            ws.column_dimensions[get_column_letter(index)].width = min(max(len(header), 8), 40)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
