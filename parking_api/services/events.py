"""Occupancy in: a batch of posted events checked one by one and stored in one transaction.

Every event gets a result in the order posted — ``accepted``, ``duplicate`` (its ``event_id`` was stored before,
in this batch or an earlier one) or ``rejected`` with the reason — and a rejected event never blocks the others.
The caller commits: nothing is accepted that the commit does not keep.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from parking_api.occupancy.events import Event, EventRefused, EventType, event_id_of, parse_event
from parking_api.occupancy.pairing import pair
from parking_api.occupancy.plates import plate_hash
from parking_api.store import events as store

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
MAX_BATCH = 1000
PAIRING_LOOKBACK = timedelta(days=1)
"""How far before a batch's earliest event a stored end-without-start is still completed by a late start."""


@dataclass(frozen=True)
class Result:
    event_id: str | None
    status: str
    reason: str | None = None
    row: int | None = None

    def json(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "status": self.status, "reason": self.reason}


@dataclass(frozen=True)
class Outcome:
    results: list[Result]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.status for r in self.results)
        return {status: counted.get(status, 0) for status in (ACCEPTED, DUPLICATE, REJECTED)}

    def json(self) -> dict[str, Any]:
        return {"results": [r.json() for r in self.results], "counts": self.counts}


def ingest(
    session: Session,
    items: Sequence[Any],
    *,
    now: datetime,
    plate_key: str,
    oldest: datetime | None,
    allowed_sources: Sequence[str] | None = None,
    key_id: str | None = None,
    rows: Sequence[int] | None = None,
) -> Outcome:
    """Check and store ``items`` (posted JSON objects) in ``session``'s transaction. ``oldest`` is the retention
    limit (``None`` for historic imports); ``allowed_sources`` limits the bays (``None``: any); ``rows`` are the
    items' row numbers in a file, kept on the results."""
    results: list[Result | None] = [None] * len(items)
    parsed: list[tuple[int, Event]] = []
    for index, raw in enumerate(items):
        row = rows[index] if rows else None
        try:
            parsed.append((index, parse_event(raw, now=now, oldest=oldest)))
        except EventRefused as refused:
            results[index] = Result(event_id_of(raw), REJECTED, str(refused), row)

    found = store.bays(session, ((e.source, e.ref) for _, e in parsed))
    seen: set[uuid.UUID] = set()
    candidates: list[tuple[int, Event, store.Bay]] = []
    for index, event in parsed:
        row = rows[index] if rows else None
        bay = found.get((event.source, event.ref))
        if allowed_sources is not None and event.source not in allowed_sources:
            results[index] = Result(
                str(event.event_id), REJECTED, f"bay.source: this key may not report for source {event.source!r}", row
            )
        elif bay is None:
            results[index] = Result(
                str(event.event_id), REJECTED, f"bay: no live bay {event.ref!r} in source {event.source!r}", row
            )
        elif event.event_id in seen:
            results[index] = Result(str(event.event_id), DUPLICATE, "event_id repeated in this batch", row)
        else:
            seen.add(event.event_id)
            candidates.append((index, event, bay))

    if candidates:
        store.ensure_partitions(session, (e.event_time for _, e, _ in candidates))
        store.lock_bays(session, (b.place_id for _, _, b in candidates))
        new = store.claim_event_ids(session, [(e.event_id, b.place_id, e.event_time) for _, e, b in candidates])
        accepted: list[tuple[Event, store.Bay, str | None]] = []
        for index, event, bay in candidates:
            row = rows[index] if rows else None
            if event.event_id in new:
                accepted.append((event, bay, plate_hash(event.plate, plate_key)))
                results[index] = Result(str(event.event_id), ACCEPTED, None, row)
            else:
                results[index] = Result(str(event.event_id), DUPLICATE, "event_id already received", row)
        _store(session, accepted, key_id=key_id)
    return Outcome([r for r in results if r is not None])


def _store(session: Session, accepted: list[tuple[Event, store.Bay, str | None]], *, key_id: str | None) -> None:
    if not accepted:
        return
    store.insert_events(session, accepted, key_id=key_id)
    pairs = [item for item in accepted if item[0].event_type in (EventType.PARK_START, EventType.PARK_END)]
    if pairs:
        keys = {(bay.place_id, e.session_key) for e, bay, _ in pairs}
        earliest = min(e.event_time for e, _, _ in pairs)
        stays = store.pairable_sessions(session, keys, earliest - PAIRING_LOOKBACK)
        pair(stays, ((e, bay.place_id, plate) for e, bay, plate in pairs))
        store.save_sessions(session, stays)
    store.update_occupancy(session, [e for e, _, _ in accepted], {e.event_id: b.place_id for e, b, _ in accepted})
