"""Every ranking shows tied branches in one order: by branch code, digits read as numbers."""

from __future__ import annotations

from app.models import Branch, WaveBranch
from app.reports.summary import ranked_rows, render_summary
from app.services import scorecards
from tests.reports.conftest import pdf_text
from tests.scorecards.conftest import add_visit

PERFECT = {"greet": "yes", "wait": 30, "receipt": "yes", "name": "yes", "clean": "yes"}


def _tied_branches(db, scdata) -> dict[str, Branch]:
    """B10 and B9 in East, both at 100 in wave 1 like South's S1; B10 is created first."""
    wave = scdata["waves"]["W1"]
    made = {}
    for code in ("B10", "B9"):
        branch = Branch(code=code, name=f"Branch {code}", region_id=scdata["regions"]["E"].id)
        db.add(branch)
        db.flush()
        db.add(WaveBranch(wave_id=wave.id, branch_id=branch.id))
        add_visit(db, wave=wave, branch=branch, answers=PERFECT)
        made[code] = branch
    db.flush()  # the scorecards read stored aggregates with plain SQL, which does not autoflush
    return made


def test_the_scorecard_and_the_pdf_summary_rank_ties_alike(db, scdata):
    _tied_branches(db, scdata)
    view = scorecards.overview(db, user=None, wave=scdata["waves"]["W1"])
    east = next(r for r in view.regions if r.region.code == "E")
    assert [(row.rank, row.branch.code, row.score) for row in east.ranking[:2]] == [
        (1, "B9", 100.0),
        (2, "B10", 100.0),
    ]
    assert [row.branch.code for row in ranked_rows(view)][:3] == ["B9", "B10", "S1"]

    pdf = render_summary(db, wave=scdata["waves"]["W1"], region=None, failures=[], lang="en")
    summary = pdf_text(pdf)
    ranking = summary[summary.index("Ranking") :]
    assert ranking.index("B9") < ranking.index("B10") < ranking.index("S1")


def test_the_branch_scorecard_gives_the_same_rank(db, scdata):
    made = _tied_branches(db, scdata)
    wave = scdata["waves"]["W1"]
    ranks = {
        code: scorecards.branch_scorecard(db, user=None, branch=branch, wave=wave).rank
        for code, branch in made.items()
    }
    assert ranks == {"B9": 1, "B10": 2}
