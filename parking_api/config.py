"""Configuration from environment variables, with defaults that run the bundled demo.

Every setting is documented in README.md (Configuration). ``create_app(config)`` accepts a mapping that overrides
these, which is how the tests point the app at their own database.
"""

from __future__ import annotations

import os
from typing import Any


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, got {value!r}") from exc


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def green_badge_zones() -> list[str]:
    """Camden zones where the blue-badge concessions belong to green badges (read when rules are built at load)."""
    return _list("PARKING_GREEN_BADGE_ZONES", "CA-C,CA-D,CA-E")


def database_url() -> str:
    """The service's database. The Makefile exports the project-managed cluster's URL when none is given."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit(
            "DATABASE_URL is not set. Run through `make run` (which starts the project's own PostGIS), "
            "or export DATABASE_URL=postgresql://user@host/dbname"
        )
    return url


def from_environment() -> dict[str, Any]:
    """The settings of a real deployment, read once at start-up."""
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "REQUEST_STATEMENT_TIMEOUT_MS": _int("PARKING_STATEMENT_TIMEOUT_MS", 5000),
        "DB_POOL_SIZE": _int("PARKING_DB_POOL_SIZE", 5),
        "HORIZON_DAYS": _int("PARKING_HORIZON_DAYS", 7),
        "CORS_ORIGINS": _list("PARKING_CORS_ORIGINS", "*"),
        "GREEN_BADGE_ZONES": green_badge_zones(),
        "LOG_LEVEL": os.environ.get("PARKING_LOG_LEVEL", "INFO"),
    }
