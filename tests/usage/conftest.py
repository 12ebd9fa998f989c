"""A small borough written by hand ("handtown", Europe/London) and its event log, for the usage tests.

Bays (signs as a person reads them; outside the hours written, anyone may park without limit):

- ``A1``, zone HT-A, 1 space: "Pay at machine 08:00-12:00 max stay 1 hour, 12:00-20:00 max stay 2 hours" (the
  max stay changes with the time of day);
- ``B1``, zone HT-A, 2 spaces: "Permit holders HT-A only 08:00-20:00";
- ``C1``, zone HT-B, 1 space: "No stopping at any time".

The log, in local time, around the end of summer time (Sunday 25 October 2026, 02:00 BST → 01:00 GMT, a day of 25
hours). Every bay sends a ``scheduled_report`` every 5 minutes from Saturday 24 October 00:00 BST to Monday 26
October 00:00 GMT, except ``A1`` between its ``comms_lost`` at 14:00 BST on the 24th and its ``comms_restored`` at
15:00 (the offline hour).

- A1: S1 Sat 09:00-09:45; S2 Sat 12:30-15:30 (max 2 hours: until 14:30, an overstay of 60 minutes, across the
  offline hour); S3 Sat 19:00 BST - Sun 01:30 GMT (across midnight and the clock change: 7 h 30 min elapsed);
  S4 Sun 08:30-09:00; S5 Sun 10:30-11:00 in a suspension Sun 10:00-12:00 (an overstay: parked in a suspended bay).
- B1: S6 Sat 09:00-17:00 (no permit seen: unverifiable); S7 Sat 10:00-11:00 whose events say permit HT-A
  (unverifiable); S8 Sat 21:00-22:00 (after the permit hours: fine); S9 Sun 09:00-10:00 sent by the simulator.
- C1: S10 Sat 10:00-10:05 (no stopping: an overstay).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from parking_api.app import create_app
from parking_api.engine.model import Activity, Regulation, Rule, TimeSpan, UserClass, regulation_to_json
from parking_api.services import keys
from parking_api.services.events import ingest
from parking_api.settings import Settings
from parking_api.store.db import make_engine

LONDON = ZoneInfo("Europe/London")
SOURCE = "handtown"


def local(text_: str) -> datetime:
    """A local London time written ``2026-10-24 09:00`` (``fold=1`` by a trailing ``*``: the second 01:xx)."""
    fold = text_.endswith("*")
    return datetime.fromisoformat(text_.rstrip("*")).replace(tzinfo=LONDON, fold=int(fold))


A1 = Regulation(
    rules=(
        Rule(Activity.PARK, time_spans=(TimeSpan(windows=((480, 720),)),), max_stay=60, payment=True,
             label="pay at machine, max 1 hour"),
        Rule(Activity.PARK, time_spans=(TimeSpan(windows=((720, 1200),)),), max_stay=120, payment=True,
             label="pay at machine, max 2 hours"),
    ),
    category="paid",
    description="Pay at machine 08:00-12:00 max 1 hour, 12:00-20:00 max 2 hours",
)  # fmt: skip
B1 = Regulation(
    rules=(
        Rule(Activity.PARK, user_classes=frozenset({UserClass.PERMIT}), permits=frozenset({"HT-A"}),
             time_spans=(TimeSpan(windows=((480, 1200),)),), label="permit holders HT-A"),
    ),
    category="resident_permit",
    description="Permit holders HT-A only 08:00-20:00",
)  # fmt: skip
C1 = Regulation(rules=(Rule(Activity.NO_STOPPING, label="no stopping"),), category="no_stopping",
                description="No stopping at any time")  # fmt: skip

BAYS = {"A1": ("HT-A", 1, A1, -0.1400), "B1": ("HT-A", 2, B1, -0.1401), "C1": ("HT-B", 1, C1, -0.1402)}
LOG_START = local("2026-10-24 00:00")
LOG_END = datetime(2026, 10, 26, 0, 0, tzinfo=LONDON)
OFFLINE = {"A1": (local("2026-10-24 14:00"), local("2026-10-24 15:00"))}
SUSPENSION = ("A1", local("2026-10-25 10:00"), local("2026-10-25 12:00"))
STAYS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("A1", "2026-10-24 09:00", "2026-10-24 09:45", {}),
    ("A1", "2026-10-24 12:30", "2026-10-24 15:30", {}),
    ("A1", "2026-10-24 19:00", "2026-10-25 01:30*", {}),
    ("A1", "2026-10-25 08:30", "2026-10-25 09:00", {}),
    ("A1", "2026-10-25 10:30", "2026-10-25 11:00", {}),
    ("B1", "2026-10-24 09:00", "2026-10-24 17:00", {}),
    ("B1", "2026-10-24 10:00", "2026-10-24 11:00", {"vehicle": {"type": "car", "permits": ["HT-A"]}}),
    ("B1", "2026-10-24 21:00", "2026-10-24 22:00", {}),
    ("B1", "2026-10-25 09:00", "2026-10-25 10:00", {"event_source": "simulator"}),
    ("C1", "2026-10-24 10:00", "2026-10-24 10:05", {"vehicle": {"type": "car"}}),
]


def _event(ref: str, kind: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": kind,
        "event_time": at.astimezone(UTC).isoformat(),
        "bay": {"source": SOURCE, "ref": ref},
        "event_source": "in_ground",
        **extra,
    }


def event_log() -> list[dict[str, Any]]:
    """The whole log: stays (with their session ids), reports every 5 minutes, the outage."""
    events = []
    for number, (ref, start, end, extra) in enumerate(STAYS, 1):
        for kind, at in (("park_start", local(start)), ("park_end", local(end))):
            events.append(_event(ref, kind, at, event_session_id=f"S{number}", **extra))
    for ref in BAYS:
        at = LOG_START.astimezone(UTC)
        while at < LOG_END:
            lost = OFFLINE.get(ref)
            if lost and lost[0] <= at < lost[1]:
                if at == lost[0]:
                    events.append(_event(ref, "comms_lost", at))
            else:
                kind = "comms_restored" if lost and at == lost[1] else "scheduled_report"
                extra = {} if kind == "comms_restored" else {"occupied": 0}
                events.append(_event(ref, kind, at, **extra))
            at += timedelta(minutes=5)
    return events


def seed(url: str) -> None:
    """The source, its bays and suspension, and the event log through the real ingest."""
    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            source_id = session.execute(
                text("INSERT INTO sources (name, timezone) VALUES (:n, 'Europe/London') RETURNING id"), {"n": SOURCE}
            ).scalar_one()
            for ref, (zone, spaces, regulation, lon) in BAYS.items():
                reg_id = session.execute(
                    text(
                        """INSERT INTO regulations (fingerprint, category, description, definition)
                           VALUES (:f, :c, :d, CAST(:j AS jsonb)) RETURNING id"""
                    ),
                    {"f": regulation.fingerprint(), "c": regulation.category, "d": regulation.description,
                     "j": __import__("json").dumps(regulation_to_json(regulation))},
                ).scalar_one()  # fmt: skip
                session.execute(
                    text(
                        """INSERT INTO places (source_id, ref, kind, category, regulation_id, geom, geom_quality,
                                               zone, spaces, road)
                           VALUES (:s, :ref, 'bay', :c, :r, ST_SetSRID(ST_MakePoint(:lon, 51.54), 4326), 'point',
                                   :zone, :spaces, :road)"""
                    ),
                    {"s": source_id, "ref": ref, "c": regulation.category, "r": reg_id, "lon": lon, "zone": zone,
                     "spaces": spaces, "road": f"{ref} Street"},
                )  # fmt: skip
            ref, start, end = SUSPENSION
            session.execute(
                text(
                    """INSERT INTO suspensions (place_id, source_id, starts_at, ends_at, reason)
                       SELECT id, source_id, :a, :b, 'crane' FROM places WHERE ref = :ref"""
                ),
                {"a": start, "b": end, "ref": ref},
            )
        events = event_log()
        with Session(engine) as session, session.begin():
            for i in range(0, len(events), 1000):
                outcome = ingest(session, events[i : i + 1000], now=datetime.now(UTC), plate_key="", oldest=None)
                assert all(r.status == "accepted" for r in outcome.results), outcome.json()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def handtown(committed_db_url: str) -> str:
    seed(committed_db_url)
    return committed_db_url


@pytest.fixture(scope="module")
def app(handtown: str):
    app = create_app(Settings(database_url=handtown), testing=True)
    yield app
    engine = app.extensions.get("parking_engine")
    if engine is not None:
        engine.dispose()


@pytest.fixture
def api(app) -> Iterator:
    yield app.test_client()


@pytest.fixture(scope="module")
def council(handtown: str) -> dict[str, str]:
    engine = make_engine(handtown, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            key = keys.create(session, role="council", name="test council").key
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {key}"}
