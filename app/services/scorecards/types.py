"""The figures a scorecard page, an export or a PDF report shows, as plain dataclasses.

Titles of moments and standards are the checklist's language maps; the `title` and
`text` properties pick the current request's language when read, so one assembled
scorecard can be rendered in either language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.i18n import _, content_language, current_language, ngettext
from app.models import Branch, CorrectiveAction, Dispute, Region, Visit, Wave
from app.scoring import text_for
from app.services.scorecards.data import BranchView
from app.services.scorecards.items import ItemStat


def N_(message: str) -> str:  # the gettext no-op marker
    return message


DIMENSION_LABELS = {
    "core": N_("Core product"),
    "support": N_("Supporting services"),
    "promise": N_("Promises kept"),
    "interaction": N_("Staff interaction"),
    "emotion": N_("Feeling valued"),
}
KANO_LABELS = {"must": N_("Must-be"), "performance": N_("Performance"), "delight": N_("Delighter")}


def lang() -> str:
    """The content language tag (en, zh-CN) of the current request or report."""
    return content_language(current_language.get())


@dataclass(slots=True)
class Warning:
    """One early-warning reason (scoring.md §7): below_adequate, dropped or critical_failure."""

    reason: str
    value: float

    @property
    def label(self) -> str:
        if self.reason == "below_adequate":
            return _("Below the adequate level (%(score)s)", score=f"{self.value:.1f}")
        if self.reason == "dropped":
            return _("Dropped by %(points)s points", points=f"{-self.value:.1f}")
        return ngettext("%(num)s critical failure", "%(num)s critical failures", int(self.value))


@dataclass
class SectionRef:
    """A moment of truth named by its checklist title."""

    id: str
    titles: Any

    @property
    def title(self) -> str:
        return text_for(self.titles, lang())


@dataclass(slots=True)
class BranchRow:
    """A branch's line in a region's ranking (or in the competitor benchmark)."""

    branch: BranchView  # read as plain columns: rankings may hold a thousand branches
    region: Region
    score: float | None
    band: str | None
    visits: int
    bands: dict[str, int]
    critical_failures: int
    previous_score: float | None
    trend: float | None
    warnings: list[Warning]
    weakest: SectionRef | None
    rank: int | None = None
    low_sample: bool = False  # fewer visits than planned or than settings.low_sample_visits
    sections: dict[str, float | None] = field(default_factory=dict)  # moment id -> compliance


@dataclass
class RegionRow:
    region: Region
    score: float | None
    band: str | None
    visits: int
    branches_scored: int
    bands: dict[str, int]
    critical_failures: int
    sections: dict[str, float | None]
    weakest: SectionRef | None
    weakest_score: float | None
    ranking: list[BranchRow]  # empty when the overview was asked without rankings
    benchmark: list[BranchRow]
    benchmark_score: float | None
    unscored: list[Branch]
    ranked: int = 0  # own branches with a score: the ranking's length, listed or not
    warned: int = 0  # of them, those with an early warning


@dataclass
class Overview:
    """Every region the user may see, for one wave."""

    wave: Wave
    previous_wave: Wave | None
    waves: list[Wave]
    checklist_name: Any
    adequate: float
    desired: float
    alert_drop: float
    sections: list[SectionRef]
    regions: list[RegionRow]
    warnings: list[BranchRow]  # without rankings: only the first ones (`warnings_total`)
    score: float | None
    band: str | None
    visits: int
    bands: dict[str, int]
    benchmark_score: float | None
    approved_visits: int = 0  # of the branches shown, against planned_visits
    planned_visits: int = 0
    interim: bool = False  # the wave is in the field or not all its visits are approved
    rankings: bool = True  # False: regions' summaries and the first warned branches only
    warnings_total: int = 0  # branches with an early warning, listed or not

    @property
    def checklist_title(self) -> str:
        return text_for(self.checklist_name, lang())


@dataclass
class SectionFigure:
    """A moment's compliance for the branch beside its region and competitor averages."""

    id: str
    titles: Any
    weight: float
    score: float | None
    region: float | None
    competitor: float | None
    previous: float | None

    @property
    def title(self) -> str:
        return text_for(self.titles, lang())


@dataclass
class DimensionFigure:
    id: str
    score: float | None
    region: float | None
    competitor: float | None

    @property
    def label(self) -> str:
        return _(DIMENSION_LABELS.get(self.id, self.id))


@dataclass
class ItemFigure:
    """One standard: how often it failed in this wave and in the previous one."""

    id: str
    texts: Any
    section: SectionRef
    kano: str
    critical: bool
    dimension: str
    stat: ItemStat
    previous: ItemStat | None

    @property
    def text(self) -> str:
        return text_for(self.texts, lang())

    @property
    def kano_label(self) -> str:
        return _(KANO_LABELS.get(self.kano, self.kano))


@dataclass
class TrendPoint:
    wave: Wave
    score: float | None
    region_score: float | None


@dataclass
class ActionRow:
    """A corrective action, its status today and whether its standard improved since."""

    action: CorrectiveAction
    status: str  # open | done | overdue
    item_texts: Any
    origin: Wave | None
    before: float | None  # the standard's compliance in the wave that prompted the action
    after: float | None  # ... in the wave shown, when that wave came later
    outcome: str | None  # improved | unchanged | worse | not_measured; None = no later wave yet

    @property
    def item_text(self) -> str:
        return text_for(self.item_texts, lang())


@dataclass
class DisputeRow:
    """A dispute with everything both sides see: reason, evidence, decision, who and when."""

    dispute: Dispute
    visit: Visit
    branch: Branch
    item_texts: Any
    current_answer: str
    raised_by: str
    resolved_by: str
    proposed: str
    deadline: datetime | None = None

    @property
    def item_text(self) -> str:
        return text_for(self.item_texts, lang())


@dataclass
class VisitSummary:
    """A counted visit of the wave (never who made it)."""

    visit: Visit
    score: float | None
    band: str | None
    critical_failure: bool


@dataclass
class BranchScorecard:
    """Everything one branch's scorecard (page or PDF) shows for one wave."""

    branch: Branch
    region: Region
    wave: Wave
    previous_wave: Wave | None
    waves: list[Wave]
    checklist_name: Any
    adequate: float
    desired: float
    alert_drop: float
    score: float | None
    band: str | None
    visits: int
    bands: dict[str, int]
    delight: float | None
    critical_failures: int
    region_score: float | None
    competitor_score: float | None
    previous_score: float | None
    trend: float | None
    rank: int | None
    ranked: int
    warnings: list[Warning]
    sections: list[SectionFigure]
    dimensions: list[DimensionFigure]
    must_items: list[ItemFigure]
    delight_items: list[ItemFigure]
    failed: list[ItemFigure]
    series: list[TrendPoint]
    weakest: SectionFigure | None
    actions: list[ActionRow] = field(default_factory=list)
    disputes: list[DisputeRow] = field(default_factory=list)
    visit_list: list[VisitSummary] = field(default_factory=list)
    planned_visits: int = 0  # the wave's visits per branch
    low_sample: bool = False
    interim: bool = False

    @property
    def checklist_title(self) -> str:
        return text_for(self.checklist_name, lang())
