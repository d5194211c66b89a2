"""The visit policy, as a table: every role x every state x whose visit -> what is allowed.

"own" is the shopper's own visit, or for a manager a visit in one of their regions;
"other" is another shopper's visit or another region's; "agency" is an agency
delivery (no shopper), in the manager's region. "approved" is within the dispute
window, "late" is approved with the window passed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.errors import Conflict, Forbidden, NotFound
from app.i18n import current_language
from app.services.visit_policy import Action, Facts, judge

# role      state        own                              other   agency
TABLE = """
shopper   assigned     view edit                          -       -
shopper   in_progress  view edit submit                   -       -
shopper   submitted    view                               -       -
shopper   returned     view edit submit                   -       -
shopper   approved     view                               -       -
shopper   late         view                               -       -
manager   assigned     -                                  -       -
manager   in_progress  -                                  -       -
manager   submitted    -                                  -       -
manager   returned     -                                  -       -
manager   approved     view dispute                       -       view dispute
manager   late         view                               -       view
reviewer  assigned     view                               view    view
reviewer  in_progress  view                               view    view
reviewer  submitted    view correct return approve        same    view correct approve reject
reviewer  returned     view                               view    view
reviewer  approved     view correct                       same    same
reviewer  late         view correct                       same    same
admin     assigned     view reassign cancel               same    same
admin     in_progress  view reassign cancel               same    same
admin     submitted    view correct return approve        same    view correct approve reject
admin     returned     view reassign                      same    same
admin     approved     view correct dispute               same    same
admin     late         view correct                       same    same
"""
ACTIONS = {a.value: a for a in Action if a != Action.decide}


def _cases():
    for line in TABLE.strip().splitlines():
        role, state, rest = line.split(maxsplit=2)
        columns = [c.strip() for c in rest.split("  ") if c.strip()]
        assert len(columns) == 3, line
        own, other, agency = columns
        other = own if other == "same" else other
        agency = own if agency == "same" else agency
        for whose, allowed in (("own", own), ("other", other), ("agency", agency)):
            expected = set() if allowed == "-" else {ACTIONS[w] for w in allowed.split()}
            yield pytest.param(role, state, whose, expected, id=f"{role}-{state}-{whose}")


def facts(role: str, state: str, whose: str, **extra) -> Facts:
    mine = whose == "own"
    return Facts(
        role=role,
        status="approved" if state == "late" else state,
        own=mine and role == "shopper",
        in_region=(mine or whose == "agency") and role == "manager",
        has_shopper=whose != "agency",
        window_open=state == "approved",
        **extra,
    )


def test_the_table_covers_every_role_and_state():
    rows = {tuple(line.split()[:2]) for line in TABLE.strip().splitlines()}
    roles = ("shopper", "manager", "reviewer", "admin")
    states = ("assigned", "in_progress", "submitted", "returned", "approved", "late")
    assert rows == {(r, s) for r in roles for s in states}


@pytest.mark.parametrize(("role", "state", "whose", "expected"), list(_cases()))
def test_what_each_role_may_do(role, state, whose, expected):
    permissions = judge(facts(role, state, whose))
    allowed = {action for action in ACTIONS.values() if permissions.can(action)}
    assert allowed == expected
    for action in ACTIONS.values():  # the booleans templates read say the same
        assert getattr(permissions, action.name) == (action in expected)
        assert (permissions.reason(action) == "") == (action in expected)
    assert not permissions.decide  # nothing to decide without a dispute


@pytest.mark.parametrize(
    ("role", "dispute", "allowed"),
    [
        ("reviewer", "open", True),
        ("admin", "open", True),
        ("reviewer", "accepted", False),
        ("admin", "rejected", False),
        ("reviewer", None, False),
        ("manager", "open", False),
        ("shopper", "open", False),
    ],
)
def test_who_decides_a_dispute(role, dispute, allowed):
    permissions = judge(facts(role, "approved", "own", dispute_status=dispute))
    assert permissions.decide is allowed


@pytest.mark.parametrize(
    ("role", "state", "whose", "action", "error", "message"),
    [
        ("shopper", "assigned", "other", Action.view, NotFound, "Not found."),
        ("shopper", "in_progress", "other", Action.edit, NotFound, "Not found."),
        ("shopper", "assigned", "own", Action.submit, Conflict, "Start the visit before"),
        ("shopper", "submitted", "own", Action.edit, Conflict, "can no longer be changed"),
        ("shopper", "approved", "own", Action.approve, Forbidden, "Only reviewers"),
        ("manager", "submitted", "own", Action.view, NotFound, "Not found."),
        ("manager", "approved", "other", Action.dispute, NotFound, "Not found."),
        ("manager", "submitted", "own", Action.approve, Forbidden, "Only reviewers"),
        ("manager", "late", "own", Action.dispute, Conflict, "time to dispute"),
        ("manager", "approved", "own", Action.decide, Forbidden, "decide disputes"),
        ("reviewer", "approved", "own", Action.dispute, NotFound, "Not found."),
        ("reviewer", "approved", "own", Action.approve, Conflict, "not waiting for review"),
        ("reviewer", "submitted", "agency", Action.return_, Conflict, "cannot be returned"),
        ("reviewer", "submitted", "own", Action.reject, Conflict, "return this visit instead"),
        ("manager", "submitted", "agency", Action.reject, Forbidden, "Only reviewers"),
        ("reviewer", "returned", "own", Action.correct, Conflict, "submitted or approved"),
        ("reviewer", "assigned", "own", Action.edit, Forbidden, "visit's shopper"),
        ("reviewer", "assigned", "own", Action.cancel, Forbidden, "administrators"),
        ("admin", "submitted", "own", Action.dispute, Conflict, "Only approved visits"),
        ("admin", "returned", "own", Action.cancel, Conflict, "assigned or in progress"),
        ("admin", "approved", "own", Action.reassign, Conflict, "not submitted or approved"),
    ],
)
def test_each_refusal_carries_its_error_and_reason(role, state, whose, action, error, message):
    permissions = judge(facts(role, state, whose))
    with pytest.raises(error, match=message) as raised:
        permissions.require(action)
    assert type(raised.value) is error
    assert raised.value.message == permissions.reason(action)


def test_reasons_are_in_the_readers_language():
    token = current_language.set("zh_CN")
    try:
        permissions = judge(facts("reviewer", "submitted", "agency"))
        assert permissions.reason(Action.return_) == "合作机构提交的暗访无法退回，请直接更正答案。"
    finally:
        current_language.reset(token)


def test_a_change_made_before_the_return_is_refused():
    submitted = datetime(2026, 3, 1, 10, tzinfo=UTC)
    permissions = judge(facts("shopper", "returned", "own", returned_after=submitted))
    with pytest.raises(Conflict, match="before the visit was submitted and returned"):
        permissions.require(Action.edit, client_time=submitted - timedelta(minutes=1))
    permissions.require(Action.edit, client_time=submitted + timedelta(minutes=1))
    permissions.require(Action.edit)  # no device time: nothing to compare
    still_open = judge(facts("shopper", "in_progress", "own", returned_after=submitted))
    still_open.require(Action.edit, client_time=submitted - timedelta(minutes=1))
