"""Settings come from the environment only through ``Settings.from_environment``, with the documented defaults."""

from __future__ import annotations

import pytest

from parking_api.settings import Settings, SettingsError


def test_defaults_when_nothing_is_set():
    assert Settings.from_environment({}) == Settings()
    assert Settings().horizon_days == 7 and Settings().green_badge_zones == ("CA-C", "CA-D", "CA-E")


def test_values_are_read_and_typed():
    settings = Settings.from_environment(
        {
            "DATABASE_URL": "postgresql://u@h/db",
            "PARKING_STATEMENT_TIMEOUT_MS": "1234",
            "PARKING_HORIZON_DAYS": "",  # empty: the default
            "PARKING_CORS_ORIGINS": "https://a.example, https://b.example",
            "PARKING_GREEN_BADGE_ZONES": "",
        }
    )
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.statement_timeout_ms == 1234
    assert settings.horizon_days == 7
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.green_badge_zones == ()


def test_a_bad_value_names_its_variable():
    with pytest.raises(SettingsError, match="PARKING_DB_POOL_SIZE must be a whole number"):
        Settings.from_environment({"PARKING_DB_POOL_SIZE": "five"})


def test_a_missing_database_url_says_how_to_set_one():
    with pytest.raises(SettingsError, match="DATABASE_URL is not set"):
        Settings.from_environment({}).require_database_url()
