"""The review queue: each row's plausibility flags (the review page's own), filters by wave,
region and flag, sorts by age and branch; and approve held back while photos are missing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.models import AuditEvent, Photo, VisitStatus
from app.services.checklists import import_checklist
from app.services.review_flags import Flag, plausibility
from app.services.review_page import review_page
from app.services.review_queue import review_queue
from tests.admin.factories import MINI, make_visit, make_wave, mini_version
from tests.conftest import csrf_of, login

PHOTO_MINI = MINI.replace("code: mini", "code: photo-mini").replace(
    "kind: photo, required: false", "kind: photo"
)


def _photo(db, visit, item, at):
    db.add(
        Photo(
            visit_id=visit.id,
            item_id=item,
            path=f"{visit.id}-{item}.jpg",
            thumb_path=f"{visit.id}-{item}-t.jpg",
            size=1,
            width=1,
            height=1,
            sha256="x",
            captured_at=at,
        )
    )
    db.flush()


@pytest.fixture
def queue(db, world):
    """Five plain visits (30 minutes each, in the January wave) and one of each flag."""
    version = mini_version(db)
    e1, e2, s1 = (world["branches"][c] for c in ("E1", "E2", "S1"))
    january = make_wave(db, version, [e1, e2, s1], name="January")
    february = make_wave(db, version, [e1], name="February", starts=date(2026, 2, 1))
    shopper = world["users"]["shopper"]
    plain = [make_visit(db, version, e2, shopper=shopper, wave=january) for _ in range(5)]
    for n, visit in enumerate(plain):  # submitted one day apart, the first one oldest
        visit.submitted_at = visit.submitted_at + timedelta(days=n)
    e1.latitude, e1.longitude = 31.2362, 121.4801
    far = make_visit(db, version, e1, shopper=shopper, wave=january)
    far.latitude, far.longitude = 31.2600, 121.4801  # about 2.6 km north
    odd_photo = make_visit(db, version, s1, shopper=shopper, wave=january)
    _photo(db, odd_photo, "receipt", odd_photo.time_in - timedelta(days=2))
    long = make_visit(db, version, e2, shopper=shopper, wave=january)
    long.time_out = long.time_in + timedelta(minutes=95)  # the median is 30 minutes
    outside = make_visit(db, version, e1, shopper=shopper, wave=february)  # visited 10 Jan
    photo_version, _created = import_checklist(db, source=PHOTO_MINI)
    no_photo = make_visit(db, photo_version, s1, shopper=shopper)
    for n, visit in enumerate((far, odd_photo, long, outside, no_photo)):
        visit.submitted_at = plain[0].submitted_at - timedelta(days=10 - n)  # older than plain
    db.flush()
    return {
        "plain": plain,
        "far": far,
        "odd_photo": odd_photo,
        "long": long,
        "outside": outside,
        "no_photo": no_photo,
        "january": january,
        "february": february,
        "world": world,
    }


def test_each_check_raises_its_flag_and_only_it(db, queue):
    checks = plausibility(
        db, visits=[queue[k] for k in ("far", "odd_photo", "long", "outside", "no_photo")]
    )
    assert checks[queue["far"].id].flags == [Flag.far]
    assert checks[queue["odd_photo"].id].flags == [Flag.photo_time]
    assert checks[queue["long"].id].flags == [Flag.duration]
    assert checks[queue["long"].id].median_minutes == 30
    assert checks[queue["outside"].id].flags == [Flag.outside_wave]
    assert checks[queue["no_photo"].id].flags == [Flag.photos_missing]
    assert all(not c.flags for c in plausibility(db, visits=queue["plain"]).values())


def test_the_review_page_and_the_queue_read_the_same_checks(db, queue, world):
    reviewer = world["users"]["reviewer"]
    listed = {row.visit.id: row.flags for row in review_queue(db).rows}
    for key in ("far", "odd_photo", "long", "outside", "no_photo", "plain"):
        visits = queue[key] if key == "plain" else [queue[key]]
        for visit in visits:
            page = review_page(db, user=reviewer, visit=visit)
            assert page.checks.flags == listed[visit.id], key


def _rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-visit="(\d+)"', html)]


def test_the_queue_page_shows_each_rows_flags(client, queue):
    login(client, "reviewer", "reviewer-pass")
    html = client.get("/review").text
    row = html[html.index(f'data-visit="{queue["long"].id}"') :]
    row = row[: row.index("</tr>")]
    assert "Time in the branch far from the median" in row and "January" in row
    assert "East Two" in row and "East" in row
    outside = html[html.index(f'data-visit="{queue["outside"].id}"') :]
    assert "Visited outside the wave" in outside[: outside.index("</tr>")]
    plain = html[html.index(f'data-visit="{queue["plain"][0].id}"') :]
    assert "None" in plain[: plain.index("</tr>")]
    assert _rows(html)[:5] == [queue[k].id for k in ("far", "odd_photo", "long", "outside")] + [
        queue["no_photo"].id
    ]


def test_filters_and_sorts_are_read_from_the_address_and_shown(client, queue):
    login(client, "reviewer", "reviewer-pass")
    world = queue["world"]
    plain = [v.id for v in queue["plain"]]
    html = client.get(f"/review?flag=duration&wave={queue['january'].id}").text
    assert _rows(html) == [queue["long"].id]
    assert '<option value="duration" selected>' in html
    assert f'<option value="{queue["january"].id}" selected>January</option>' in html
    assert "Showing 1 of the 10 visits waiting" in html
    region_id = world["regions"]["S"].id
    html = client.get(f"/review?region={region_id}").text
    assert sorted(_rows(html)) == sorted([queue["odd_photo"].id, queue["no_photo"].id])
    assert f'<option value="{region_id}" selected>' in html
    html = client.get(f"/review?wave={queue['february'].id}").text
    assert _rows(html) == [queue["outside"].id]
    newest = _rows(client.get("/review?sort=-age").text)
    assert newest[:5] == plain[::-1]
    by_branch = _rows(client.get("/review?sort=branch").text)
    # E1 (far, outside), E2 (long, then the plain five oldest first), S1 (odd photo, no photo)
    assert by_branch == [
        queue["far"].id,
        queue["outside"].id,
        queue["long"].id,
        *plain,
        queue["odd_photo"].id,
        queue["no_photo"].id,
    ]
    html = client.get("/review?sort=-branch&flag=far").text
    assert _rows(html) == [queue["far"].id] and '<option value="-branch" selected>' in html
    assert 'href="?flag=far&amp;sort=branch"' in html  # the sort link keeps the filter
    assert client.get("/review?flag=bogus").status_code == 422
    assert "flag" in client.get("/review?sort=sideways&flag=bogus").text.lower()
    assert client.get("/review?wave=x").status_code == 404


def test_htmx_filtering_swaps_only_the_results(client, queue):
    login(client, "reviewer", "reviewer-pass")
    html = client.get("/review?flag=far", headers={"HX-Request": "true"}).text
    assert html.lstrip().startswith('<div id="queue-results"')
    assert _rows(html) == [queue["far"].id] and "Recent decisions" not in html


def test_approve_is_disabled_with_the_reason_while_photos_are_missing(client, db, queue):
    visit = queue["no_photo"]
    login(client, "reviewer", "reviewer-pass")
    html = client.get(f"/review/{visit.id}").text
    form = html[html.index(f'action="/review/{visit.id}/approve"') :]
    form = form[: form.index("</form>")]
    assert "disabled" in form
    # the standard's name between Unicode isolates: a checklist text inside an interface sentence
    needs = "Cannot be approved until it is complete: \u2068Shelf photo\u2069 (Photos needed: 1)"
    assert needs in form
    refused = client.post(
        f"/review/{visit.id}/approve", data={"csrf_token": csrf_of(client, f"/review/{visit.id}")}
    )
    assert refused.status_code == 409 and "shelf" in refused.text
    db.refresh(visit)
    assert visit.status == VisitStatus.submitted
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "approved")).all()
    _photo(db, visit, "shelf", visit.time_in + timedelta(minutes=5))
    html = client.get(f"/review/{visit.id}").text
    form = html[html.index(f'action="/review/{visit.id}/approve"') :]
    form = form[: form.index("</form>")]
    assert "disabled" not in form and "Cannot be approved" not in form


def test_the_review_page_shows_the_new_checks(client, queue):
    login(client, "reviewer", "reviewer-pass")
    long = client.get(f"/review/{queue['long'].id}").text
    checks = long[long.index('id="checks-title"') : long.index('id="decision-title"')]
    assert "95 minutes in the branch" in checks and "(median 30 min)" in checks
    assert "Time in the branch far from the median" in checks
    outside = client.get(f"/review/{queue['outside'].id}").text
    checks = outside[outside.index('id="checks-title"') : outside.index('id="decision-title"')]
    assert "Visited outside the wave&#39;s dates (Feb 1, 2026 – Mar 2, 2026)" in checks
    plain = client.get(f"/review/{queue['plain'][0].id}").text
    checks = plain[plain.index('id="checks-title"') : plain.index('id="decision-title"')]
    assert "far from the median" not in checks and "outside the wave" not in checks
