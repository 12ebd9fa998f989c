"""``parking simulate``: simulated occupancy for the bundled Camden bays, written through the real ingest (or posted
to a real server), checked against the database and the API.

Three runs on the module's database, over disjoint spans so that each can be checked on its own: one ending now
(the bays must be live), one on a fixed Tuesday morning (reproducible: rules, capacity, pairing, the same ids
again), and one posted through the API two days ago (within the API's retention).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner, Result
from loader_testlib import Db
from sqlalchemy.orm import Session

from loaders.simulate import simulate
from parking_api.app import create_app
from parking_api.services import keys
from parking_api.settings import Settings

FIXED_START = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)  # a Tuesday, 09:00 in London: paid bays in force and busy
HOURS = 2
VISITOR_BAYS = ("paid", "shared_use_permit", "shared_use_resident")


def _invoke(url: str, *args: str) -> Result:
    return CliRunner().invoke(simulate, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


def _count(output: str, label: str) -> int:
    found = re.search(rf"^\s+{label}\s+([\d,]+)", output, re.MULTILINE)
    assert found, output
    return int(found.group(1).replace(",", ""))


@pytest.fixture(scope="module")
def loaded(loaded_db_url: str) -> Iterator[Db]:
    """The module's committed database with the bundled Camden zones and 1,000 bays, loaded by the real loader."""
    db = Db(loaded_db_url)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def live_run(loaded: Db, committed_db_url: str) -> dict[str, Any]:
    """Two hours ending now, seed 1."""
    began = datetime.now(UTC)
    result = _invoke(committed_db_url, "--source", "camden", "--hours", str(HOURS), "--seed", "1")
    assert result.exit_code == 0, result.output
    return {"output": result.output, "since": began - timedelta(hours=HOURS, minutes=1), "until": datetime.now(UTC)}


@pytest.fixture(scope="module")
def fixed_run(loaded: Db, committed_db_url: str) -> str:
    """Two hours of a fixed Tuesday morning, seed 1."""
    result = _invoke(committed_db_url, *_fixed_args())
    assert result.exit_code == 0, result.output
    return result.output


def _fixed_args() -> list[str]:
    return ["--source", "camden", "--hours", str(HOURS), "--seed", "1", "--start", FIXED_START.isoformat()]


def _fixed_span() -> dict[str, datetime]:
    return {"since": FIXED_START, "until": FIXED_START + timedelta(hours=HOURS)}


def _events(db: Db, since: datetime, until: datetime) -> list[dict[str, Any]]:
    return db.rows(
        """SELECT e.event_id::text AS event_id, e.event_type, e.event_time, e.event_source, e.session_key, e.occupied,
                  e.vehicle_type, e.payload, p.ref, greatest(coalesce(p.spaces, 1), 1) AS capacity
             FROM events e JOIN places p ON p.id = e.place_id
            WHERE e.event_time >= :since AND e.event_time <= :until""",
        since=since,
        until=until,
    )


def test_a_history_ending_now_makes_the_bays_live_and_simulated(live_run, loaded, committed_db_url):
    events = _events(loaded, live_run["since"], live_run["until"])
    accepted = _count(live_run["output"], "accepted")
    assert accepted == len(events) > 10_000  # 1,000 bays reporting every few minutes, and their cars
    assert _count(live_run["output"], "rejected") == 0
    assert {e["event_source"] for e in events} == {"simulator"}
    assert {e["payload"]["event_source"] for e in events} == {"simulator"}
    kinds = {e["event_type"] for e in events}
    assert {"park_start", "park_end", "scheduled_report", "comms_lost"} <= kinds
    assert all(e["payload"]["vehicle"].get("plate") is None for e in events if "vehicle" in e["payload"])

    bays = loaded.rows(
        """SELECT p.ref FROM occupancy o JOIN places p ON p.id = o.place_id
            WHERE o.last_event_type <> 'comms_lost' AND o.occupied > 0 ORDER BY p.ref LIMIT 3"""
    )
    assert bays
    app = create_app(Settings(database_url=committed_db_url), testing=True)
    try:
        client = app.test_client()
        for bay in bays:
            answer = client.get(f"/v1/bays/camden/{bay['ref']}/availability").get_json()
            assert answer["availability_status"] == "live", answer
            assert answer["availability_simulated"] is True
            assert answer["occupied_spaces"] >= 1
        lost = loaded.scalar("SELECT count(*) FROM occupancy WHERE last_event_type = 'comms_lost'")
        live = loaded.scalar("SELECT count(*) FROM occupancy WHERE observed_at > now() - interval '10 minutes'")
        assert lost < 100 < live  # a few sensors are offline at the end, most report
    finally:
        app.extensions["parking_engine"].dispose()


def test_no_bay_ever_holds_more_cars_than_spaces_and_reports_say_the_count(fixed_run, live_run, loaded):
    over = loaded.scalar(
        """SELECT count(*) FROM occupancy o JOIN places p ON p.id = o.place_id
            WHERE o.occupied > greatest(coalesce(p.spaces, 1), 1)"""
    )
    assert over == 0
    for span in (_fixed_span(), live_run):
        events = _events(loaded, span["since"], span["until"])
        # replay each bay's starts and ends in time order (a second's departures before its arrivals, and its
        # report after both, as the simulator orders them)
        rank = {"park_end": 0, "park_start": 1, "scheduled_report": 2}
        events.sort(key=lambda e: (e["event_time"], rank.get(e["event_type"], 3)))
        parked: dict[str, int] = defaultdict(int)
        reports = 0
        for e in events:
            if e["event_type"] == "park_start":
                parked[e["ref"]] += 1
            elif e["event_type"] == "park_end":
                parked[e["ref"]] -= 1
            elif e["event_type"] == "scheduled_report":
                assert e["occupied"] == parked[e["ref"]], e
                reports += 1
            assert 0 <= parked[e["ref"]] <= e["capacity"], e
        assert reports > 10_000


def test_every_end_pairs_with_a_start_and_ends_after_it(fixed_run, loaded):
    span = _fixed_span()
    unpaired = loaded.scalar(
        """SELECT count(*) FROM events e
            WHERE e.event_type = 'park_end' AND e.event_time BETWEEN :since AND :until
              AND NOT EXISTS (SELECT 1 FROM events s WHERE s.event_type = 'park_start' AND s.place_id = e.place_id
                                 AND s.session_key = e.session_key AND s.event_time < e.event_time)""",
        **span,
    )
    assert unpaired == 0
    sessions = loaded.rows(
        """SELECT started_at, ended_at, simulated FROM parking_sessions
            WHERE started_at BETWEEN :since AND :until""",
        **span,
    )
    assert len(sessions) > 1000
    assert all(s["simulated"] for s in sessions)
    assert all(s["ended_at"] > s["started_at"] for s in sessions if s["ended_at"] is not None)
    kinds = {e["payload"]["vehicle"]["type"] for e in _events(loaded, **span) if "vehicle" in e["payload"]}
    assert {"car", "goods", "motorcycle"} <= kinds


def test_most_stays_end_within_the_rules_and_a_few_overstay(fixed_run, loaded, committed_db_url):
    """Visitors' cars in pay-and-display and shared-use bays, asked of the API as a plain car at the start of the
    stay: until when may it stay? (Cars already parked at --start are announced then: their stays count from it.)"""
    span = _fixed_span()
    stays = loaded.rows(
        """SELECT p.ref, s.started_at, s.ended_at FROM parking_sessions s JOIN places p ON p.id = s.place_id
            WHERE p.category = ANY(:categories) AND s.vehicle_type = 'car' AND s.permits IS NULL AND s.badge IS NULL
              AND s.started_at BETWEEN :since AND :until AND s.ended_at IS NOT NULL
            ORDER BY s.started_at, p.ref""",
        categories=list(VISITOR_BAYS),
        **span,
    )
    app = create_app(Settings(database_url=committed_db_url, rate_limit="off"), testing=True)  # hundreds of asks
    try:
        client = app.test_client()
        limited = within = 0
        for stay in stays:
            at = stay["started_at"].astimezone(UTC).isoformat()
            status = client.get(f"/v1/bays/camden/{stay['ref']}", query_string={"at": at}).get_json()["properties"]
            status = status["status"]
            assert status["can_park"], (stay, status)  # nobody parks where a car may not
            if status["until"] is None:
                continue
            limited += 1
            within += stay["ended_at"] <= datetime.fromisoformat(status["until"])
    finally:
        app.extensions["parking_engine"].dispose()
    assert limited > 100
    assert within / limited >= 0.8
    assert within < limited  # some overstay


def test_the_same_seed_and_start_give_the_same_events_again(fixed_run, loaded, committed_db_url):
    span = _fixed_span()
    before = {e["event_id"] for e in _events(loaded, **span)}
    assert len(before) == _count(fixed_run, "accepted") > 10_000

    again = _invoke(committed_db_url, *_fixed_args())
    assert again.exit_code == 0, again.output
    assert _count(again.output, "accepted") == 0
    assert _count(again.output, "duplicate") == len(before)
    assert _count(again.output, "events") == len(before)
    assert {e["event_id"] for e in _events(loaded, **span)} == before


def test_post_sends_the_events_through_the_api(loaded, live_server, committed_db_url):
    with Session(loaded.engine) as session, session.begin():
        key = keys.create(session, role="sensor", name="simulator test", sources=["camden"], burst=50)
    start = (datetime.now(UTC) - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    result = _invoke(
        committed_db_url,
        *("--source", "camden", "--hours", "0.5", "--seed", "3", "--start", start.isoformat()),
        *("--post", live_server, "--key", key.key),
    )
    assert result.exit_code == 0, result.output
    assert "posting to " + live_server in result.output
    accepted = _count(result.output, "accepted")
    assert accepted > 1000
    assert _count(result.output, "rejected") == 0
    stored = loaded.rows(
        """SELECT key_id, event_source, count(*) AS n FROM events WHERE event_time BETWEEN :since AND :until
            GROUP BY 1, 2""",
        since=start,
        until=start + timedelta(minutes=30),
    )
    assert stored == [{"key_id": key.id, "event_source": "simulator", "n": accepted}]


def test_usage_errors(loaded, committed_db_url):
    alone = _invoke(committed_db_url, "--source", "camden", "--hours", "1", "--post", "http://127.0.0.1:9")
    assert alone.exit_code == 2
    assert "--post and --key go together" in alone.output
    unknown = _invoke(committed_db_url, "--source", "nowhere", "--hours", "1")
    assert unknown.exit_code == 1
    assert "no source 'nowhere'" in unknown.output
    bad_start = _invoke(committed_db_url, "--source", "camden", "--hours", "1", "--start", "2026-11-03 09:00")
    assert bad_start.exit_code == 2
    assert "--start" in bad_start.output
