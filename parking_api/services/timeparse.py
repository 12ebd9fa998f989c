"""Reading the instants clients send (``at``, ``from``, ``to``) and writing them back with the local offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from parking_api.api.errors import BadParameter

# A "+" the client did not percent-encode arrives as a space (form encoding): "…T19:00:00 01:00" means "+01:00".
_SPACED_OFFSET = re.compile(r"^(\d{4}-?\d\d-?\d\d[T ]\d\d:?\d\d(?::?\d\d(?:[.,]\d+)?)?) (\d\d(?::?\d\d)?)$")

MIN_YEAR = 1970
MAX_YEAR = 2100
_EXAMPLE = "e.g. 2026-03-02T10:00:00Z, 2026-03-02T10:00:00+00:00 or 2026-03-02T10:00 (local time)"


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_iso(raw: str, name: str) -> datetime:
    """An ISO 8601 date-time (naive when the client gave no offset); 400 naming the parameter otherwise. A positive
    offset whose ``+`` was not percent-encoded (so that it arrived as a space) is read as the offset it was."""
    text = raw.strip()
    spaced = _SPACED_OFFSET.match(text)
    if spaced:
        text = f"{spaced.group(1)}+{spaced.group(2)}"
    if not text or len(text) > 64 or "\x00" in text:
        raise BadParameter(name, f"must be an ISO 8601 date-time, {_EXAMPLE}")
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
    except ValueError:
        raise BadParameter(name, f"must be an ISO 8601 date-time, {_EXAMPLE}") from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise BadParameter(name, f"must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


def provisional_utc(value: datetime) -> datetime:
    """The instant for choosing what to read before the time zone is known (a naive time taken as UTC; callers
    widen their windows by a day either side)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def localize_param(value: datetime, tz_name: str, name: str) -> datetime:
    """The instant a parameter names, in the authority's zone: an aware value converted, a naive one read as local
    time (the first occurrence in the autumn fold; 400 in the spring gap)."""
    from parking_api.engine.evaluate import NonexistentLocalTime, localize

    tz = zone(tz_name)
    if value.tzinfo is not None:
        return value.astimezone(tz)
    try:
        return localize(value, tz_name)
    except NonexistentLocalTime:
        raise BadParameter(
            name,
            f"{value.isoformat(timespec='minutes')} does not exist in {tz_name}: the clocks go forward then; "
            "give an offset or a time outside the gap",
        ) from None


def iso(value: datetime | None, tz_name: str) -> str | None:
    """ISO 8601 with the local offset (seconds precision unless the value has microseconds)."""
    if value is None:
        return None
    local = value.astimezone(zone(tz_name))
    return local.isoformat(timespec="microseconds" if local.microsecond else "seconds")
