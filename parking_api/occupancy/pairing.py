"""Pairing starts with ends into stays, whatever order the events arrive in.

A stay's key is the CDS ``event_session_id`` where the sensor sends one, else the space, else nothing (a
single-space sensor). Rules, applied to events in event-time order:

- a start fills the missing start of an end-without-start with its key that ended after it (the end came first);
  a start of a session already open is the same stay reported again; otherwise it opens a stay — and a start on a
  space whose stay is still open closes that stay at this start (the sensor missed the departure);
- an end closes the open stay with its key that started at or before it (the latest such); otherwise it is kept
  as an end without a start (``started_at`` null), which a late start can still complete.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from parking_api.occupancy.events import Event, EventType


@dataclass
class Stay:
    id: int | None
    place_id: int
    session_key: str | None
    space: str | None
    started_at: datetime | None
    ended_at: datetime | None
    start_event_id: uuid.UUID | None = None
    end_event_id: uuid.UUID | None = None
    vehicle_type: str | None = None
    permits: list[str] | None = None
    badge: str | None = None
    plate_hash: str | None = None
    simulated: bool = False
    changed: bool = False


def pair(stays: list[Stay], events: Iterable[tuple[Event, int, str | None]]) -> list[Stay]:
    """Apply ``(event, place_id, plate_hash)`` starts and ends to ``stays`` (changed in place, new ones appended);
    returns every stay, those to write marked ``changed`` or without an id."""
    by_key: dict[tuple[int, str | None], list[Stay]] = defaultdict(list)
    for stay in stays:
        by_key[(stay.place_id, stay.session_key)].append(stay)
    for event, place_id, plate in sorted(events, key=lambda item: item[0].event_time):
        mine = by_key[(place_id, event.session_key)]
        if event.event_type is EventType.PARK_START:
            made = _start(mine, event, place_id, plate)
        elif event.event_type is EventType.PARK_END:
            made = _end(mine, event, place_id)
        else:
            continue
        if made is not None:
            mine.append(made)
            stays.append(made)
    return stays


def _start(mine: list[Stay], event: Event, place_id: int, plate: str | None) -> Stay | None:
    """Complete a waiting end, or open a stay (returned: the caller keeps it)."""
    t = event.event_time
    waiting = [s for s in mine if s.started_at is None and s.ended_at is not None and s.ended_at >= t]
    if waiting:
        stay = min(waiting, key=lambda s: s.ended_at)
        stay.started_at, stay.start_event_id, stay.changed = t, event.event_id, True
        _describe(stay, event, plate)
        return None
    still_open = [s for s in mine if s.ended_at is None and s.started_at is not None and s.started_at <= t]
    if still_open and event.session_id:
        return None  # the same session reported again: one stay
    for stay in still_open:
        if key_is_exclusive(stay):
            stay.ended_at, stay.changed = t, True
    stay = Stay(None, place_id, event.session_key, event.space, t, None, event.event_id, simulated=event.simulated)
    _describe(stay, event, plate)
    return stay


def _end(mine: list[Stay], event: Event, place_id: int) -> Stay | None:
    """Close the open stay this end belongs to, or keep the end as one without a start (returned)."""
    t = event.event_time
    open_before = [s for s in mine if s.ended_at is None and s.started_at is not None and s.started_at <= t]
    if open_before:
        stay = max(open_before, key=lambda s: s.started_at)
        stay.ended_at, stay.end_event_id, stay.changed = t, event.event_id, True
        return None
    return Stay(
        None, place_id, event.session_key, event.space, None, t, end_event_id=event.event_id, simulated=event.simulated
    )


def key_is_exclusive(stay: Stay) -> bool:
    """Whether a stay's key names one vehicle at a time (a session id or a space): a bay-wide key does not, since a
    multi-space bay without spaces may hold several stays at once."""
    return stay.session_key is not None


def _describe(stay: Stay, event: Event, plate: str | None) -> None:
    stay.vehicle_type = stay.vehicle_type or event.vehicle_type
    stay.permits = stay.permits or (list(event.permits) or None)
    stay.badge = stay.badge or event.badge
    stay.plate_hash = stay.plate_hash or plate
