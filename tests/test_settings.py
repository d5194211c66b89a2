"""Settings: clear errors for bad values, and a secret that is never a constant."""

from __future__ import annotations

from datetime import date

import pytest

from app.settings import Settings, SettingsError, get_settings


def _settings(monkeypatch, **env) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        return get_settings()
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PORT", "seventy", "PORT"),
        ("PORT", "70000", "PORT"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: Value error, must be a sqlite"),
        ("DEFAULT_LANGUAGE", "fr", "DEFAULT_LANGUAGE: Value error, must be one of en, zh_CN"),
        ("BASE_URL", "example.com", "BASE_URL: Value error, must start with http"),
        ("SHOPMIRROR_TODAY", "22/11/2026", "SHOPMIRROR_TODAY"),
        ("SHOPMIRROR_CLOCK", "next tuesday", "SHOPMIRROR_CLOCK"),
    ],
)
def test_a_bad_setting_is_named_at_start(monkeypatch, variable, value, message):
    with pytest.raises(SettingsError) as error:
        _settings(monkeypatch, **{variable: value})
    assert message in str(error.value)


def test_the_demo_day_is_an_iso_date_or_unset(monkeypatch):
    assert _settings(monkeypatch, SHOPMIRROR_TODAY="2026-11-22").shopmirror_today == date(
        2026, 11, 22
    )
    assert _settings(monkeypatch, SHOPMIRROR_TODAY="").shopmirror_today is None


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    settings = _settings(monkeypatch, VAR_DIR=str(tmp_path), SECRET_KEY="")
    first = settings.resolved_secret_key()
    assert len(first) >= 40
    assert (tmp_path / "secret_key").read_text() == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    again = Settings(var_dir=tmp_path, secret_key="").resolved_secret_key()
    assert again == first
    assert Settings(var_dir=tmp_path / "other", secret_key="").resolved_secret_key() != first


def test_a_short_secret_key_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="SECRET_KEY: must be at least 32"):
        Settings(var_dir=tmp_path, secret_key="short").resolved_secret_key()


def test_default_database_is_sqlite_under_var(tmp_path):
    settings = Settings(var_dir=tmp_path, database_url="")
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'shopmirror.db'}"
    assert settings.resolved_media_dir == tmp_path / "media"


def test_cookies_are_secure_behind_https(tmp_path):
    assert Settings(var_dir=tmp_path, base_url="https://audit.example.com").secure_cookies
    assert not Settings(var_dir=tmp_path, base_url="http://localhost:8000").secure_cookies


def test_the_app_clock_moves_by_a_date_or_by_days(monkeypatch):
    """A date is the day the clock shows; a number of days is exact even across midnight."""
    from datetime import UTC, datetime, timedelta

    from app.models.base import utcnow

    monkeypatch.setenv("SHOPMIRROR_CLOCK", "-3")
    get_settings.cache_clear()
    try:
        assert utcnow().date() == (datetime.now(UTC) - timedelta(days=3)).date()
        monkeypatch.setenv("SHOPMIRROR_CLOCK", "2031-05-17")
        get_settings.cache_clear()
        assert utcnow().date() == date(2031, 5, 17)
        monkeypatch.setenv("SHOPMIRROR_CLOCK", "")
        get_settings.cache_clear()
        assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)
    finally:
        get_settings.cache_clear()
