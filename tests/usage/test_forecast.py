"""The availability forecast on a hand-made history, where the bay has no live reading.

Bay ``D1`` (1 space) reports every 5 minutes from 10:00 to 10:55 local time on five Tuesdays — 6, 13, 20 and 27
October and 3 November 2026 (the clocks go back between the third and the fourth) — and a car stays 10:00-10:30
each time. On 20 October the sensor loses contact at 10:30 and says nothing more. Tuesday 8 September (outside
the 8 weeks before the refresh at Thursday 5 November 12:00 UTC) has reports and no car. Three Wednesdays (7, 14, 21
October) have reports from 10:00 to 10:55 and no car.

By hand, Tuesday 10:00-11:00: four weeks online 60 minutes with 30 free, one week online 30 minutes with none
free (the ``comms_lost`` at 10:30 comes after the car's departure at the same instant): 120 / 270 = 0.444, over 5
weeks. Tuesday 11:00-12:00: the 10:55 report keeps the data online until 11:05 in
four weeks, free throughout: 1.0 over 4 weeks. Wednesday 10:00-11:00: only 3 weeks, so no forecast.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from parking_api.services import forecast
from parking_api.services.events import ingest
from parking_api.settings import Settings
from parking_api.store.db import make_engine

from .conftest import SOURCE, local

TUESDAYS = ["2026-10-06", "2026-10-13", "2026-10-20", "2026-10-27", "2026-11-03"]
WEDNESDAYS = ["2026-10-07", "2026-10-14", "2026-10-21"]
REFRESHED_AT = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
LON, LAT = -0.1410, 51.5405


def _event(kind: str, at: datetime, **extra) -> dict:
    return {"event_id": str(uuid.uuid4()), "event_type": kind, "event_time": at.astimezone(UTC).isoformat(),
            "bay": {"source": SOURCE, "ref": "D1"}, "event_source": "in_ground", **extra}  # fmt: skip


def _history() -> list[dict]:
    events = []
    for day in [*TUESDAYS, "2026-09-08", *WEDNESDAYS]:
        ten = local(f"{day} 10:00")
        lost = day == "2026-10-20"
        for minutes in range(0, 60, 5):
            at = ten + timedelta(minutes=minutes)
            if lost and minutes >= 30:
                events.append(_event("comms_lost", at))
                break
            events.append(_event("scheduled_report", at, occupied=1 if minutes < 30 and day in TUESDAYS else 0))
        if day in TUESDAYS:
            events.append(_event("park_start", ten, event_session_id=f"D-{day}"))
            events.append(_event("park_end", ten + timedelta(minutes=30), event_session_id=f"D-{day}"))
    return events


@pytest.fixture(scope="module")
def d1(handtown: str) -> str:
    engine = make_engine(handtown, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            session.execute(
                text(
                    """INSERT INTO places (source_id, ref, kind, category, regulation_id, geom, geom_quality, zone,
                                           spaces, road)
                       SELECT source_id, 'D1', 'bay', category, regulation_id,
                              ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'point', 'HT-C', 1, 'D1 Street'
                         FROM places WHERE ref = 'A1'"""
                ),
                {"lon": LON, "lat": LAT},
            )
        with Session(engine) as session, session.begin():
            outcome = ingest(session, _history(), now=datetime.now(UTC), plate_key="", oldest=None)
            assert outcome.counts["accepted"] == len(outcome.results)
        with Session(engine) as session, session.begin():
            forecast.refresh(session, Settings(database_url=handtown), now=REFRESHED_AT)
    finally:
        engine.dispose()
    return handtown


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-12-08T10:15:00", {"share_free": 0.444, "weeks": 5}),
        ("2026-12-08T11:15:00", {"share_free": 1.0, "weeks": 4}),
        ("2026-12-09T10:15:00", None),
        ("2026-12-10T10:15:00", None),
    ],
)
def test_bay_detail_carries_the_forecast_for_the_hour_asked(api, d1, at, expected):
    props = api.get(f"/v1/bays/{SOURCE}/D1", query_string={"at": at}).get_json()["properties"]
    assert props["availability_status"] == "unknown"
    assert props["availability_forecast"] == expected


def test_bays_near_and_can_i_park_carry_it_too(api, d1):
    at = "2026-12-08T10:15:00"
    features = api.get("/v1/bays", query_string={"lat": LAT, "lon": LON, "radius": 20, "at": at}).get_json()
    d1_props = next(f["properties"] for f in features["features"] if f["properties"]["ref"] == "D1")
    assert d1_props["availability_forecast"] == {"share_free": 0.444, "weeks": 5}
    answer = api.get("/v1/can-i-park", query_string={"lat": LAT, "lon": LON, "at": at}).get_json()
    shown = [answer["bay"], *answer["candidates"], *answer["alternatives"]]
    d1_items = [item for item in shown if item and item["ref"] == "D1"]
    assert d1_items and all(i["availability_forecast"] == {"share_free": 0.444, "weeks": 5} for i in d1_items)


def test_the_forecast_rows_rest_on_the_last_eight_weeks(d1):
    engine = make_engine(d1, pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    """SELECT f.hour_of_week, round(f.share_free::numeric, 3), f.weeks FROM bay_forecasts f
                         JOIN places p ON p.id = f.place_id WHERE p.ref = 'D1' ORDER BY 1"""
                )
            ).all()
    finally:
        engine.dispose()
    # Tuesday is day 1: hours 34 and 35; Wednesday 10:00 and 11:00 (to 11:05) are 58 and 59: 3 weeks, stored and
    # not shown
    assert [(h, float(s), w) for h, s, w in rows] == [(34, 0.444, 5), (35, 1.0, 4), (58, 1.0, 3), (59, 1.0, 3)]
