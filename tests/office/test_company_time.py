"""One company time zone for office pages, to the minute, in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.i18n import current_language
from app.settings import Settings, get_settings
from app.templating import office_time

MOMENT = datetime(2026, 10, 12, 7, 4, 59, tzinfo=UTC)


@pytest.fixture
def shanghai(monkeypatch):
    monkeypatch.setenv("COMPANY_TIMEZONE", "Asia/Shanghai")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_company_zone_without_seconds(shanghai):
    token = current_language.set("en")
    try:
        assert office_time(MOMENT) == "Oct 12, 2026 3:04\u202fPM"
        assert office_time(MOMENT, zone=True).endswith("(Asia/Shanghai)")
        assert office_time(MOMENT, time=False) == "Oct 12, 2026"
        current_language.set("zh_CN")
        assert office_time(MOMENT) == "2026年10月12日 15:04"
    finally:
        current_language.reset(token)


def test_the_zone_setting_is_checked_and_defaults_to_the_server(monkeypatch):
    monkeypatch.setenv("COMPANY_TIMEZONE", "Mars/Olympus")
    with pytest.raises(Exception, match="IANA"):
        Settings()
    monkeypatch.setenv("COMPANY_TIMEZONE", "")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert Settings().resolved_timezone.key == "Europe/Berlin"


def test_low_sample_minimum_is_a_setting(monkeypatch):
    assert Settings().low_sample_visits == 3
    monkeypatch.setenv("LOW_SAMPLE_VISITS", "5")
    assert Settings().low_sample_visits == 5
