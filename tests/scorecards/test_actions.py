"""Corrective actions: planned from a failed standard, open/done/overdue, judged next wave."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.errors import Invalid, NotFound
from app.models import CorrectiveAction
from app.services import actions, scorecards
from tests.conftest import csrf_of, login


def _plan(db, scdata, branch="E1", item="wait", wave="W1", due=None):
    return actions.create_action(
        db,
        user=scdata["users"]["manager"],
        branch=scdata["branches"][branch],
        wave=scdata["waves"][wave],
        item_id=item,
        what="Second till at peak hours",
        owner="Store lead",
        due_on=due or date.today() + timedelta(days=30),
    )


def test_status_open_done_overdue():
    action = CorrectiveAction(
        branch_id=1, wave_id=1, item_id="x", what="w", owner="o", due_on=date(2026, 5, 10)
    )
    assert actions.status_of(action, date(2026, 5, 10)) == "open"
    assert actions.status_of(action, date(2026, 5, 11)) == "overdue"
    action.status = "done"
    assert actions.status_of(action, date(2026, 6, 1)) == "done"


def test_the_next_wave_shows_whether_the_standard_improved(db, scdata):
    _plan(db, scdata, item="wait")  # E1 wait: 75 in wave 1, 50 in wave 2
    _plan(db, scdata, branch="E2", item="greet")  # E2 greet: 0 in wave 1, 100 in wave 2
    _plan(db, scdata, item="clean")  # E1 clean: 100 then 100
    later = scorecards.branch_scorecard(
        db, user=None, branch=scdata["branches"]["E1"], wave=scdata["waves"]["W2"]
    )
    rows = {row.action.item_id: row for row in later.actions}
    assert (rows["wait"].before, rows["wait"].after, rows["wait"].outcome) == (75.0, 50.0, "worse")
    assert rows["clean"].outcome == "unchanged"
    assert rows["wait"].origin.id == scdata["waves"]["W1"].id
    e2 = scorecards.branch_scorecard(
        db, user=None, branch=scdata["branches"]["E2"], wave=scdata["waves"]["W2"]
    )
    assert [(r.before, r.after, r.outcome) for r in e2.actions] == [(0.0, 100.0, "improved")]
    same_wave = scorecards.branch_scorecard(
        db, user=None, branch=scdata["branches"]["E1"], wave=scdata["waves"]["W1"]
    )
    assert {r.outcome for r in same_wave.actions} == {None}  # the next wave has not happened


def test_overdue_first_then_open_then_done(db, scdata):
    first = _plan(db, scdata, item="wait")
    second = _plan(db, scdata, item="greet")
    third = _plan(db, scdata, item="receipt")
    second.due_on = date.today() - timedelta(days=3)
    actions.set_done(db, user=scdata["users"]["manager"], action=third, done=True)
    card = scorecards.branch_scorecard(
        db, user=None, branch=scdata["branches"]["E1"], wave=scdata["waves"]["W2"]
    )
    assert [(r.action.id, r.status) for r in card.actions] == [
        (second.id, "overdue"),
        (first.id, "open"),
        (third.id, "done"),
    ]
    assert third.done_at is not None
    actions.set_done(db, user=scdata["users"]["manager"], action=third, done=False)
    assert third.status == "open" and third.done_at is None


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("what", {"what": "  "}),
        ("owner", {"owner": ""}),
        ("due_on", {"due_on": "soon"}),
        ("due_on", {"due_on": date(2000, 1, 1)}),
        ("item_id", {"item_id": "nope"}),
    ],
)
def test_every_field_is_checked(db, scdata, field, changes):
    values = {
        "item_id": "wait",
        "what": "Fix",
        "owner": "Lead",
        "due_on": date.today() + timedelta(days=3),
    } | changes
    with pytest.raises(Invalid) as error:
        actions.create_action(
            db,
            user=scdata["users"]["manager"],
            branch=scdata["branches"]["E1"],
            wave=scdata["waves"]["W2"],
            **values,
        )
    assert error.value.field == field


def test_not_for_another_regions_branch(db, scdata):
    with pytest.raises(NotFound):
        _plan(db, scdata, branch="S1")


def test_plan_and_close_an_action_through_the_pages(client, db, scdata):
    login(client, "manager", "manager-pass")
    e1, w2 = scdata["branches"]["E1"], scdata["waves"]["W2"]
    page = client.get(f"/scorecards/branches/{e1.id}/standards/receipt?wave={w2.id}")
    assert page.status_code == 200 and "Plan a corrective action" in page.text
    token = csrf_of(client, f"/scorecards/branches/{e1.id}?wave={w2.id}")
    bad = client.post(
        f"/scorecards/branches/{e1.id}/actions",
        data={
            "wave": w2.id,
            "item_id": "receipt",
            "what": "",
            "owner": "Lead",
            "due_on": "2099-01-01",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422 and "Describe what will be done." in bad.text
    assert 'value="Lead"' in bad.text  # what was typed is kept
    done = client.post(
        f"/scorecards/branches/{e1.id}/actions",
        data={
            "wave": w2.id,
            "item_id": "receipt",
            "what": "Print receipts",
            "owner": "Lead",
            "due_on": "2099-01-01",
            "csrf_token": token,
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/scorecards/branches/{e1.id}?wave={w2.id}#actions"
    card = client.get(done.headers["location"]).text
    assert "Print receipts" in card and "Mark done" in card
    action = db.exec(select(CorrectiveAction).where(CorrectiveAction.item_id == "receipt")).one()
    closed = client.post(
        f"/scorecards/actions/{action.id}", data={"done": "1", "wave": w2.id, "csrf_token": token}
    )
    assert closed.status_code == 303 and action.status == "done"
    assert "Reopen" in client.get(closed.headers["location"]).text
