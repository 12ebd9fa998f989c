"""An occupancy event as the Curb Data Specification's Events API sends it, checked field by field.

:func:`parse_event` turns one posted JSON object into an :class:`Event`, or raises :class:`EventRefused` saying
which field is wrong and why; it never looks anything up (whether the bay exists, or the event is a duplicate, is
the ingest's business). The event as posted is kept in ``payload``, minus the plate.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    PARK_START = "park_start"
    PARK_END = "park_end"
    COMMS_LOST = "comms_lost"
    COMMS_RESTORED = "comms_restored"
    SCHEDULED_REPORT = "scheduled_report"


VEHICLE_TYPES = frozenset({"car", "car_club", "motorcycle", "goods", "bus", "taxi", "other"})
"""The driver vocabulary of ``vehicle.type`` (a value outside it is read as ``other``)."""
BADGES = frozenset({"blue", "green"})
SIMULATOR = "simulator"
FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the server's clock an event may be stamped (sensor clocks drift)."""
MAX_TEXT = 200

_EVENT_SOURCE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_DIGITS = re.compile(r"^[0-9]{1,15}$")


class EventRefused(ValueError):
    """A posted event that cannot be used: ``field`` names the member at fault and ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Event:
    event_id: uuid.UUID
    event_type: EventType
    event_time: datetime
    source: str
    ref: str
    session_id: str | None = None
    space: str | None = None
    occupied: int | None = None
    vehicle_type: str | None = None
    plate: str | None = field(default=None, repr=False)
    permits: tuple[str, ...] = ()
    badge: str | None = None
    event_source: str | None = None
    payload: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def simulated(self) -> bool:
        return self.event_source == SIMULATOR

    @property
    def session_key(self) -> str | None:
        """What pairs a start with its end: the CDS ``event_session_id`` where given, else the space (if any)."""
        if self.session_id:
            return f"session:{self.session_id}"
        return f"space:{self.space}" if self.space else None


def event_id_of(raw: Any) -> str | None:
    """The ``event_id`` of a posted item as given (for the result line of an event refused before parsing)."""
    if isinstance(raw, dict) and isinstance(raw.get("event_id"), str):
        return raw["event_id"][:MAX_TEXT]
    return None


def parse_time(value: Any, name: str = "event_time") -> datetime:
    """ISO 8601 with an offset, or epoch milliseconds (a number, or digits in a string, as CDS sends them)."""
    if isinstance(value, bool):
        raise EventRefused(name, "must be ISO 8601 with an offset or epoch milliseconds, not a boolean")
    if isinstance(value, int | float) or (isinstance(value, str) and _DIGITS.match(value)):
        try:
            return datetime.fromtimestamp(float(value) / 1000, UTC)
        except (OverflowError, ValueError, OSError):
            raise EventRefused(name, f"{value!r} is not a usable epoch-milliseconds time") from None
    if not isinstance(value, str):
        raise EventRefused(name, "must be ISO 8601 with an offset (e.g. 2026-12-03T09:30:00Z) or epoch milliseconds")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise EventRefused(name, f"{value[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise EventRefused(name, "needs an offset (Z or ±HH:MM): a sensor's local time is ambiguous at clock changes")
    return parsed.astimezone(UTC)


def _text(raw: dict[str, Any], name: str, *, required: bool = False, prefix: str = "") -> str | None:
    value = raw.get(name)
    label = prefix + name
    if value is None:
        if required:
            raise EventRefused(label, "is required")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise EventRefused(label, "must be a non-empty string")
    if "\x00" in value:
        raise EventRefused(label, "must not contain NUL characters")
    if len(value) > MAX_TEXT:
        raise EventRefused(label, f"is longer than {MAX_TEXT} characters")
    return value.strip()


def parse_event(raw: Any, *, now: datetime, oldest: datetime | None) -> Event:
    """One posted event, checked; ``oldest`` is the retention's limit (``None``: any age, for historic imports)."""
    if not isinstance(raw, dict):
        raise EventRefused("event", "must be a JSON object")
    event_id_text = _text(raw, "event_id", required=True)
    try:
        event_id = uuid.UUID(event_id_text)
    except ValueError:
        raise EventRefused("event_id", f"{event_id_text[:40]!r} is not a UUID") from None
    type_text = _text(raw, "event_type", required=True)
    try:
        event_type = EventType(type_text)
    except ValueError:
        allowed = ", ".join(t.value for t in EventType)
        raise EventRefused("event_type", f"{type_text!r} is not one of {allowed}") from None
    if raw.get("event_time") is None:
        raise EventRefused("event_time", "is required")
    event_time = parse_time(raw["event_time"])
    if event_time > now + FUTURE_TOLERANCE:
        raise EventRefused("event_time", "is more than 5 minutes in the future")
    if oldest is not None and event_time < oldest:
        raise EventRefused(
            "event_time", "is older than the retention of raw events; import history with `parking load events`"
        )
    bay = raw.get("bay")
    if not isinstance(bay, dict):
        raise EventRefused("bay", 'is required: {"source": ..., "ref": ...}')
    source = _text(bay, "source", required=True, prefix="bay.")
    ref = _text(bay, "ref", required=True, prefix="bay.")

    occupied = raw.get("occupied")
    if event_type is EventType.SCHEDULED_REPORT:
        if occupied is None:
            raise EventRefused("occupied", "is required for scheduled_report: the number of spaces occupied")
        if isinstance(occupied, bool) or not isinstance(occupied, int) or occupied < 0:
            raise EventRefused("occupied", "must be a whole number of spaces, 0 or more")
    elif occupied is not None:
        raise EventRefused("occupied", "is only for scheduled_report")

    vehicle_type, plate, permits, badge = _vehicle(raw.get("vehicle"))
    event_source = _text(raw, "event_source")
    if event_source is not None and not _EVENT_SOURCE.match(event_source):
        raise EventRefused("event_source", "must be a lower-case word such as in_ground, camera, meter, app, simulator")
    payload = dict(raw)
    if _has_nul(payload):
        raise EventRefused("event", "must not contain NUL characters (\\u0000): they cannot be stored")
    if isinstance(payload.get("vehicle"), dict):
        payload["vehicle"] = {k: v for k, v in payload["vehicle"].items() if k != "plate"}
    return Event(
        event_id=event_id,
        event_type=event_type,
        event_time=event_time,
        source=source,
        ref=ref,
        session_id=_text(raw, "event_session_id"),
        space=_text(raw, "space"),
        occupied=occupied,
        vehicle_type=vehicle_type,
        plate=plate,
        permits=permits,
        badge=badge,
        event_source=event_source,
        payload=payload,
    )


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _vehicle(raw: Any) -> tuple[str | None, str | None, tuple[str, ...], str | None]:
    if raw is None:
        return None, None, (), None
    if not isinstance(raw, dict):
        raise EventRefused("vehicle", 'must be an object: {"type", "plate", "permits", "badge"}')
    kind = _text(raw, "type", prefix="vehicle.")
    if kind is not None:
        kind = kind.lower() if kind.lower() in VEHICLE_TYPES else "other"
    plate = _text(raw, "plate", prefix="vehicle.")
    permits_raw = raw.get("permits")
    if permits_raw is None:
        permits: tuple[str, ...] = ()
    elif isinstance(permits_raw, list) and all(isinstance(p, str) and p.strip() for p in permits_raw):
        permits = tuple(p.strip()[:MAX_TEXT] for p in permits_raw)
    else:
        raise EventRefused("vehicle.permits", "must be a list of permit codes (strings)")
    badge = _text(raw, "badge", prefix="vehicle.")
    if badge is not None and badge.lower() not in BADGES:
        raise EventRefused("vehicle.badge", "must be blue or green")
    return kind, plate, permits, badge.lower() if badge else None
