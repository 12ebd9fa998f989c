"""What every driver question shares, written once: the request's context (session, regulation cache, settings,
one "now"), the instant asked about with the window of data read around it, and the places a read found with their
authorities and parsed regulations.

A question goes: ``moment = context.moment(at)`` → ``read, found = context.read_places(reads.…, moment, …)`` (one
statement of :mod:`parking_api.store.reads`) → the instant ``moment.local(found.timezone(…))`` →
``found.evaluate(row, …)`` per place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from parking_api.engine.clock import NonexistentLocalTime, localize
from parking_api.engine.evaluate import Answer, evaluate
from parking_api.engine.model import Authority, Driver, Place, Regulation, Suspension
from parking_api.errors import InvalidInput
from parking_api.occupancy.availability import Availability, availability
from parking_api.services.authorities import DEFAULT_TIMEZONE, authority_for
from parking_api.services.regulations import RegulationCache
from parking_api.settings import Settings
from parking_api.store import reads


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def stamp(value: str | None) -> datetime | None:
    """A timestamp as the store's JSON writes it."""
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Context:
    """One request's means: its session, the process's regulation cache, the settings and the "now" every part of
    the answer (and its caching headers) shares."""

    session: Session
    cache: RegulationCache
    settings: Settings
    now: datetime

    def moment(self, requested: datetime | None) -> Moment:
        return Moment(requested, self.now)

    def read_places(
        self, read: Callable[..., PlacesRead], moment: Moment, ahead: timedelta, **params: Any
    ) -> tuple[PlacesRead, Found]:
        """One read of places for a question about ``moment``, and what it found. The read gets the span of
        suspensions needed to answer up to ``ahead`` after the instant (widened, since the time zone is not known
        yet) and the regulations it may leave out (the cache holds them)."""
        result = read(
            self.session,
            window_start=moment.provisional - timedelta(days=1),
            window_end=moment.provisional + ahead + timedelta(days=2),
            known_regulations=self.cache.known_ids(),
            **params,
        )
        return result, self.found(result.sources, result.regulations)

    def found(self, sources: list[dict[str, Any]], regulation_rows: list[dict[str, Any]]) -> Found:
        regulations = self.cache.resolve(regulation_rows, lambda ids: reads.regulations(self.session, ids))
        return Found(self.settings, {s["name"]: s for s in sources}, regulations, now=self.now)


class _Read(Protocol):
    """What every read of places returns besides its places: their regulations and the sources."""

    @property
    def regulations(self) -> list[dict[str, Any]]: ...

    @property
    def sources(self) -> list[dict[str, Any]]: ...


PlacesRead = TypeVar("PlacesRead", bound=_Read)


@dataclass(frozen=True)
class Moment:
    """The instant a question is for: ``requested`` as the client wrote it (naive: the authority's local time, known
    only once the places are read) or, when ``None``, now."""

    requested: datetime | None
    now: datetime

    @property
    def live(self) -> bool:
        """Whether the answer is for "now" (so it changes with the clock, not only with the data)."""
        return self.requested is None

    @property
    def provisional(self) -> datetime:
        """The instant for choosing what to read before the time zone is known (a naive time taken as UTC; the
        windows are widened by a day either side)."""
        return provisional_utc(self.requested) if self.requested else self.now

    def local(self, tz: str, name: str = "at") -> datetime:
        """The instant in ``tz``; ``name`` is the parameter blamed for a local time that does not exist."""
        return local_instant(self.requested, tz, name) if self.requested else self.now.astimezone(zone(tz))


def provisional_utc(value: datetime) -> datetime:
    """``value`` as UTC, a naive one taken as UTC (good to within a day, whatever the authority's zone)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def local_instant(value: datetime, tz: str, name: str) -> datetime:
    """The instant a parameter names, in ``tz``: an aware value converted, a naive one read as local time (the first
    occurrence in the autumn fold; :class:`InvalidInput` in the spring gap)."""
    if value.tzinfo is not None:
        return value.astimezone(zone(tz))
    try:
        return localize(value, tz)
    except NonexistentLocalTime:
        raise InvalidInput(
            name,
            f"{value.isoformat(timespec='minutes')} does not exist in {tz}: the clocks go forward then; "
            "give an offset or a time outside the gap",
        ) from None


@dataclass(frozen=True)
class Evaluated:
    """A place row as read, the engine's answer for it in its authority's time zone, and its availability now."""

    row: dict[str, Any]
    answer: Answer
    timezone: str
    availability: Availability

    @property
    def changes(self) -> list[datetime]:
        """When this part of an answer stops being true: the answer's changes, and the refresh of live counts."""
        out = answer_changes(self.answer)
        if self.availability.fresh_until is not None:
            out.append(self.availability.fresh_until)
        return out


class Found:
    """The sources and parsed regulations of one read: authorities per source, places from rows, answers."""

    def __init__(
        self,
        settings: Settings,
        sources: dict[str, dict[str, Any]],
        regulations: dict[int, Regulation],
        *,
        now: datetime | None = None,
    ):
        self.settings = settings
        self.sources = sources
        self.regulations = regulations
        self.now = now or utcnow()
        self._availability: dict[int, tuple[dict[str, Any], Availability]] = {}

    def availability(self, row: dict[str, Any]) -> Availability:
        """A place row's availability now (``unknown`` unless fresh reports say otherwise); worked out once per row
        (alternatives are ordered by it before they are evaluated)."""
        known = self._availability.get(id(row))
        if known is None:
            stale_after = self.settings.stale_after
            found = availability(row.get("occupancy"), row.get("spaces"), now=self.now, stale_after=stale_after,
                                 history=row.get("forecast"))  # fmt: skip
            known = self._availability[id(row)] = (row, found)  # the row kept with it: its id is not reused
        return known[1]

    def source(self, name: str | None) -> dict[str, Any] | None:
        return self.sources.get(name or "")

    def authority(self, source_name: str | None) -> Authority:
        source = self.source(source_name) or {"name": source_name or "", "timezone": DEFAULT_TIMEZONE}
        return authority_for(
            source, green_badge_zones=self.settings.green_badge_zones, horizon_days=self.settings.horizon_days
        )

    def timezone(self, source_name: str | None) -> str:
        """The time zone of a source's authority; without a source, the first loaded source's (or the default)."""
        if source_name:
            return self.authority(source_name).timezone
        for source in self.sources.values():
            if source.get("timezone"):
                return str(source["timezone"])
        return DEFAULT_TIMEZONE

    def place(self, row: dict[str, Any]) -> Place:
        """A bay (or other kerb place) row as the engine's place."""
        return Place(
            source=row["source"],
            ref=str(row["ref"]),
            kind=row.get("kind") or "bay",
            regulation=self.regulations[int(row["regulation_id"])],
            suspensions=_suspensions(row.get("suspensions")),
            restriction_type=row.get("restriction_type") or "",
            zone=row.get("zone"),
        )

    def zone_place(self, row: dict[str, Any]) -> Place:
        """A zone polygon row as a place answering with the zone's controlled hours."""
        return Place(
            source=row["source"],
            ref=str(row["ref"]),
            kind="zone_default",
            regulation=self.regulations[int(row["regulation_id"])],
            restriction_type="zone default",
            zone=row.get("sub_zone") or row.get("code"),
        )

    def answer(self, place: Place, driver: Driver, at: datetime, *, stay: int | None = None) -> Answer:
        """The engine's answer for ``place`` at ``at``, by its source's authority."""
        return evaluate(place, driver, at, self.authority(place.source), stay=stay)

    def evaluate(self, row: dict[str, Any], driver: Driver, at: datetime, *, stay: int | None = None) -> Evaluated:
        """A bay row's answer, with the row kept for presenting."""
        answer = self.answer(self.place(row), driver, at, stay=stay)
        return Evaluated(row, answer, self.timezone(row["source"]), self.availability(row))

    def evaluate_zone(self, row: dict[str, Any], driver: Driver, at: datetime, *, stay: int | None = None) -> Evaluated:
        """A zone row's answer (its controlled hours), with the row kept for presenting."""
        answer = self.answer(self.zone_place(row), driver, at, stay=stay)
        return Evaluated(row, answer, self.timezone(row["source"]), self.availability({}))


def _suspensions(rows: Iterable[dict[str, Any]] | None) -> tuple[Suspension, ...]:
    out = []
    for row in rows or ():
        start, end = stamp(row.get("start")), stamp(row.get("end"))
        if start and end:
            out.append(Suspension(start=start, end=end, reason=row.get("reason") or ""))
    return tuple(out)


def answer_changes(answer: Answer) -> list[datetime]:
    """The instants at which ``answer`` stops being true."""
    out = [t for t in (answer.until, answer.allowed_from, answer.pay_until) if t is not None]
    out.extend(change.at for change in answer.next_changes)
    return out
