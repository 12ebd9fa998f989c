"""``parking simulate``: realistic occupancy events for a source's loaded bays, so that a demo (or a load test) has
live availability without sensors.

    parking simulate --source NAME --hours H [--seed N] [--start ISO] [--post URL --key KEY] [--follow]

Each bay is simulated on its own, with its own random stream (seeded by the seed, the source, the start and the
bay's ref, so that a run is reproducible and one bay's events never depend on another's):

- **arrivals**: a Poisson process whose rate follows the hour of the week, in the source's local time (public
  holidays as Sundays), and the bay's use, read from its ``category``: pay-and-display and shared-use bays turn
  over fast on weekday and Saturday daytimes, residents' bays fill up in the evening, loading and business bays
  work office hours, disabled bays see fewer arrivals, bus stops, taxi ranks and cycle docks none. An arrival at a
  full bay (``places.spaces``, null meaning one space) drives on.
- **drivers**: each arrival is a driver drawn for that use (a permit holder of the bay's zone, a visitor, a blue
  badge holder, a goods vehicle loading, …); the rule engine says whether they may park there now and until when
  (max stay, end of the permitted period). One who may not drives on. Car-club cars, doctors and the like, whom no
  driver profile expresses, park without asking the engine.
- **stays**: log-normal around the use's typical stay (residents arriving in the evening stay the night); a stay
  that would run past the limit ends before it, except for :data:`OVERSTAY_SHARE` of limited stays, which overrun.
- **sensors**: a ``scheduled_report`` with the bay's count every 4–7 minutes (within the 10 minutes after which a
  bay goes ``unknown``), and now and then a loss of communications (``comms_lost``) for 5 minutes to 2 hours; what
  happened meanwhile is sent, with its own times, on ``comms_restored`` (store and forward), then a report.

The simulation warms up silently for a day before ``--start``, so that the history begins with the bays as full as
usual at that hour; the cars already parked get their ``park_start`` at ``--start``. Events are written through
:func:`parking_api.services.events.ingest` (the code behind ``POST /v1/events``), one transaction per batch of at
most 1,000, or posted to the API with ``--post``; an event is never sent before its time.
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import itertools
import json
import math
import random
import secrets
import signal
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from parking_api.engine.calendar import is_holiday
from parking_api.engine.model import Activity, Authority, Badge, Driver, Fuel, Place, Vehicle, regulation_from_json
from parking_api.occupancy.availability import capacity
from parking_api.occupancy.events import SIMULATOR, EventRefused, parse_time
from parking_api.services.context import Found, utcnow
from parking_api.services.events import ACCEPTED, DUPLICATE, MAX_BATCH, REJECTED, ingest
from parking_api.settings import Settings, SettingsError
from parking_api.store import reads
from parking_api.store.db import make_engine
from parking_api.store.roles import api_url

WARM_UP_S = 24 * 3600
HEARTBEAT_S = (240, 420)
"""Range of a sensor's report interval (seconds): under the default 600 s after which a bay is ``unknown``."""
OUTAGES_PER_DAY = 0.5
"""Losses of communications per sensor per day."""
OUTAGE_S = (5 * 60, 25 * 60, 2 * 3600)
"""Shortest, median and longest loss of communications (seconds)."""
OVERSTAY_SHARE = 0.04
"""Share of stays with a limit that overrun it (by 2 to 45 minutes)."""
MIN_STAY_S = 120
STAY_SIGMA = 0.7
"""Spread of the log-normal stays (a stay is its median times e^N(0, σ))."""
STATEMENT_TIMEOUT_MS = 60_000
POST_RETRIES = 5

# Relative arrival intensity by local hour (0-23), in percent of the peak: weekdays, Saturdays, Sundays and holidays.
PATTERNS: dict[str, tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = {
    "shopping": (
        (5, 3, 2, 2, 2, 5, 10, 30, 60, 85, 100, 100, 100, 100, 95, 90, 90, 85, 70, 55, 45, 35, 20, 10),
        (5, 3, 2, 2, 2, 3, 5, 15, 35, 60, 85, 100, 100, 100, 100, 95, 90, 80, 65, 50, 45, 35, 20, 10),
        (5, 3, 2, 2, 2, 2, 3, 8, 15, 30, 45, 55, 60, 60, 60, 55, 50, 40, 30, 25, 20, 15, 10, 5),
    ),
    "residential": (
        (10, 5, 3, 2, 2, 3, 8, 15, 25, 30, 30, 30, 30, 30, 35, 45, 60, 85, 100, 100, 90, 70, 45, 25),
        (15, 8, 4, 2, 2, 2, 5, 10, 20, 35, 45, 45, 45, 45, 45, 50, 60, 75, 85, 85, 80, 65, 45, 30),
        (15, 8, 4, 2, 2, 2, 4, 8, 15, 25, 35, 40, 40, 40, 45, 50, 60, 75, 85, 85, 75, 60, 40, 25),
    ),
    "working": (
        (2, 1, 1, 1, 1, 2, 10, 40, 90, 100, 100, 100, 100, 100, 100, 100, 90, 60, 30, 15, 10, 5, 3, 2),
        (2, 1, 1, 1, 1, 1, 3, 15, 50, 50, 50, 50, 50, 40, 20, 10, 10, 5, 5, 3, 2, 2, 2, 2),
        (1, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Use:
    """How a kind of bay is used: the arrivals' weekly ``pattern``, ``turnover`` (arrivals per space per hour at the
    pattern's peak), the median ``stay`` in minutes, who arrives (``drivers``: kind and weight) and whether evening
    arrivals stay the night (``overnight``)."""

    pattern: str
    turnover: float
    stay: float
    drivers: tuple[tuple[str, float], ...]
    overnight: bool = False


VISITORS = (("visitor", 0.88), ("blue_badge", 0.05), ("goods", 0.04), ("motorcycle", 0.03))
RESIDENTS = (("resident", 0.85), ("visitor", 0.1), ("blue_badge", 0.05))
SHARED = (("resident", 0.4), ("visitor", 0.5), ("blue_badge", 0.05), ("goods", 0.05))
NO_CARS = Use("working", 0.0, 0.0, ())
USES: dict[str, Use] = {
    "paid": Use("shopping", 1.1, 50, VISITORS),
    "free": Use("shopping", 0.8, 60, VISITORS),
    "shared_use_permit": Use("shopping", 0.8, 80, SHARED),
    "shared_use_resident": Use("shopping", 0.8, 80, SHARED),
    "permit": Use("residential", 0.22, 150, RESIDENTS, overnight=True),
    "resident_permit": Use("residential", 0.22, 150, RESIDENTS, overnight=True),
    "loading_resident": Use("residential", 0.3, 30, (("resident", 0.6), ("loading", 0.4)), overnight=True),
    "trader_permit": Use("working", 0.5, 120, (("trader", 0.5), ("resident", 0.5))),
    "disabled_blue_badge": Use("shopping", 0.35, 100, (("blue_badge", 1.0),)),
    "disabled_green_badge": Use("residential", 0.2, 150, (("green_badge", 1.0),), overnight=True),
    "disabled_dedicated": Use("residential", 0.15, 120, (("own", 1.0),), overnight=True),
    "motorcycle": Use("working", 0.5, 240, (("motorcycle", 1.0),)),
    "loading": Use("working", 1.5, 20, (("loading", 0.85), ("visitor", 0.15))),
    "car_club": Use("residential", 0.15, 240, (("car_club", 1.0),), overnight=True),
    "ev_charging": Use("shopping", 0.5, 120, (("electric", 1.0),)),
    "trader": Use("working", 0.6, 120, (("trader", 1.0),)),
    "business": Use("working", 0.4, 240, (("business", 1.0),)),
    "doctor": Use("working", 0.4, 120, (("own", 1.0),)),
    "police": Use("working", 0.5, 120, (("own", 1.0),)),
    "diplomatic": Use("working", 0.2, 240, (("own", 1.0),)),
    "bus_stop": NO_CARS,
    "bus": NO_CARS,
    "bus_paid": NO_CARS,
    "taxi_rank": NO_CARS,
    "cycle_hire": NO_CARS,
}
DEFAULT_USE = Use("shopping", 0.6, 90, VISITORS)
"""A category not listed (another source's vocabulary): visitors, the engine deciding where they may park."""


def driver_for(kind: str, zone: str | None) -> tuple[Driver | None, dict[str, Any]]:
    """The engine's driver for an arrival of ``kind`` at a bay of ``zone``, and the events' ``vehicle`` object; no
    driver for the bay's own users (car-club cars, doctors, a dedicated bay's badge holder)."""
    permit = zone or "PERMIT"
    match kind:
        case "resident":
            return Driver(permits=frozenset({permit})), {"type": "car", "permits": [permit]}
        case "blue_badge":
            return Driver(badge=Badge.BLUE), {"type": "car", "badge": "blue"}
        case "green_badge":
            return Driver(badge=Badge.GREEN), {"type": "car", "badge": "green"}
        case "goods":
            return Driver(vehicle=Vehicle.GOODS), {"type": "goods"}
        case "loading":
            return Driver(vehicle=Vehicle.GOODS, activity=Activity.LOAD), {"type": "goods"}
        case "motorcycle":
            return Driver(vehicle=Vehicle.MOTORCYCLE), {"type": "motorcycle"}
        case "electric":
            return Driver(fuel=Fuel.ELECTRIC), {"type": "car"}
        case "trader":
            return Driver(permits=frozenset({"TRADER"})), {"type": "goods", "permits": ["TRADER"]}
        case "business":
            return Driver(permits=frozenset({"BUSA"})), {"type": "car", "permits": ["BUSA"]}
        case "car_club":
            return None, {"type": "car_club"}
        case "own":
            return None, {"type": "car"}
    return Driver(), {"type": "car"}


class SimulationError(RuntimeError):
    """The simulation cannot run or cannot deliver its events (the message says why)."""


@dataclass(frozen=True)
class Bay:
    """A live bay as the simulation sees it: its identity, room, use and the engine's place."""

    source: str
    ref: str
    capacity: int
    use: Use
    place: Place
    zone: str | None


@dataclass(frozen=True)
class World:
    """What every bay's simulation shares: the engine's answers, the local calendar, the seed and the start."""

    found: Found
    authority: Authority
    seed: int
    start: int
    """When the history begins (epoch seconds)."""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.authority.timezone)


BAYS_SQL = text(
    """
SELECT json_build_object(
           'source', s.name, 'ref', p.ref, 'kind', p.kind, 'restriction_type', p.restriction_type,
           'category', p.category, 'regulation_id', p.regulation_id, 'zone', p.zone, 'spaces', p.spaces,
           'suspensions', (
               SELECT coalesce(json_agg(json_build_object('start', su.starts_at, 'end', su.ends_at,
                                                          'reason', su.reason) ORDER BY su.starts_at), '[]'::json)
                 FROM suspensions su
                WHERE su.place_id = p.id AND su.ends_at > :since))
  FROM places p
  JOIN sources s ON s.id = p.source_id
 WHERE s.name = :source AND p.retired_at IS NULL
 ORDER BY p.ref
"""
)


def read_world(
    session: Session, settings: Settings, source: str, *, seed: int, start: datetime
) -> tuple[World, list[Bay]]:
    """The live bays of ``source`` with their rules and suspensions (one statement, plus the regulations)."""
    sources = {s["name"]: s for s in reads.sources(session)}
    if source not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise SimulationError(f"no source {source!r} is loaded (sources: {known})")
    since = start - timedelta(seconds=WARM_UP_S)
    rows = session.execute(BAYS_SQL, {"source": source, "since": since}).scalars().all()
    if not rows:
        raise SimulationError(f"source {source!r} has no live bays")
    ids = sorted({int(r["regulation_id"]) for r in rows})
    regulations = {int(r["id"]): regulation_from_json(r["definition"]) for r in reads.regulations(session, ids)}
    found = Found(settings, sources, regulations)
    bays = [
        Bay(
            r["source"],
            str(r["ref"]),
            capacity(r["spaces"]),
            USES.get(r["category"], DEFAULT_USE),
            found.place(r),
            r["zone"],
        )
        for r in rows
    ]
    return World(found, found.authority(source), seed, int(start.timestamp())), bays


# What happens at a bay, in the order of things at the same second: a report counts the cars after the second's
# arrivals and departures (so that the ingest's count, which adds only what started after the report, agrees).
DEPART, OPEN, ARRIVE, REPORT, LOSE, RESTORE = range(6)


def iso(at: int) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BaySimulation:
    """One bay and its sensor: :meth:`events` yields ``(delivered_at, event)`` in delivery order, forever."""

    def __init__(self, bay: Bay, world: World) -> None:
        self.bay = bay
        self.world = world
        self.rng = random.Random(f"{world.seed}/{bay.source}/{iso(world.start)}/{bay.ref}")
        self.tz = world.tz
        self.reference = {"source": bay.source, "ref": bay.ref}
        self.cars: dict[str, dict[str, Any]] = {}  # event_session_id -> vehicle
        self.agenda: list[tuple[int, int, int, Any]] = []
        self.order = itertools.count()
        weights = [w for _, w in bay.use.drivers]
        self.drivers = [driver_for(kind, bay.zone) for kind, _ in bay.use.drivers]
        self.cumulative = list(itertools.accumulate(weights))
        self.peak_rate = bay.capacity * bay.use.turnover * max(max(day) for day in PATTERNS[bay.use.pattern]) / 360_000

    def events(self) -> Iterator[tuple[int, dict[str, Any]]]:
        start = self.world.start
        self._next_arrival(start - WARM_UP_S)
        self._at(start, OPEN)
        observing = offline = False
        held: list[dict[str, Any]] = []
        while True:
            at, what, _, data = heapq.heappop(self.agenda)
            out: list[dict[str, Any]] = []
            if what == DEPART:
                vehicle = self.cars.pop(data)
                if observing:
                    out.append(self._event("park_end", at, event_session_id=data, vehicle=vehicle))
            elif what == ARRIVE:
                self._next_arrival(data)
                session = self._arrive(at) if len(self.cars) < self.bay.capacity else None
                if session and observing:
                    out.append(self._event("park_start", at, event_session_id=session, vehicle=self.cars[session]))
            elif what == OPEN:
                observing = True
                out = [self._event("park_start", at, event_session_id=s, vehicle=v) for s, v in self.cars.items()]
                self._at(at + self.rng.randint(0, HEARTBEAT_S[1]), REPORT)
                self._at(at + self._outage_gap(), LOSE)
            elif what == REPORT:
                self._at(at + self.rng.randint(*HEARTBEAT_S), REPORT)
                if not offline:
                    out.append(self._event("scheduled_report", at, occupied=len(self.cars)))
            elif what == LOSE:
                yield at, self._event("comms_lost", at)
                offline = True
                self._at(at + self._outage_length(), RESTORE)
            elif what == RESTORE:
                offline = False
                out = [
                    *held,
                    self._event("comms_restored", at),
                    self._event("scheduled_report", at, occupied=len(self.cars)),
                ]
                held = []
                self._at(at + self._outage_gap(), LOSE)
            if offline:
                held.extend(out)
            else:
                for event in out:
                    yield at, event

    def _at(self, at: int, what: int, data: Any = None) -> None:
        heapq.heappush(self.agenda, (at, what, next(self.order), data))

    def _event(self, kind: str, at: int, **fields: Any) -> dict[str, Any]:
        return {
            "event_id": str(self._uuid()),
            "event_type": kind,
            "event_time": iso(at),
            "bay": self.reference,
            "event_source": SIMULATOR,
            **fields,
        }

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _local(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, self.tz)

    def _rate(self, at: float) -> float:
        """Arrivals per second at ``at``."""
        local = self._local(at)
        weekday, saturday, sunday = PATTERNS[self.bay.use.pattern]
        authority = self.world.authority
        day = local.weekday()
        if day == 6 or is_holiday(local.date(), authority.holiday_country, authority.holiday_subdiv):
            table = sunday
        else:
            table = saturday if day == 5 else weekday
        return self.bay.capacity * self.bay.use.turnover * table[local.hour] / 360_000

    def _next_arrival(self, after: float) -> None:
        """The next arrival after ``after`` (thinning: candidates at the peak rate, kept in proportion to the rate)."""
        if self.peak_rate <= 0:
            return
        at = after
        while True:
            at += self.rng.expovariate(self.peak_rate)
            if self.rng.random() * self.peak_rate < self._rate(at):
                self._at(math.ceil(at), ARRIVE, at)
                return

    def _arrive(self, at: int) -> str | None:
        """A driver arrives at the bay (which has room): the session id if they park, ``None`` if they drive on."""
        driver, vehicle = self.drivers[bisect.bisect_right(self.cumulative, self.rng.random() * self.cumulative[-1])]
        limit = None
        if driver is not None:
            answer = self.world.found.answer(self.bay.place, driver, datetime.fromtimestamp(at, UTC))
            if not answer.can_park:
                return None
            limit = answer.until.timestamp() - at if answer.until is not None else None
        stay = self._stay(at, limit)
        if stay is None:
            return None
        session = str(self._uuid())
        self.cars[session] = vehicle
        self._at(at + round(stay), DEPART, session)
        return session

    def _stay(self, at: int, limit: float | None) -> float | None:
        """How long a car arriving at ``at`` stays, in seconds, given the rules' limit (``None``: none); ``None``
        when the limit leaves no time worth parking for."""
        local = self._local(at)
        if self.bay.use.overnight and (local.hour >= 17 or local.hour < 6):
            day = local.date() + timedelta(days=1 if local.hour >= 12 else 0)
            minutes = self.rng.uniform(420, 570) if self.rng.random() < 0.55 else self.rng.uniform(570, 1140)
            leave = datetime(day.year, day.month, day.day, tzinfo=self.tz) + timedelta(minutes=minutes)
            stay = leave.timestamp() - at
        else:
            stay = self.bay.use.stay * 60 * self.rng.lognormvariate(0, STAY_SIGMA)
        if limit is not None:
            if limit < MIN_STAY_S:
                return None
            if self.rng.random() < OVERSTAY_SHARE:
                stay = max(stay, limit + self.rng.uniform(2, 45) * 60)
            else:
                stay = min(stay, limit * self.rng.uniform(0.7, 0.98))
        return max(stay, MIN_STAY_S)

    def _outage_gap(self) -> int:
        return max(1, round(self.rng.expovariate(OUTAGES_PER_DAY / 86400)))

    def _outage_length(self) -> int:
        low, median, high = OUTAGE_S
        return round(min(max(median * self.rng.lognormvariate(0, 0.8), low), high))


def simulated_events(world: World, bays: Sequence[Bay]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every bay's events merged into one stream, in delivery order (ties: by bay, as ordered)."""
    return heapq.merge(*(BaySimulation(bay, world).events() for bay in bays), key=itemgetter(0))


@dataclass
class Tally:
    """What a run sent, by event type, and what the ingest made of it."""

    sent: Counter[str] = field(default_factory=Counter)
    outcome: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, events: Sequence[dict[str, Any]], results: Iterable[tuple[str, str | None]]) -> None:
        self.sent.update(e["event_type"] for e in events)
        for status, reason in results:
            self.outcome[status] += 1
            if status == REJECTED:
                self.reasons[reason or "?"] += 1

    @property
    def total(self) -> int:
        return sum(self.sent.values())


class DatabaseSink:
    """Events written straight into the database by the ingest, one transaction per batch."""

    def __init__(self, engine: Engine, *, source: str, plate_key: str) -> None:
        self.engine = engine
        self.source = source
        self.plate_key = plate_key

    def send(self, events: Sequence[dict[str, Any]]) -> list[tuple[str, str | None]]:
        try:
            with Session(self.engine) as session, session.begin():
                outcome = ingest(
                    session, events, now=utcnow(), plate_key=self.plate_key, oldest=None, allowed_sources=[self.source]
                )
        except DBAPIError as error:
            raise SimulationError(f"the database refused a batch: {error.orig}") from None
        return [(r.status, r.reason) for r in outcome.results]


class ApiSink:
    """Events posted to ``POST {url}/v1/events`` with a sensor key, as a real sensor network would send them."""

    def __init__(self, url: str, key: str) -> None:
        self.endpoint = url.rstrip("/") + "/v1/events"
        self.key = key

    def send(self, events: Sequence[dict[str, Any]]) -> list[tuple[str, str | None]]:
        body = json.dumps(events).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"}
        attempts = 0
        while True:
            request = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    answer = json.load(response)
                return [(r["status"], r.get("reason")) for r in answer["results"]]
            except urllib.error.HTTPError as error:
                attempts += 1
                if error.code not in (429, 503) or attempts > POST_RETRIES:  # 429/503: the key's limit, the database
                    raise SimulationError(f"POST {self.endpoint}: {error.code} {_problem(error)}") from None
                time.sleep(_seconds(error.headers.get("Retry-After")))
            except (urllib.error.URLError, OSError) as error:
                raise SimulationError(f"POST {self.endpoint}: {getattr(error, 'reason', error)}") from None


def _seconds(retry_after: str | None) -> float:
    try:
        return min(max(float(retry_after or 1), 0.1), 60.0)
    except ValueError:
        return 1.0


def _problem(error: urllib.error.HTTPError) -> str:
    raw = error.read().decode("utf-8", errors="replace")
    with contextlib.suppress(ValueError, AttributeError):
        return str(json.loads(raw).get("detail") or raw)[:300]
    return raw[:300]


def deliver(
    stream: Iterator[tuple[int, dict[str, Any]]],
    sink: DatabaseSink | ApiSink,
    tally: Tally,
    *,
    until: int,
    follow: bool,
    caught_up: Callable[[], None] | None = None,
) -> None:
    """Send the stream's events in batches of at most :data:`MAX_BATCH`: those delivered up to ``until`` (and never
    before their time), or, with ``follow``, all of them, each when its time comes (``caught_up()`` is called when
    the stream first runs ahead of the clock)."""
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if batch:
            tally.add(batch, sink.send(batch))
            batch.clear()

    waiting = False
    for at, event in stream:
        now = time.time()
        if at > now or (at > until and not follow):
            flush()
            if not follow:
                return
            if not waiting and caught_up is not None:
                caught_up()
            waiting = True
            time.sleep(max(0.0, at - now))
        batch.append(event)
        if len(batch) >= MAX_BATCH:
            flush()
    flush()


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (``docker stop``, ``make run``'s clean-up) ends the run like Ctrl-C: the batch in flight is rolled
    back, the summary printed."""

    def handler(_signum: int, _frame: Any) -> None:  # pragma: no cover - signal delivery
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (a test runner's): nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def summary(tally: Tally, *, source: str, bays: int, start: int, end: int, elapsed: float) -> str:
    """The run's report: events sent by type, the ingest's verdicts, the bays and the span simulated."""
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(tally.sent.items()))
    rate = tally.total / elapsed if elapsed > 0 else 0.0
    lines = [
        f"source {source}: {bays:,} bays, {iso(start)} to {iso(end)} ({(end - start) / 3600:.2f} h)",
        f"  events     {tally.total:>9,}" + (f"  ({kinds})" if kinds else ""),
        *(f"  {status:<10} {tally.outcome[status]:>9,}" for status in (ACCEPTED, DUPLICATE, REJECTED)),
        *(f"      {n:>9,}  {reason}" for reason, n in tally.reasons.most_common(5)),
        f"  time       {elapsed:>9.1f} s  ({rate:,.0f} events/s)",
    ]
    return "\n".join(lines)


def _start_option(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value, "--start")
    except EventRefused as refused:
        raise click.BadParameter(refused.reason, param_hint="--start") from None


@click.command("simulate")
@click.option("--source", required=True, help="The source whose loaded (live) bays get events.")
@click.option(
    "--hours",
    required=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Hours of history to simulate, from --start.",
)
@click.option(
    "--seed",
    type=int,
    help="Random seed [default: a random one, printed]; the same seed and --start give the same events and ids.",
)
@click.option(
    "--start", metavar="ISO", help="When the history begins, ISO 8601 with an offset [default: --hours before now]."
)
@click.option(
    "--post",
    metavar="URL",
    help="Post the events to the API at URL (POST URL/v1/events) instead of writing them into the database.",
)
@click.option("--key", help="The API key (role sensor) for --post.")
@click.option(
    "--follow", is_flag=True, help="After the history, keep going in real time until interrupted (SIGINT/SIGTERM)."
)
def simulate(
    source: str, hours: float, seed: int | None, start: str | None, post: str | None, key: str | None, follow: bool
) -> None:
    """Simulate realistic occupancy events for the loaded bays of a source: H hours of history, ending now by
    default (so the bays are live at once), then, with --follow, live events until stopped.

    Arrivals follow the hour of the week and each bay's use (its category); stays respect the rules in force at
    arrival (the engine's answer), but for a few percent of overstays; sensors report every few minutes and now and
    then lose contact. Every event says event_source "simulator", so the bays show availability_simulated: true.
    The bays and their rules are read from DATABASE_URL; the events are written there (batches of up to 1,000, one
    transaction each) or, with --post URL --key KEY, posted through the API.
    """
    if (post is None) != (key is None):
        raise click.UsageError("--post and --key go together")
    try:
        settings = Settings.from_environment()
        url = api_url(settings)  # it writes what the API's ingest writes, with the API's privileges
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    began = _start_option(start) or utcnow() - timedelta(hours=hours)
    seed = seed if seed is not None else secrets.randbelow(1_000_000)
    engine = make_engine(url, statement_timeout_ms=STATEMENT_TIMEOUT_MS, pool_size=1)
    interrupted = False
    try:
        with Session(engine) as session:
            world, bays = read_world(session, settings, source, seed=seed, start=began)
        sink = ApiSink(post, key) if post and key else DatabaseSink(engine, source=source, plate_key=settings.plate_key)
        until = world.start + round(hours * 3600)
        target = f"posting to {sink.endpoint}" if isinstance(sink, ApiSink) else "into the database"
        click.echo(f"simulating {len(bays):,} bays of {source} from {iso(world.start)}, seed {seed} ({target})")
        tally = Tally()
        clock = time.monotonic()
        with sigterm_interrupts():
            try:
                deliver(
                    simulated_events(world, bays),
                    sink,
                    tally,
                    until=until,
                    follow=follow,
                    caught_up=lambda: click.echo(
                        f"caught up: {tally.total:,} events sent; following in real time (Ctrl-C to stop)"
                    ),
                )
            except KeyboardInterrupt:
                interrupted = True
        end = max(world.start, int(time.time()) if follow else min(int(time.time()), until))
        elapsed = time.monotonic() - clock
        click.echo(summary(tally, source=source, bays=len(bays), start=world.start, end=end, elapsed=elapsed))
    except SimulationError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        engine.dispose()
    if interrupted and not follow:
        click.echo("interrupted before the end of the history (the batch in flight is not counted)", err=True)
        sys.exit(130)
