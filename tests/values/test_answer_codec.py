"""The answer codec: stored columns (value, na) and engine values map both ways, losslessly."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.models import Answer, Branch, Region, Visit
from app.models.answer_codec import (
    NA,
    decode,
    encode,
    engine_value,
    engine_values,
    is_answered,
    new_answer,
    store,
)
from app.services.checklists import import_checklist
from tests.scorecards.conftest import CHECKLIST

# engine value -> stored (value, na)
CASES = [
    ("yes", ("yes", False)),
    ("no", ("no", False)),
    (4, (4, False)),
    (0, (0, False)),
    (42.5, (42.5, False)),
    ("opt-b", ("opt-b", False)),
    ("A narrative, with 'na' inside.", ("A narrative, with 'na' inside.", False)),
    (NA, (None, True)),
    (None, (None, False)),
]


@pytest.mark.parametrize(("value", "columns"), CASES)
def test_encode_and_decode_are_inverse(value, columns):
    assert encode(value) == columns
    assert decode(*columns) == value


@pytest.mark.parametrize(("value", "columns"), CASES)
def test_a_row_written_by_the_codec_reads_back_the_same_value(value, columns):
    row = store(Answer(visit_id=1, item_id="x", value="stale", na=not columns[1]), value)
    assert (row.value, row.na) == columns
    assert engine_value(row) == value
    assert engine_value(new_answer(visit_id=1, item_id="x", value=value)) == value
    assert is_answered(row) is (value is not None)


def test_no_row_is_no_answer():
    assert engine_value(None) is None
    assert is_answered(None) is False


def test_engine_values_of_a_visits_rows():
    rows = [
        new_answer(visit_id=1, item_id="greet", value="yes"),
        new_answer(visit_id=1, item_id="clean", value=NA),
        new_answer(visit_id=1, item_id="wait", value=45),
    ]
    assert engine_values(rows) == {"greet": "yes", "clean": "na", "wait": 45}


def test_rows_round_trip_through_the_database(db):
    """What the codec writes is what the engine reads after a real store and load."""
    version, _ = import_checklist(db, source=CHECKLIST)
    region = Region(code="R", name="R")
    db.add(region)
    db.flush()
    branch = Branch(code="B", name="B", region_id=region.id)
    db.add(branch)
    db.flush()
    visit = Visit(branch_id=branch.id, checklist_version_id=version.id)
    db.add(visit)
    db.flush()
    given = {"greet": "yes", "wait": 61.5, "clean": NA, "name": None}
    db.add_all(new_answer(visit_id=visit.id, item_id=k, value=v) for k, v in given.items())
    db.flush()
    db.expire_all()
    loaded = engine_values(db.exec(select(Answer).where(Answer.visit_id == visit.id)))
    assert loaded == given
