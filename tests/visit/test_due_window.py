"""A visit's due window, judged by the visit policy at pinned dates.

Before the window opens the shopper can neither start, answer nor add photos, and is told
the day it opens (in the reader's language, the branch's time zone); after it has closed the
visit can still be finished and submitted, as before, and the page says the window closed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.errors import Conflict
from app.i18n import current_language
from app.models import VisitStatus
from app.services import photos, visit_page, visit_policy, visits
from app.services.visit_policy import Action, Facts, judge
from tests.visit.conftest import make_visit
from tests.visit.helpers import jpeg

# 7 Dec 2026 09:00 in Shanghai (the branches' zone) is 01:00 UTC the same day; 6 Dec 20:00
# UTC is already 7 Dec 04:00 in Shanghai: the day shown is the branch's.
OPENS = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
CLOSES = datetime(2026, 12, 12, 13, 0, tzinfo=UTC)
BEFORE = OPENS - timedelta(days=2)
DURING = OPENS + timedelta(days=1)
AFTER = CLOSES + timedelta(days=1)


@pytest.fixture
def language():
    def use(tag: str) -> None:
        token = current_language.set(tag)
        tokens.append(token)

    tokens: list = []
    yield use
    for token in reversed(tokens):
        current_language.reset(token)


def windowed(db, world, version, **fields):
    return make_visit(db, world, version, due_from=OPENS, due_until=CLOSES, **fields)


def test_facts_before_the_window_refuse_edit_and_submit_with_the_day(language):
    language("en")
    facts = Facts(
        role="shopper",
        status=VisitStatus.assigned,
        own=True,
        opens_at=datetime(2026, 12, 6, 20, 0, tzinfo=UTC),
        timezone="Asia/Shanghai",
    )
    perms = judge(facts)
    assert not perms.edit and not perms.submit and perms.view
    assert perms.reason(Action.edit) == "This visit is not due yet. It opens on Dec 7."
    with pytest.raises(Conflict, match="opens on Dec 7"):
        perms.require(Action.edit)
    in_progress = judge(Facts(**(facts.__dict__ | {"status": VisitStatus.in_progress})))
    assert not in_progress.edit and not in_progress.submit


def test_the_day_is_in_the_readers_language(language):
    language("zh_CN")
    assert visit_policy.day_label(OPENS, "Asia/Shanghai") == "12月7日"
    language("en")
    assert visit_policy.day_label(OPENS, "Asia/Shanghai") == "Dec 7"
    assert visit_policy.day_label(datetime(2026, 12, 6, 20, tzinfo=UTC), "UTC") == "Dec 6"


def test_for_visit_follows_the_clock(db, world, version):
    shopper = world["users"]["shopper"]
    visit = windowed(db, world, version)
    before = visit_policy.for_visit(db, user=shopper, visit=visit, now=BEFORE)
    assert not before.edit and before.opens_at == OPENS and before.closed_at is None
    at_opening = visit_policy.for_visit(db, user=shopper, visit=visit, now=OPENS)
    assert at_opening.edit and at_opening.opens_at is None
    during = visit_policy.for_visit(db, user=shopper, visit=visit, now=DURING)
    assert during.edit and during.opens_at is None and during.closed_at is None


def test_a_late_visit_stays_open_and_says_its_window_closed(db, world, version):
    shopper = world["users"]["shopper"]
    visit = windowed(db, world, version, status=VisitStatus.in_progress)
    late = visit_policy.for_visit(db, user=shopper, visit=visit, now=AFTER)
    assert late.edit and late.submit and late.closed_at == CLOSES
    visit.status = VisitStatus.submitted
    done = visit_policy.for_visit(db, user=shopper, visit=visit, now=AFTER)
    assert done.closed_at is None  # nothing left to do: the window no longer matters


def test_another_shopper_learns_nothing_of_the_window(db, world, version):
    visit = windowed(db, world, version)
    other = visit_policy.for_visit(db, user=world["users"]["shopper2"], visit=visit, now=BEFORE)
    assert not other.view and other.opens_at is None


def test_start_answer_and_photo_are_refused_before_the_window(db, world, version, language):
    language("en")
    shopper = world["users"]["shopper"]
    visit = windowed(db, world, version)
    with pytest.raises(Conflict, match="It opens on Dec 7"):
        visits.start(db, user=shopper, visit=visit, now=BEFORE)
    with pytest.raises(Conflict, match="not due yet"):
        visits.save_answer(
            db, user=shopper, visit=visit, item_id="smile", value="yes", client_id="a1", now=BEFORE
        )
    assert visit.status == VisitStatus.assigned
    later = windowed(db, world, version)
    later.due_from = datetime.now(UTC) + timedelta(days=3)  # photos judge at the real clock
    with pytest.raises(Conflict, match="not due yet"):
        photos.add_photo(db, user=shopper, visit=later, item_id="storefront", data=jpeg((300, 200)))
    visits.start(db, user=shopper, visit=visit, now=OPENS)
    assert visit.status == VisitStatus.in_progress and visit.time_in == OPENS


def test_the_page_model_reads_the_policy(db, world, version, language, monkeypatch):
    language("en")
    shopper = world["users"]["shopper"]
    visit = windowed(db, world, version)
    real = visit_policy.for_visit
    for now, expect in ((BEFORE, ("Dec 7", "")), (AFTER, ("", "Dec 12"))):
        monkeypatch.setattr(
            visit_page,
            "for_visit",
            lambda db, *, user, visit, n=now: real(db, user=user, visit=visit, now=n),
        )
        page = visit_page.build(db, user=shopper, visit=visit, lang="en")
        assert (page.opens_on, page.closed_on) == expect
        assert page.not_started  # an assigned visit shows its brief, open or not yet
        assert page.not_due == (now == BEFORE) and page.editable == (now == AFTER)
