"""Usage metrics on the hand-written log of ``conftest.py``, checked against values worked out by hand.

Saturday 24 October is 24 hours (00:00 BST to 00:00 BST); Sunday 25 October is 25 hours (00:00 BST to 00:00 GMT).

A1 (1 space), Saturday: online 23 of 24 hours (95.8 %): the offline hour 14:00-15:00 is out. Sessions starting:
S1 (45 min), S2 (180 min), S3 (450 min: 19:00 BST to 01:30 GMT is 18:00Z to 01:30Z) → 3, turnover 3.0, mean
225.0, median 180.0. Occupied online time: S1 45 + S2 120 (12:30-15:30 less the offline hour) + S3 300 (to
midnight BST) = 465 min over 1380 online minutes = 33.7 %. Overstays: S2. Sunday: online 25 h (100 %);
sessions S4, S5 (30 min each) → 2, mean and median 30.0; occupied S3 150 (00:00 BST to 01:30 GMT) + 30 + 30 =
210 min of 1500 = 14.0 %; overstays: S5 (suspended bay); suspension 10:00-12:00 = 2.0 hours.

B1 (2 spaces), Saturday: S6 (480), S7 (60), S8 (60) → 3 sessions, turnover 1.5, mean 200.0, median 60.0;
occupied 600 space-minutes of 2 × 1440 = 20.8 %; unverifiable: S6 (permit-only hours) and S7 (permit in the event).
Sunday without the simulator: no sessions, 0.0 %, dwell null.

Zone HT-A, Saturday: 6 sessions over 3 spaces → turnover 2.0; dwells 45, 60, 60, 180, 450, 480 → mean 212.5,
median 120.0; occupied 465 + 600 = 1065 of (1 × 1380 + 2 × 1440) = 4260 space-minutes → 25.0 %; online
(1380 + 1440) / 2880 = 97.9 %. Sunday: 2 sessions → 0.67; occupied 210 of (1500 + 3000) = 4.7 %.
"""

from __future__ import annotations

import csv
import io

import pytest

BAY_DAYS = {
    ("A1", "2026-10-24T00:00:00+01:00", "2026-10-25T00:00:00+01:00"): dict(
        total_sessions=3, turnover=3.0, average_dwell_time=225.0, median_dwell_time=180.0, occupancy_percent=33.7,
        overstays=1, unverifiable_sessions=0, suspension_hours=0.0, online_percent=95.8),
    ("A1", "2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00+00:00"): dict(
        total_sessions=2, turnover=2.0, average_dwell_time=30.0, median_dwell_time=30.0, occupancy_percent=14.0,
        overstays=1, unverifiable_sessions=0, suspension_hours=2.0, online_percent=100.0),
    ("B1", "2026-10-24T00:00:00+01:00", "2026-10-25T00:00:00+01:00"): dict(
        total_sessions=3, turnover=1.5, average_dwell_time=200.0, median_dwell_time=60.0, occupancy_percent=20.8,
        overstays=0, unverifiable_sessions=2, suspension_hours=0.0, online_percent=100.0),
    ("B1", "2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00+00:00"): dict(
        total_sessions=0, turnover=0.0, average_dwell_time=None, median_dwell_time=None, occupancy_percent=0.0,
        overstays=0, unverifiable_sessions=0, suspension_hours=0.0, online_percent=100.0),
}  # fmt: skip

ZONE_DAYS = {
    "2026-10-24T00:00:00+01:00": dict(
        bays=2, spaces=3, total_sessions=6, turnover=2.0, average_dwell_time=212.5, median_dwell_time=120.0,
        occupancy_percent=25.0, overstays=1, unverifiable_sessions=2, suspension_hours=0.0, online_percent=97.9),
    "2026-10-25T00:00:00+01:00": dict(
        bays=2, spaces=3, total_sessions=2, turnover=0.67, average_dwell_time=30.0, median_dwell_time=30.0,
        occupancy_percent=4.7, overstays=1, unverifiable_sessions=0, suspension_hours=2.0, online_percent=100.0),
}  # fmt: skip

PERIOD = {"from": "2026-10-24", "to": "2026-10-26"}


def test_daily_metrics_per_bay_match_the_hand_worked_values(api, council):
    response = api.get("/v1/usage/bays", query_string={**PERIOD, "zone": "HT-A", "granularity": "day"},
                       headers=council)  # fmt: skip
    assert response.status_code == 200, response.get_json()
    rows = response.get_json()["rows"]
    got = {(r["ref"], r["bucket_start"], r["bucket_end"]): r for r in rows}
    assert set(got) == set(BAY_DAYS)
    for key, expected in BAY_DAYS.items():
        assert {k: got[key][k] for k in expected} == expected, key
        assert got[key]["source"] == "handtown" and got[key]["zone"] == "HT-A"


def test_daily_metrics_per_zone_match_the_hand_worked_values(api, council):
    response = api.get("/v1/usage/zones", query_string={**PERIOD, "granularity": "day", "zone": "HT-A"},
                       headers=council)  # fmt: skip
    assert response.status_code == 200, response.get_json()
    rows = {r["bucket_start"]: r for r in response.get_json()["rows"]}
    assert set(rows) == set(ZONE_DAYS)
    for start, expected in ZONE_DAYS.items():
        assert {k: rows[start][k] for k in expected} == expected, start
        assert rows[start]["zone"] == "HT-A"


def test_the_clock_change_day_has_25_hourly_buckets_and_the_offline_hour_is_null(api, council):
    response = api.get(
        "/v1/usage/bays",
        query_string={"from": "2026-10-24", "to": "2026-10-26", "granularity": "hour", "zone": "HT-A"},
        headers=council,
    )
    rows = [r for r in response.get_json()["rows"] if r["ref"] == "A1"]
    assert len(rows) == 24 + 25
    sunday = [r["bucket_start"] for r in rows if r["bucket_start"].startswith("2026-10-25")]
    assert sunday[:3] == ["2026-10-25T00:00:00+01:00", "2026-10-25T01:00:00+01:00", "2026-10-25T01:00:00+00:00"]
    offline = next(r for r in rows if r["bucket_start"] == "2026-10-24T14:00:00+01:00")
    assert offline["online_percent"] == 0.0
    for name in ("total_sessions", "turnover", "average_dwell_time", "median_dwell_time", "occupancy_percent",
                 "overstays", "unverifiable_sessions"):  # fmt: skip
        assert offline[name] is None, name
    # 12:00-13:00: S2 from 12:30, online all hour → 50 %; 15:00-16:00: S2 until 15:30 → 50 %
    by_start = {r["bucket_start"]: r for r in rows}
    assert by_start["2026-10-24T12:00:00+01:00"]["occupancy_percent"] == 50.0
    assert by_start["2026-10-24T15:00:00+01:00"]["occupancy_percent"] == 50.0
    # the second 01:00 (GMT): S3 runs to 01:30 → 50 %; the first 01:00 (BST) is wholly occupied
    assert by_start["2026-10-25T01:00:00+01:00"]["occupancy_percent"] == 100.0
    assert by_start["2026-10-25T01:00:00+00:00"]["occupancy_percent"] == 50.0


def test_simulated_sessions_count_only_when_asked(api, council):
    query = {"from": "2026-10-25", "to": "2026-10-26", "zone": "HT-A"}
    plain = {r["ref"]: r for r in api.get("/v1/usage/bays", query_string=query, headers=council).get_json()["rows"]}
    with_sim = api.get("/v1/usage/bays", query_string={**query, "include_simulated": "true"}, headers=council)
    simulated = {r["ref"]: r for r in with_sim.get_json()["rows"]}
    assert plain["B1"]["total_sessions"] == 0
    assert simulated["B1"]["total_sessions"] == 1
    assert simulated["B1"]["average_dwell_time"] == 60.0


def test_csv_has_the_same_columns_and_values_as_json(api, council):
    query = {**PERIOD, "granularity": "day", "zone": "HT-A"}
    as_json = api.get("/v1/usage/bays", query_string=query, headers=council).get_json()["rows"]
    response = api.get("/v1/usage/bays", query_string=query, headers={**council, "Accept": "text/csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(table) == len(as_json)
    for row, json_row in zip(table, as_json, strict=True):
        assert list(row) == list(json_row)
        for name, value in json_row.items():
            assert row[name] == ("" if value is None else str(value)), name


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"to": "2026-10-26"}, "from"),
        ({"from": "2026-10-24"}, "to"),
        ({"from": "yesterday", "to": "2026-10-26"}, "from"),
        ({"from": "2026-10-26", "to": "2026-10-24"}, "to"),
        ({**PERIOD, "granularity": "week"}, "granularity"),
        ({"from": "2026-01-01", "to": "2026-03-01", "granularity": "hour"}, "to"),
        ({**PERIOD, "colour": "red"}, "colour"),
        ({"from": "2026-03-29T01:30", "to": "2026-03-30"}, "from"),
        ({**PERIOD, "source": "camden\x00"}, "source"),  # PostgreSQL refuses a NUL: a 400, never a 500
        ({**PERIOD, "zone": "CA-\x00F"}, "zone"),
    ],
)
def test_bad_parameters_are_a_problem_naming_them(api, council, query, name):
    response = api.get("/v1/usage/bays", query_string=query, headers=council)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert name in [p["name"] for p in response.get_json()["invalid_params"]]


def test_usage_needs_a_council_key(api):
    assert api.get("/v1/usage/zones", query_string=PERIOD).status_code == 401
