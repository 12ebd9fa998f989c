"""The settled hours (``usage_hours``), written by ``parking usage refresh`` for each settled day: their values for
the hand-written log of ``conftest.py`` (times below in UTC: BST is UTC+1 until 25 October 01:00 UTC), and the
answers read from them alone once the raw stays and events are gone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from parking_api.services import usage as service
from parking_api.settings import Settings
from parking_api.store.db import make_engine

UNTIL = datetime(2026, 10, 27, tzinfo=UTC)
QUERIES = [
    ("/v1/usage/zones", {"from": "2026-10-24", "to": "2026-10-26", "granularity": "day"}),
    ("/v1/usage/zones", {"from": "2026-10-24", "to": "2026-10-26", "include_simulated": "true"}),
    ("/v1/usage/bays", {"from": "2026-10-24", "to": "2026-10-26", "granularity": "hour", "zone": "HT-A"}),
]


def _answers(api, council) -> list[list[dict]]:
    return [api.get(path, query_string=query, headers=council).get_json()["rows"] for path, query in QUERIES]


def _hours(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session:
            return [tuple(r) for r in session.execute(text(sql)).all()]
    finally:
        engine.dispose()


def test_settled_hours_hold_the_usage_and_answer_without_the_raw_data(api, council, handtown):
    live = _answers(api, council)
    engine = make_engine(handtown, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            assert service.settle(session, Settings(database_url=handtown), until=UNTIL) == 4  # 23 to 26 October
    finally:
        engine.dispose()

    # A1 (1 space): S1 08:00-08:45 (45 min of a 1-hour max stay), S2 11:30-14:30 (3 h, an hour over its 2 hours)
    rows = _hours(
        handtown,
        """SELECT to_char(h.hour AT TIME ZONE 'UTC', 'DD HH24'), h.online_s::float, h.occupied_s::float, h.sessions,
                  h.overstays, h.unverifiable, h.dwell_s::float[]
             FROM usage_hours h JOIN places p ON p.id = h.place_id
            WHERE p.ref = 'A1' AND NOT h.with_simulated
              AND h.hour >= '2026-10-24T08:00Z' AND h.hour < '2026-10-24T12:00Z'
            ORDER BY h.hour""",
    )
    assert rows == [
        ("24 08", 3600.0, 2700.0, 1, 0, 0, [2700.0]),
        ("24 09", 3600.0, 0.0, 0, 0, 0, []),
        ("24 10", 3600.0, 0.0, 0, 0, 0, []),
        ("24 11", 3600.0, 1800.0, 1, 1, 0, [10800.0]),
    ]
    # S3 from 18:00 on the 24th to 01:30 on the 25th: 7 h 30 min, counted in its first hour
    assert _hours(
        handtown,
        """SELECT h.dwell_s::float[] FROM usage_hours h JOIN places p ON p.id = h.place_id
            WHERE p.ref = 'A1' AND NOT h.with_simulated AND h.hour = '2026-10-24T18:00Z'""",
    ) == [([27000.0],)]
    # per bay, without and with the simulator's S9 (in B1's permit hours: unverifiable): sessions, overstays,
    # unverifiable
    totals = _hours(
        handtown,
        """SELECT p.ref, h.with_simulated, sum(h.sessions)::int, sum(h.overstays)::int, sum(h.unverifiable)::int
             FROM usage_hours h JOIN places p ON p.id = h.place_id
            GROUP BY p.ref, h.with_simulated ORDER BY p.ref, h.with_simulated""",
    )
    assert totals == [
        ("A1", False, 5, 2, 0), ("A1", True, 5, 2, 0),
        ("B1", False, 3, 0, 2), ("B1", True, 4, 0, 3),
        ("C1", False, 1, 1, 0), ("C1", True, 1, 1, 0),
    ]  # fmt: skip

    assert _answers(api, council) == live
    # the whole period is settled: the answers come from the settled hours alone
    engine = make_engine(handtown, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            session.execute(text("DELETE FROM parking_sessions"))
            session.execute(text("DELETE FROM events"))
            session.execute(text("DELETE FROM usage_online"))
    finally:
        engine.dispose()
    assert _answers(api, council) == live
