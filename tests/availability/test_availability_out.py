"""Free spaces out to drivers: counts only while a bay's reports are fresh, in every answer that shows a bay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .conftest import event

FIELDS = {"available_spaces", "occupied_spaces", "availability_status", "availability_observed_at"}


def bay_point(sql, ref: str) -> tuple[float, float]:
    lat, lon = sql(
        "SELECT ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom)) FROM places WHERE ref = :r", r=ref
    )[0]
    return lat, lon


def single_space_bays(sql, count: int, category: str | None = None) -> list[str]:
    rows = sql(
        "SELECT ref FROM places WHERE retired_at IS NULL AND spaces = 1"
        " AND (CAST(:c AS text) IS NULL OR category = :c) ORDER BY ref DESC LIMIT :n",
        c=category,
        n=count,
    )
    return [r[0] for r in rows]


def test_a_bay_never_observed_is_unknown(api, sql):
    ref = sql("SELECT ref FROM places WHERE retired_at IS NULL ORDER BY ref DESC OFFSET 200 LIMIT 1")[0][0]
    body = api.get(f"/v1/bays/camden/{ref}/availability").get_json()
    assert body["availability_status"] == "unknown"
    assert body["available_spaces"] is None and body["occupied_spaces"] is None
    assert body["availability_observed_at"] is None


def test_a_report_older_than_the_staleness_is_unknown_never_a_stale_number(api, sensor, bay_refs):
    ref = next(bay_refs)
    eleven_minutes_ago = datetime.now(UTC) - timedelta(minutes=11)
    api.post("/v1/events", json=[event(ref, "scheduled_report", eleven_minutes_ago, occupied=0)], headers=sensor)
    body = api.get(f"/v1/bays/camden/{ref}/availability").get_json()
    assert body["availability_status"] == "unknown"
    assert body["available_spaces"] is None and body["occupied_spaces"] is None
    assert body["availability_observed_at"] is not None  # when it was last heard of
    nine_minutes_ago = datetime.now(UTC) - timedelta(minutes=9)
    api.post("/v1/events", json=[event(ref, "scheduled_report", nine_minutes_ago, occupied=0)], headers=sensor)
    assert api.get(f"/v1/bays/camden/{ref}/availability").get_json()["availability_status"] == "live"


def test_comms_lost_makes_a_bay_unknown_until_it_reports_again(api, sensor, bay_refs):
    ref = next(bay_refs)
    now = datetime.now(UTC)
    api.post("/v1/events", json=[event(ref, "park_start", now - timedelta(minutes=3))], headers=sensor)
    api.post("/v1/events", json=[event(ref, "comms_lost", now - timedelta(minutes=2))], headers=sensor)
    body = api.get(f"/v1/bays/camden/{ref}/availability").get_json()
    assert body["availability_status"] == "unknown" and body["occupied_spaces"] is None
    api.post("/v1/events", json=[event(ref, "comms_restored", now - timedelta(minutes=1))], headers=sensor)
    body = api.get(f"/v1/bays/camden/{ref}/availability").get_json()
    assert body["availability_status"] == "live" and body["occupied_spaces"] == 1


def test_live_counts_are_not_cached_past_their_refresh(api, sensor, bay_refs):
    ref = next(bay_refs)
    api.post("/v1/events", json=[event(ref, "scheduled_report", occupied=0)], headers=sensor)
    response = api.get(f"/v1/bays/camden/{ref}/availability")
    max_age = int(response.headers["Cache-Control"].rsplit("=", 1)[1])
    assert 0 < max_age <= 15


def test_an_answer_with_live_counts_keeps_their_cap_however_long_it_holds(api, sensor, sql, bay_refs):
    ref = next(bay_refs)
    lat, lon = bay_point(sql, ref)
    api.post("/v1/events", json=[event(ref, "scheduled_report", occupied=0)], headers=sensor)
    # an answer for a given instant holds until the data changes (up to 15 minutes), but the counts it carries only
    # for 15 s
    here = {"lat": lat, "lon": lon, "at": "2026-03-02T10:00:00Z"}
    for path, query in (("/v1/can-i-park", here), ("/v1/bays", {**here, "radius": 5})):
        response = api.get(path, query_string=query)
        max_age = int(response.headers["Cache-Control"].rsplit("=", 1)[1])
        assert 0 < max_age <= 15, path


def test_a_simulated_bay_says_so(api, sensor, bay_refs):
    ref = next(bay_refs)
    api.post("/v1/events", json=[event(ref, "scheduled_report", occupied=0, event_source="simulator")], headers=sensor)
    assert api.get(f"/v1/bays/camden/{ref}/availability").get_json()["availability_simulated"] is True
    api.post("/v1/events", json=[event(ref, "scheduled_report", occupied=0)], headers=sensor)  # a real sensor
    assert api.get(f"/v1/bays/camden/{ref}/availability").get_json()["availability_simulated"] is False


def test_availability_is_in_can_i_park_and_bays(api, sensor, sql):
    (ref,) = single_space_bays(sql, 1, "paid")
    lat, lon = bay_point(sql, ref)
    api.post("/v1/events", json=[event(ref, "park_start")], headers=sensor)
    answer = api.get("/v1/can-i-park", query_string={"lat": lat, "lon": lon}).get_json()
    assert answer["bay"]["ref"] == ref
    assert answer["bay"]["availability_status"] == "live"
    assert answer["bay"]["occupied_spaces"] == 1 and answer["bay"]["available_spaces"] == 0
    for item in answer["candidates"] + answer["alternatives"]:
        assert set(item) >= FIELDS
    page = api.get("/v1/bays", query_string={"lat": lat, "lon": lon, "radius": 50}).get_json()
    mine = [f for f in page["features"] if f["properties"]["ref"] == ref]
    assert mine and mine[0]["properties"]["availability_status"] == "live"
    assert all(set(f["properties"]) >= FIELDS for f in page["features"])
    detail = api.get(f"/v1/bays/camden/{ref}").get_json()
    assert detail["properties"]["occupied_spaces"] == 1


def test_available_true_lists_only_live_bays_with_a_free_space(api, sensor, sql):
    free, full = single_space_bays(sql, 2, "paid")[-2:]
    lat, lon = bay_point(sql, free)
    api.post("/v1/events", json=[event(free, "scheduled_report", occupied=0)], headers=sensor)
    api.post("/v1/events", json=[event(full, "scheduled_report", occupied=1)], headers=sensor)
    query = {"lat": lat, "lon": lon, "radius": 2000, "available": "true", "limit": 500}
    page = api.get("/v1/bays", query_string=query).get_json()
    refs = [f["properties"]["ref"] for f in page["features"]]
    assert free in refs and full not in refs
    assert all(f["properties"]["available_spaces"] > 0 for f in page["features"])
    assert page["numberMatched"] == len(refs)


def test_when_the_answer_is_no_alternatives_with_a_free_space_come_first(api, sensor, sql):
    """At Elizabeth Mews on a Monday morning a driver without a permit may not park (resident bay 46047061); the
    nearby paid and shared bays are the alternatives, nearest first — until one of them reports a free space."""
    query = {"lat": 51.54637465, "lon": -0.16208376, "at": "2026-03-02T10:00:00Z"}
    before = api.get("/v1/can-i-park", query_string=query).get_json()
    assert before["can_park"] is False and len(before["alternatives"]) >= 2
    farthest = before["alternatives"][-1]["ref"]
    nearest = before["alternatives"][0]["ref"]
    api.post("/v1/events", json=[event(nearest, "scheduled_report", occupied=99)], headers=sensor)
    api.post("/v1/events", json=[event(farthest, "scheduled_report", occupied=0)], headers=sensor)
    after = api.get("/v1/can-i-park", query_string=query).get_json()
    assert after["alternatives"][0]["ref"] == farthest
    assert after["alternatives"][0]["available_spaces"] > 0
    rest = [a["distance_m"] for a in after["alternatives"][1:]]
    assert rest == sorted(rest)
