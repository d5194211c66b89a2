"""An overview of many branches keeps its figures while their inputs are unchanged
(`app.services.scorecards.lean`) and rebuilds them as soon as any input changes: a score,
a branch's region, competitor flag or code, a region's code; a branch's name is read
fresh. Each rebuild is seen by counting the reads of the stored aggregates."""

from __future__ import annotations

import pytest

from app.services import scorecards
from app.services.scorecards import data, lean
from tests.scorecards.conftest import add_visit

POOR = {"greet": "no", "wait": 400, "receipt": "no", "name": "no", "clean": "yes"}


@pytest.fixture
def reads(monkeypatch):
    """How many times the overviews read the stored aggregates of every branch."""
    lean.forget()
    counted = {"rows": 0}
    real = data.wave_rows

    def counting(*args, **kwargs):
        counted["rows"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(data, "wave_rows", counting)
    yield counted
    lean.forget()


def _view(db, wave):
    return scorecards.overview(db, user=None, wave=wave, rankings_above=1)


def _figures(view):
    regions = [(r.region.code, r.score, r.bands, r.ranked, r.warned) for r in view.regions]
    warned = [(w.branch.code, w.branch.name, w.score, w.warnings) for w in view.warnings]
    return regions, warned, view.score, view.benchmark_score, view.warnings_total


def test_unchanged_inputs_are_not_read_again_and_give_the_same_figures(db, scdata, reads):
    wave = scdata["waves"]["W2"]
    first = _figures(_view(db, wave))
    assert reads["rows"] == 1
    assert _figures(_view(db, wave)) == first and reads["rows"] == 1
    full = scorecards.overview(db, user=None, wave=wave)
    assert first[0] == [(r.region.code, r.score, r.bands, r.ranked, r.warned) for r in full.regions]


def test_every_input_of_the_figures_rebuilds_them(db, scdata, reads):
    wave = scdata["waves"]["W2"]
    seen = _figures(_view(db, wave))
    e2 = scdata["branches"]["E2"]

    def rebuilt() -> tuple:
        nonlocal seen
        before = reads["rows"]
        now = _figures(_view(db, wave))
        assert reads["rows"] == before + 1, "the change was not noticed"
        changed, seen = now != seen, now
        return changed

    add_visit(db, wave=wave, branch=e2, answers=POOR)  # a new approved visit: a new score
    db.flush()
    assert rebuilt()
    e2.name = "East Two, renamed"  # a name is not kept: the listed rows are read fresh
    db.add(e2)
    db.flush()
    before = reads["rows"]
    seen = _figures(_view(db, wave))
    assert reads["rows"] == before and "East Two, renamed" in str(seen[1])
    e2.competitor = True
    db.add(e2)
    db.flush()
    assert rebuilt()
    e2.region_id = scdata["regions"]["S"].id
    db.add(e2)
    db.flush()
    rebuilt()
    east = scdata["regions"]["E"]
    east.code = "EA"
    db.add(east)
    db.flush()
    rebuilt()
    assert _figures(_view(db, wave)) == seen  # and nothing since: kept
