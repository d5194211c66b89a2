"""A wave's results as spreadsheets: visits, branches, regions and moments of truth.

The branch, region and moment figures come from `scorecards.overview`, the same
function the pages use, so a spreadsheet never disagrees with the screen. Each column
says what it holds (`Column.kind`): XLSX keeps figures at full precision, shown with one
decimal; CSV writes them rounded to two. Sheet names, headers and answers are in the
reader's language; times are in the company's zone (settings.company_timezone), named in
their header. Shoppers are never named.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlmodel import Session, col, select

from app.i18n import _
from app.models import Band, Branch, Region, User, VisitScore, Wave
from app.models.answer_codec import engine_values
from app.models.base import row_id
from app.scoring import Item, score_visit, text_for
from app.services import scorecards, visit_policy
from app.services.answer_words import answer_labels
from app.services.checklists import checklist_of
from app.services.scorecards import data
from app.services.scorecards.items import answer_cell, answers_by_visit, counted_visits
from app.services.scorecards.types import lang
from app.settings import get_settings

# The CSV levels (the `level` of /exports/waves/<id>.csv), in workbook order.
LEVELS = ("visits", "branches", "regions", "moments", "branch_moments")

TEXT = "text"
FIGURE = "figure"  # a score, compliance, rate or trend: one decimal in XLSX, two in CSV
COUNT = "count"  # a whole number: visits, ranks, ids
NUMBER = "number"  # an answer's number (a measure, a rating) as it was given
TIME = "time"  # a naive datetime in the company's zone (named in the header)

XLSX_FORMATS = {FIGURE: "0.0", COUNT: "0", NUMBER: "General", TIME: "yyyy-mm-dd hh:mm"}
MAX_WIDTH = 60  # characters; longer texts are cut off in view, the cell keeps them whole
FILTER_BUTTON = 2  # the autofilter's drop-down covers about two characters of a header


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass
class Sheet:
    key: str  # the level: visits, branches... (CSV file names)
    title: str  # the sheet's name in the reader's language
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _met(met: bool | None) -> str:
    """Whether an applicable standard was met, as the engine judged it; '' when it did not apply."""
    return "" if met is None else _("Met") if met else _("Not met")


def _yes(flag: bool) -> str:
    return _("Yes") if flag else _("No")


def local_time(value: datetime | None) -> datetime | None:
    """A stored UTC time in the company's zone, without the zone (spreadsheets have none)."""
    if value is None:
        return None
    return value.astimezone(get_settings().resolved_timezone).replace(tzinfo=None)


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
    builders: dict[str, Callable[[], Sheet]] = {
        "visits": lambda: _visits_sheet(db, user=user, wave=wave, region=region),
        "branches": lambda: _branches_sheet(view),
        "regions": lambda: _regions_sheet(view),
        "moments": lambda: _moments_sheet(view),
        "branch_moments": lambda: _branch_moments_sheet(view),
    }
    return [builders[level]() for level in levels]


def _answer_header(item: Item, tag: str) -> str:
    """The answer column's header: id and text, with the scale or unit its numbers are in."""
    header = f"{item.id}: {text_for(item.text, tag)}"
    if item.kind == "rating":
        return _("%(text)s (1 to %(scale)s)", text=header, scale=item.scale or 5)
    if item.kind == "measure" and item.unit:
        return _("%(text)s (%(unit)s)", text=header, unit=text_for(item.unit, tag))
    return header


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
    columns = [
        Column(_("Visit"), COUNT),
        Column(_("Branch code")),
        Column(_("Branch")),
        Column(_("Region")),
        Column(_("Competitor")),
        Column(_("Visited at (%(zone)s)", zone=get_settings().resolved_timezone.key), TIME),
        Column(_("Score"), FIGURE),
        Column(_("Score before cap"), FIGURE),
        Column(_("Band")),
        Column(_("Critical failure")),
        Column(_("Delight rate"), FIGURE),
    ]
    columns += [Column(text_for(s.title, tag), FIGURE) for s in document.sections]
    for item in items:
        numeric = item.kind in ("rating", "measure")
        columns.append(Column(_answer_header(item, tag), NUMBER if numeric else TEXT))
        if item.scored:
            columns.append(Column(_("%(item)s: score", item=item.id), FIGURE))
            columns.append(Column(_("%(item)s: met", item=item.id)))
    words = answer_labels(document, tag)
    rows = []
    for visit in sorted(visits, key=lambda v: (branches[v.branch_id].code, v.id)):
        branch = branches[visit.branch_id]
        score = stored[row_id(visit)]
        given = answers[row_id(visit)]
        result = score_visit(document, engine_values(given.values()), visit.variant)
        row: list[Any] = [
            visit.id,
            branch.code,
            branch.name,
            regions[branch.region_id].name,
            _yes(branch.competitor),
            local_time(visit_policy.visit_time(visit.time_in, user) or visit.approved_at),
            score.score,
            score.raw_score,
            Band.label_of(score.band),
            _yes(score.critical_failure),
            score.delight,
        ]
        row += [score.result.get("sections", {}).get(s.id) for s in document.sections]
        for item in items:
            row.append(answer_cell(item, given.get(item.id), tag, words))
            if item.scored:
                entry = result.items[item.id]
                row.append(None if entry.fraction is None else 100.0 * entry.fraction)
                row.append(_met(entry.met))
        rows.append(row)
    return Sheet("visits", _("All visits"), columns, rows)


def _branches_sheet(view: scorecards.Overview) -> Sheet:
    columns = [
        Column(_("Region")),
        Column(_("Rank"), COUNT),
        Column(_("Branch code")),
        Column(_("Branch")),
        Column(_("Competitor")),
        Column(_("Visits"), COUNT),
        Column(_("Score"), FIGURE),
        Column(_("Band")),
        Column(_("Previous score"), FIGURE),
        Column(_("Trend"), FIGURE),
        Column(_("Early warnings")),
        Column(_("Weakest moment")),
        Column(Band.below.label, COUNT),
        Column(Band.within.label, COUNT),
        Column(Band.delighted.label, COUNT),
        Column(_("Critical failures"), COUNT),
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
                    _yes(row.branch.competitor),
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
    return Sheet("branches", _("Branches"), columns, rows)


def _regions_sheet(view: scorecards.Overview) -> Sheet:
    columns = [
        Column(_("Region code")),
        Column(_("Region")),
        Column(_("Score"), FIGURE),
        Column(_("Band")),
        Column(_("Branches scored"), COUNT),
        Column(_("Visits"), COUNT),
        Column(_("Weakest moment")),
        Column(_("Weakest moment compliance"), FIGURE),
        Column(_("Competitor benchmark"), FIGURE),
        Column(Band.below.label, COUNT),
        Column(Band.within.label, COUNT),
        Column(Band.delighted.label, COUNT),
        Column(_("Critical failures"), COUNT),
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
    return Sheet("regions", _("Regions"), columns, rows)


def _moments_sheet(view: scorecards.Overview) -> Sheet:
    columns = [
        Column(_("Region code")),
        Column(_("Region")),
        Column(_("Moment of truth")),
        Column(_("Compliance"), FIGURE),
        Column(_("Weakest moment")),
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
    return Sheet("moments", _("Region × moment"), columns, rows)


def _branch_moments_sheet(view: scorecards.Overview) -> Sheet:
    """Each branch's compliance per moment of truth, one column a moment, in ranking order."""
    columns = [
        Column(_("Region code")),
        Column(_("Region")),
        Column(_("Rank"), COUNT),
        Column(_("Branch code")),
        Column(_("Branch")),
        Column(_("Competitor")),
        Column(_("Visits"), COUNT),
        Column(_("Score"), FIGURE),
    ]
    columns += [Column(section.title, FIGURE) for section in view.sections]
    columns.append(Column(_("Weakest moment")))
    rows = []
    for region in view.regions:
        for row in region.ranking + region.benchmark:
            rows.append(
                [
                    region.region.code,
                    region.region.name,
                    row.rank,
                    row.branch.code,
                    row.branch.name,
                    _yes(row.branch.competitor),
                    row.visits,
                    row.score,
                    *(row.sections.get(section.id) for section in view.sections),
                    row.weakest.title if row.weakest else "",
                ]
            )
    return Sheet("branch_moments", _("Branch × moment"), columns, rows)


# A text cell starting with one of these is run as a formula by spreadsheet programs
# (CSV/formula injection, OWASP): a shopper's comment "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: str) -> str:
    """A text that no spreadsheet runs: a leading formula character gets an apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return _inert(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == FIGURE and isinstance(value, int | float):
        return f"{value:.2f}"
    return value


def to_csv(sheet: Sheet) -> str:
    """One sheet as CSV (UTF-8 with a byte-order mark so spreadsheet programs read Chinese)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_inert(h) for h in sheet.headers])
    for row in sheet.rows:
        writer.writerow([_csv_value(v, c.kind) for v, c in zip(row, sheet.columns, strict=True)])
    return buffer.getvalue()


def text_width(text: str) -> int:
    """How many character cells a text takes in a spreadsheet: CJK and other wide ones two."""
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in longest)


def _shown(value: Any, kind: str) -> str:
    """A cell's text as the workbook's number formats show it (to size its column)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == FIGURE and isinstance(value, int | float):
        return f"{value:.1f}"
    return str(value)


def _column_width(column: Column, values: list[Any]) -> int:
    widest = max(
        [text_width(column.header) + FILTER_BUTTON]
        + [text_width(_shown(value, column.kind)) for value in values]
    )
    return min(widest + 2, MAX_WIDTH)


SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet name: at most 31 characters, none of []:*?/\\."""
    base = title.translate(SHEET_NAME_FORBIDDEN).strip("' ")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def to_xlsx(sheets: list[Sheet]) -> bytes:
    """All sheets as one workbook, each with a frozen header row and an autofilter.

    Figures stay numbers (one decimal shown), counts whole numbers, times the company's;
    columns are as wide as their content. No text cell is ever a formula.
    """
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(_sheet_name(sheet.title, taken))
        ws.append(sheet.headers)
        for row in sheet.rows:
            ws.append(row)
        for index, column in enumerate(sheet.columns, start=1):
            number_format = XLSX_FORMATS.get(column.kind)
            for cell in next(ws.iter_cols(min_col=index, max_col=index)):
                if cell.data_type == "f":  # openpyxl makes any "=..." text a live formula
                    cell.data_type = "s"
                    cell.quotePrefix = True
                elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True  # stays text when someone edits the cell, too
                elif number_format and cell.row > 1 and cell.value is not None:
                    cell.number_format = number_format
                if cell.row == 1:
                    cell.font = bold
            values = [row[index - 1] for row in sheet.rows]
            ws.column_dimensions[get_column_letter(index)].width = _column_width(column, values)
        last = get_column_letter(max(len(sheet.columns), 1))
        ws.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
