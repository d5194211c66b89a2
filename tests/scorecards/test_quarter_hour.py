"""Managers see a visit's times to the quarter hour; reviewers and HQ see them exactly."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from app.models import Role, User
from app.services.visit_policy import quarter_hour, visit_time
from app.settings import get_settings
from tests.conftest import login


@pytest.fixture
def utc_office(monkeypatch):
    monkeypatch.setenv("COMPANY_TIMEZONE", "UTC")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("COMPANY_TIMEZONE")
    get_settings.cache_clear()


def test_quarter_hour_rounds_to_the_nearest_quarter():
    at = lambda h, m, s=0: datetime(2026, 3, 1, h, m, s, tzinfo=UTC)  # noqa: E731
    assert quarter_hour(at(9, 7, 29)) == at(9, 0)
    assert quarter_hour(at(9, 7, 30)) == at(9, 15)
    assert quarter_hour(at(9, 52, 31)) == at(10, 0)
    assert quarter_hour(at(23, 55)) == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def test_only_managers_and_branch_documents_get_rounded_times():
    moment = datetime(2026, 3, 1, 9, 7, tzinfo=UTC)
    for role, expected in (
        (Role.manager, datetime(2026, 3, 1, 9, 0, tzinfo=UTC)),
        (Role.reviewer, moment),
        (Role.admin, moment),
        (Role.shopper, moment),
    ):
        assert visit_time(moment, User(username="x", name="x", role=role, password_hash="")) == (
            expected
        )
    assert visit_time(moment, None) == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert visit_time(None, None) is None


def _odd_times(db, scdata):
    visit = next(v for v in scdata["visits"] if v.branch_id == scdata["branches"]["E1"].id)
    visit.time_in = visit.time_in.replace(hour=9, minute=7)
    visit.time_out = visit.time_in.replace(minute=38)
    db.add(visit)
    db.flush()
    return visit


def test_the_visit_page_shows_managers_the_quarter_hour(client, db, scdata, utc_office):
    visit = _odd_times(db, scdata)
    login(client, "manager", "manager-pass")
    page = client.get(f"/scorecards/visits/{visit.id}").text
    assert "9:00" in page and "9:07" not in page
    branch = client.get(f"/scorecards/branches/{visit.branch_id}?wave={visit.wave_id}").text
    assert "9:00" in branch and "9:07" not in branch
    client.cookies.clear()
    login(client, "admin", "admin-pass")
    assert "9:07" in client.get(f"/scorecards/visits/{visit.id}").text


def test_the_managers_export_has_quarter_hours_and_hqs_the_exact_time(
    client, db, scdata, utc_office
):
    visit = _odd_times(db, scdata)
    path = f"/exports/waves/{visit.wave_id}.csv?level=visits"
    login(client, "manager", "manager-pass")
    assert _visited_at(client.get(path).text, visit.id).endswith(" 09:00")  # the company's UTC
    client.cookies.clear()
    login(client, "admin", "admin-pass")
    assert _visited_at(client.get(path).text, visit.id).endswith(" 09:07")


def _visited_at(csv_text: str, visit_id: int) -> str:
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    column = rows[0].index("Visited at (UTC)")
    return next(row[column] for row in rows[1:] if row[0] == str(visit_id))
