"""The service's settings: one typed, frozen object, each default written once (here).

Every setting is documented in README.md (Configuration). A deployment reads them from the environment once, at
start-up (:meth:`Settings.from_environment`); tests and loaders build a :class:`Settings` and pass it explicitly,
so nothing reads the environment behind their backs. Bad values raise :class:`SettingsError`, which the command
line turns into a message and an exit status (library code never exits the process).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta


class SettingsError(ValueError):
    """A setting is missing or has a value it cannot take; the message names the environment variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    """The PostgreSQL/PostGIS URL; empty when not configured (see :meth:`require_database_url`). Migrations and the
    operator's commands use it; the API and the loaders connect as their own roles (``parking_api.store.roles``)."""
    api_database_url: str = field(default="", repr=False)
    """The API's URL; empty: ``database_url`` as the role ``<db>_api``."""
    loader_database_url: str = field(default="", repr=False)
    """The loaders' URL; empty: ``database_url`` as the role ``<db>_loader``."""
    db_passfile: str = ""
    """A libpq password file holding the roles' passwords (written by ``parking db upgrade``); empty: no passwords
    (a private cluster's socket with trust authentication)."""
    statement_timeout_ms: int = 5000
    """``statement_timeout`` of request connections (loaders and migrations use their own, longer limits)."""
    db_pool_size: int = 5
    """Connections per worker process (plus as many overflow)."""
    db_timeout_ms: int = 5000
    """The longest a request waits on the database at any step (a free pooled connection, connecting, one
    statement, commit) before it gives up with a 503, even when the server is frozen and enforces nothing."""
    rate_limit: str = "10,100"
    """Per client address, in each worker: ``RATE,BURST`` (requests per second sustained, requests in a burst);
    ``off`` disables every limit, API keys' too (benchmarks)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks of the reverse proxies whose ``X-Forwarded-For`` names the client; from any other
    peer the header is ignored."""
    horizon_days: int = 7
    """How far ahead ``until`` / ``allowed_from`` / ``next_changes`` look."""
    cors_origins: tuple[str, ...] = ("*",)
    green_badge_zones: tuple[str, ...] = ("CA-C", "CA-D", "CA-E")
    """Camden zones where the blue-badge concessions belong to green badges (built into the rules at load)."""
    log_level: str = "INFO"
    availability_stale_seconds: int = 600
    """Seconds without any event after which a bay's availability is ``unknown`` (counts null)."""
    event_retention_weeks: int = 13
    """How long raw events are kept (``parking events prune``); older events are refused by ``POST /v1/events``."""
    max_shrink_percent: float = 5.0
    """The largest share (%) of a source's live bays or zones one load may retire without ``--allow-shrink``: more
    is taken for a truncated export, and refused."""
    plate_key: str = field(default="", repr=False)
    """Secret key of the plates' keyed hash; empty: plates are discarded on arrival."""
    pay_by_phone_providers: tuple[str, ...] = ()
    """``source=provider`` pairs naming each source's pay-by-phone service (returned with the location code)."""
    map_style_url: str = ""
    """The base map's MapLibre style URL for ``/map``; empty: no base map (the page draws on a plain background)."""

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    @property
    def pay_by_phone_provider_map(self) -> dict[str, str]:
        pairs = (item.partition("=") for item in self.pay_by_phone_providers)
        return {source.strip(): provider.strip() for source, _, provider in pairs if source.strip() and provider}

    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=self.availability_stale_seconds)

    @property
    def event_retention(self) -> timedelta:
        return timedelta(weeks=self.event_retention_weeks)

    def require_database_url(self) -> str:
        """The database URL, or a :class:`SettingsError` saying how to configure one."""
        if not self.database_url:
            raise SettingsError(
                "DATABASE_URL is not set. Run through `make run` (which starts the project's own PostGIS), "
                "or export DATABASE_URL=postgresql://user@host/dbname"
            )
        return self.database_url

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """The settings of a real deployment; a variable that is not set keeps the default above."""
        values: dict[str, object] = {}
        for setting in fields(cls):
            name = ENVIRONMENT_VARIABLES[setting.name]
            raw = environ.get(name)
            if raw is None:
                continue
            default = setting.default
            if isinstance(default, tuple):
                values[setting.name] = tuple(item.strip() for item in raw.split(",") if item.strip())
            elif isinstance(default, int):
                if raw != "":
                    values[setting.name] = _whole_number(name, raw)
            elif isinstance(default, float):
                if raw != "":
                    values[setting.name] = _percentage(name, raw)
            else:
                values[setting.name] = raw
        return cls(**values)


ENVIRONMENT_VARIABLES = {
    "database_url": "DATABASE_URL",
    "api_database_url": "PARKING_API_DATABASE_URL",
    "loader_database_url": "PARKING_LOADER_DATABASE_URL",
    "db_passfile": "PARKING_DB_PASSFILE",
    "statement_timeout_ms": "PARKING_STATEMENT_TIMEOUT_MS",
    "db_pool_size": "PARKING_DB_POOL_SIZE",
    "db_timeout_ms": "PARKING_DB_TIMEOUT_MS",
    "rate_limit": "PARKING_RATE_LIMIT",
    "trusted_proxies": "PARKING_TRUSTED_PROXIES",
    "horizon_days": "PARKING_HORIZON_DAYS",
    "cors_origins": "PARKING_CORS_ORIGINS",
    "green_badge_zones": "PARKING_GREEN_BADGE_ZONES",
    "log_level": "PARKING_LOG_LEVEL",
    "availability_stale_seconds": "PARKING_AVAILABILITY_STALE_SECONDS",
    "event_retention_weeks": "PARKING_EVENT_RETENTION_WEEKS",
    "max_shrink_percent": "PARKING_MAX_SHRINK_PERCENT",
    "plate_key": "PARKING_PLATE_KEY",
    "pay_by_phone_providers": "PARKING_PAY_BY_PHONE_PROVIDERS",
    "map_style_url": "PARKING_MAP_STYLE_URL",
}
"""Which environment variable sets each field of :class:`Settings`."""


def _whole_number(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _percentage(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:  # NaN too
        raise SettingsError(f"{name} must be a percentage from 0 to 100, got {raw!r}")
    return value
