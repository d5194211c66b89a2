"""The PostgreSQL connection pool follows DB_POOL_SIZE, DB_MAX_OVERFLOW and DB_POOL_TIMEOUT."""

from __future__ import annotations

import pytest

from app.db import make_engine
from app.settings import SettingsError, get_settings

PG_URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected to: sizes only


@pytest.fixture
def fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_pool_is_sized_by_the_settings(monkeypatch, fresh_settings):
    monkeypatch.setenv("DB_POOL_SIZE", "4")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "6")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "5")
    engine = make_engine(PG_URL)
    pool = engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (4, 6, 5)  # type: ignore[attr-defined]
    assert pool._pre_ping  # type: ignore[attr-defined]
    engine.dispose()


def test_the_defaults_hold_ten_plus_twenty_connections(fresh_settings):
    engine = make_engine(PG_URL)
    assert (engine.pool.size(), engine.pool._max_overflow) == (10, 20)  # type: ignore[attr-defined]
    engine.dispose()


@pytest.mark.parametrize(("variable", "value"), [("DB_POOL_SIZE", "0"), ("DB_POOL_TIMEOUT", "x")])
def test_a_bad_pool_setting_is_named_at_start(monkeypatch, fresh_settings, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        get_settings()
