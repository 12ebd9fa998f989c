"""Suspensions posted by council officers: the same thing to a driver as a suspension from a council file (both
are rows of ``suspensions`` that every answer reads), but only the API's own may be deleted through the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from parking_api.errors import Conflict, InvalidInput, NotPermitted, UnknownBay, UnknownSuspension
from parking_api.services.context import local_instant
from parking_api.services.keys import Caller
from parking_api.store import events as bays_store
from parking_api.store import suspensions as store

MAX_SUSPENSION = timedelta(days=366)
MAX_REASON = 500


def _check_source(caller: Caller, source: str) -> None:
    if not caller.may_use(source):
        raise NotPermitted(f"This key may not manage source {source!r}.")


def create(
    session: Session, caller: Caller, *, source: str, ref: str, start: datetime, end: datetime, reason: str
) -> dict[str, Any]:
    """Suspend a live bay over [start, end); naive times are the source's local time."""
    _check_source(caller, source)
    bay = bays_store.bays(session, [(source, ref)]).get((source, ref))
    if bay is None:
        raise UnknownBay(f"No live bay {ref!r} in source {source!r}.")
    tz = bays_store.source_timezone(session, source)
    start = local_instant(start, tz, "start")
    end = local_instant(end, tz, "end")
    if end <= start:
        raise InvalidInput("end", "must be after start")
    if end - start > MAX_SUSPENSION:
        raise InvalidInput("end", "a suspension may last at most 366 days")
    if len(reason) > MAX_REASON:
        raise InvalidInput("reason", f"at most {MAX_REASON} characters")
    new_id = store.insert(
        session, place_id=bay.place_id, source_id=bay.source_id, start=start, end=end, reason=reason.strip()
    )
    return store.one(session, new_id) or {}


def active(
    session: Session, caller: Caller, *, at: datetime, source: str | None, ref: str | None
) -> list[dict[str, Any]]:
    if source is not None:
        _check_source(caller, source)
    return store.active(session, at=at, sources=caller.sources, source=source, ref=ref)


def delete(session: Session, caller: Caller, suspension_id: int) -> None:
    found = store.one(session, suspension_id)
    if found is None:
        raise UnknownSuspension(f"No suspension {suspension_id}.")
    _check_source(caller, found["source"])
    if found["origin"] != "api":
        raise Conflict(
            f"Suspension {suspension_id} comes from a council file: the next file of source {found['source']!r} "
            "replaces it, so it cannot be deleted through the API."
        )
    store.delete(session, suspension_id)
