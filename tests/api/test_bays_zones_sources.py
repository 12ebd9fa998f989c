"""``/v1/bays``, ``/v1/bays/{source}/{ref}``, ``.../schedule``, ``/v1/zones`` and ``/v1/sources`` on the bundled
Camden data (and one suspension loaded by the real suspensions loader). Expected values come from the signs and the
zone file (see ``test_can_i_park_camden.py`` for the bays used)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .support import ROYAL_COLLEGE_STREET

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def suspension(loaded_db_url, tmp_path_factory):
    """Guilford Street's paid bay (46042925: "paid-for", "mon-fri 08:30-18:30, sat 08:30-13:30", "2 hours")
    suspended from 07:00 in ten days to 19:00 two days later (London time), loaded from a CSV by the real loader."""
    from loaders.runner import run_load

    day = datetime.now(LONDON).date() + timedelta(days=10)
    start = datetime(day.year, day.month, day.day, 7, 0)
    end = start + timedelta(days=2, hours=12)  # 19:00 two days later
    path = tmp_path_factory.mktemp("suspensions") / "suspensions.csv"
    path.write_text(
        "source,ref,start,end,reason,id\n"
        f"camden,46042925,{start.isoformat(timespec='minutes')},{end.isoformat(timespec='minutes')},Filming,S1\n"
    )
    report = run_load(loaded_db_url, "suspensions", str(path), source="camden")
    assert report.ok and report.loaded == 1, report.to_dict()
    return start.replace(tzinfo=LONDON), end.replace(tzinfo=LONDON)


# --- /v1/bays ----------------------------------------------------------------------------------------------------


def test_bays_near_a_point_nearest_first_with_status(api):
    response = api.get("/v1/bays", query_string=ROYAL_COLLEGE_STREET.query(radius=50, at="2026-03-02T10:00:00Z"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    # the two bays at the point, and the loading bay 42 m away; the next bay is 125 m away
    assert body["numberMatched"] == 3
    assert body["numberReturned"] == 3
    refs = [f["properties"]["ref"] for f in body["features"]]
    assert sorted(refs[:2]) == ["46126601", "46126603"]
    assert refs[2] == "46126604"
    by_ref = {f["properties"]["ref"]: f for f in body["features"]}
    resident = by_ref["46126601"]
    assert resident["type"] == "Feature" and resident["id"] == "camden/46126601"
    assert resident["geometry"]["type"] == "Point"
    assert resident["properties"]["type"] == "resident permit holders only"
    assert resident["properties"]["can_park"] is False
    assert resident["properties"]["allowed_from"] == "2026-03-02T18:30:00+00:00"
    paid = by_ref["46126603"]["properties"]
    assert paid["can_park"] is True and paid["until"] == "2026-03-02T14:00:00+00:00"
    assert paid["payment_required"] is True
    assert paid["distance_m"] == 0
    assert 40 < by_ref["46126604"]["properties"]["distance_m"] < 45
    assert body["attribution"] and "Open Government Licence" in body["attribution"][0]


def test_bays_paging(api):
    query = ROYAL_COLLEGE_STREET.query(radius=50, at="2026-03-02T10:00:00Z")
    first = api.get("/v1/bays", query_string={**query, "limit": 2}).get_json()
    second = api.get("/v1/bays", query_string={**query, "limit": 2, "offset": 2}).get_json()
    assert (first["numberMatched"], first["numberReturned"]) == (3, 2)
    assert (second["numberMatched"], second["numberReturned"]) == (3, 1)
    refs = [f["properties"]["ref"] for f in first["features"] + second["features"]]
    assert len(set(refs)) == 3
    beyond = api.get("/v1/bays", query_string={**query, "offset": 10}).get_json()
    assert beyond["features"] == [] and beyond["numberMatched"] == 3


def test_bays_with_a_permit(api):
    body = api.get(
        "/v1/bays", query_string=ROYAL_COLLEGE_STREET.query(radius=5, at="2026-03-02T10:00:00Z", permit="CA-G")
    ).get_json()
    resident = next(f for f in body["features"] if f["properties"]["ref"] == "46126601")
    assert resident["properties"]["can_park"] is True


def test_bays_far_away_is_an_empty_collection(api):
    body = api.get("/v1/bays", query_string={"lat": 0, "lon": 0}).get_json()
    assert body == {**body, "features": [], "numberMatched": 0, "numberReturned": 0}


# --- /v1/bays/{source}/{ref} -------------------------------------------------------------------------------------


def test_bay_detail_with_its_rules(api):
    response = api.get("/v1/bays/camden/46047061", query_string={"at": "2026-03-02T10:00:00Z"})
    assert response.status_code == 200
    feature = response.get_json()
    assert feature["type"] == "Feature" and feature["id"] == "camden/46047061"
    assert feature["geometry"]["type"] == "LineString"
    props = feature["properties"]
    assert props["type"] == "resident permit holders only"
    assert props["road"] == "Elizabeth Mews"
    assert props["zone"] == "CA-B"
    assert props["suspensions"] == []
    assert props["zone_hours"] == {"monday_to_friday": "09:00-18:30", "saturday": "09:30-13:30", "sunday": None}
    regulation = props["regulation"]
    assert "mon-fri 09:00-18:30, sat 09:30-13:30" in regulation["description"]
    permit_rules = [r for r in regulation["rules"] if "permit" in r["who"]]
    assert len(permit_rules) == 1
    rule = permit_rules[0]
    assert rule["activity"] == "park"
    assert rule["permits"] == ["CA-B"]
    assert rule["payment"] is False and rule["max_stay"] is None
    assert [t["text"] for t in rule["times"]] == [
        "Mon–Fri 09:00–18:30, except bank holidays",
        "Sat 09:30–13:30, except bank holidays",
    ]
    assert rule["times"][0]["days"] == [0, 1, 2, 3, 4]
    assert rule["times"][0]["iso_days"] == [1, 2, 3, 4, 5]  # Monday to Friday, as ISO 8601 numbers them
    assert rule["times"][1]["iso_days"] == [6]
    assert rule["times"][0]["windows"] == [["09:00", "18:30"]]
    assert props["status"]["can_park"] is False
    assert props["status"]["allowed_from"] == "2026-03-02T18:30:00+00:00"


def test_paid_bay_detail_lists_its_tariffs(api):
    props = api.get("/v1/bays/camden/46042958").get_json()["properties"]
    paying = next(r for r in props["regulation"]["rules"] if r["payment"])
    assert paying["who"] == ["everyone"]
    assert paying["max_stay"] == 120
    assert paying["tariffs"] == [
        {"fuel": "non-diesel", "per_hour": {"amount": "5.70", "currency": "GBP"}},
        {"fuel": "diesel", "per_hour": {"amount": "6.93", "currency": "GBP"}},
    ]
    assert "max stay 2 hours" in paying["text"]


def test_suspended_bay(api, suspension):
    start, end = suspension
    props = api.get("/v1/bays/camden/46042925").get_json()["properties"]
    assert props["suspensions"] == [{"start": start.isoformat(), "end": end.isoformat(), "reason": "Filming"}]
    # the middle day of the suspension at noon: not allowed until it ends at 19:00, when the bay's own hours
    # (mon-fri 08:30-18:30, sat 08:30-13:30) are over whatever the weekday: allowed from 19:00
    noon = (start + timedelta(days=1)).replace(hour=12)
    body = api.get(
        "/v1/can-i-park",
        query_string={"lat": 51.52258839237527, "lon": -0.123542654726179, "at": noon.isoformat()},
    ).get_json()
    assert body["bay"]["ref"] == "46042925"
    assert body["can_park"] is False
    assert body["suspended"] is True
    assert body["allowed_from"] == end.isoformat()
    assert "suspended" in body["reason"].lower()


@pytest.mark.parametrize("path", ["/v1/bays/camden/00000000", "/v1/bays/nosuch/46047061", "/v1/bays/camden/%00"])
def test_unknown_bay_is_a_404_problem(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.get_json(force=True)["status"] == 404


def test_retired_bay_is_a_404(api, loaded_db_url):
    from sqlalchemy import text

    from parking_api.store.db import make_engine

    admin = make_engine(loaded_db_url, pool_size=1)  # the app's own role may not retire a bay
    with admin.begin() as conn:
        conn.execute(text("UPDATE places SET retired_at = now() WHERE ref = '46047232'"))
    try:
        assert api.get("/v1/bays/camden/46047232").status_code == 404
        assert api.get("/v1/bays/camden/46047232/schedule").status_code == 404
    finally:
        with admin.begin() as conn:
            conn.execute(text("UPDATE places SET retired_at = NULL WHERE ref = '46047232'"))
        admin.dispose()
    assert api.get("/v1/bays/camden/46047232").status_code == 200


# --- /v1/bays/{source}/{ref}/schedule ----------------------------------------------------------------------------


def test_schedule_of_a_resident_bay_over_a_weekend(api):
    body = api.get(
        "/v1/bays/camden/46047061/schedule", query_string={"from": "2026-03-06T00:00", "to": "2026-03-08T00:00"}
    ).get_json()
    assert body["from"] == "2026-03-06T00:00:00+00:00" and body["to"] == "2026-03-08T00:00:00+00:00"
    assert [(i["start"], i["end"], i["can_park"]) for i in body["intervals"]] == [
        ("2026-03-06T00:00:00+00:00", "2026-03-06T09:00:00+00:00", True),  # Friday night: no hours
        ("2026-03-06T09:00:00+00:00", "2026-03-06T18:30:00+00:00", False),  # mon-fri 09:00-18:30
        ("2026-03-06T18:30:00+00:00", "2026-03-07T09:30:00+00:00", True),
        ("2026-03-07T09:30:00+00:00", "2026-03-07T13:30:00+00:00", False),  # sat 09:30-13:30
        ("2026-03-07T13:30:00+00:00", "2026-03-08T00:00:00+00:00", True),
    ]
    assert all(i["payment_required"] is False for i in body["intervals"])
    assert body["intervals"][0]["reason"] == "No restriction"
    assert "you need a CA-B permit" in body["intervals"][1]["reason"]


def test_schedule_with_the_permit_is_one_allowed_interval(api):
    body = api.get(
        "/v1/bays/camden/46047061/schedule",
        query_string={"from": "2026-03-06T00:00", "to": "2026-03-08T00:00", "permit": "CA-B"},
    ).get_json()
    assert all(i["can_park"] for i in body["intervals"])
    assert body["intervals"][0]["start"] == "2026-03-06T00:00:00+00:00"
    assert body["intervals"][-1]["end"] == "2026-03-08T00:00:00+00:00"


def test_schedule_of_a_paid_bay_and_across_the_spring_clock_change(api):
    body = api.get(
        "/v1/bays/camden/46042958/schedule",
        query_string={"from": "2026-03-28T12:00", "to": "2026-03-30T12:00", "fuel": "petrol"},
    ).get_json()
    assert [(i["start"], i["end"], i["can_park"], i["payment_required"], i["max_stay"]) for i in body["intervals"]] == [
        ("2026-03-28T12:00:00+00:00", "2026-03-28T13:30:00+00:00", True, True, 120),  # sat 08:30-13:30, paid
        ("2026-03-28T13:30:00+00:00", "2026-03-30T08:30:00+01:00", True, False, None),  # free, across the change
        ("2026-03-30T08:30:00+01:00", "2026-03-30T12:00:00+01:00", True, True, 120),  # mon-fri 08:30-18:30, paid
    ]


def test_schedule_defaults_to_a_week_from_now(api):
    body = api.get("/v1/bays/camden/46047061/schedule").get_json()
    start, end = datetime.fromisoformat(body["from"]), datetime.fromisoformat(body["to"])
    assert end - start == timedelta(days=7)
    assert body["intervals"][0]["start"] == body["from"]
    assert body["intervals"][-1]["end"] == body["to"]
    assert abs(datetime.now(LONDON) - start) < timedelta(minutes=5)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"from": "2026-03-06T00:00", "to": "2026-03-01T00:00"}, "to"),  # to before from
        ({"from": "2026-03-06T00:00", "to": "2026-03-06T00:00"}, "to"),  # empty
        ({"from": "2026-03-01T00:00", "to": "2026-04-02T00:00"}, "to"),  # 32 days
        ({"from": "2026-01-01T00:00", "to": "2027-01-01T00:00"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30T00:00"}, "to"),
        ({"from": "2026-03-29T01:30"}, "from"),  # in the spring gap
    ],
)
def test_schedule_bad_ranges_are_400s(api, query, param):
    response = api.get("/v1/bays/camden/46047061/schedule", query_string=query)
    assert response.status_code == 400, response.get_json(force=True)
    assert [p["name"] for p in response.get_json(force=True)["invalid_params"]] == [param]


def test_schedule_of_31_days_is_allowed(api):
    response = api.get(
        "/v1/bays/camden/46047061/schedule", query_string={"from": "2026-03-01T00:00", "to": "2026-04-01T00:00"}
    )
    assert response.status_code == 200


# --- /v1/zones ---------------------------------------------------------------------------------------------------


def test_zones_feature_collection(api):
    body = api.get("/v1/zones").get_json()
    assert body["type"] == "FeatureCollection"
    # 53 polygons in the file under 50 identifiers (three identifiers span two polygons, merged)
    assert body["numberMatched"] == body["numberReturned"] == len(body["features"]) == 50
    codes = {f["properties"]["code"] for f in body["features"]}
    assert {"CA-B", "CA-F", "CA-G", "CA-X"} <= codes
    for feature in body["features"]:
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        assert set(feature["properties"]["hours"]) == {"monday_to_friday", "saturday", "sunday"}
        assert feature["properties"]["hours"]["monday_to_friday"]  # every sub-zone is controlled on weekdays


@pytest.mark.parametrize("code", ["CA-F", "CAF", "caf", "ca-f", "CA_F"])
def test_one_zone_with_the_hours_of_each_sub_zone(api, code):
    response = api.get(f"/v1/zones/{code}")
    assert response.status_code == 200
    body = response.get_json()
    hours = {f["properties"]["sub_zone"]: f["properties"]["hours"] for f in body["features"]}
    assert set(hours) == {"CA-F(n)", "CA-F(nw)", "CA-F(s)"}
    assert hours["CA-F(n)"] == {"monday_to_friday": "08:30-23:00", "saturday": "09:30-23:00", "sunday": "09:30-23:00"}
    assert hours["CA-F(s)"] == {"monday_to_friday": "08:30-18:30", "saturday": "09:30-17:30", "sunday": None}
    assert all(f["properties"]["code"] == "CA-F" for f in body["features"])


@pytest.mark.parametrize("code", ["CA-Z", "XYZ", "%00", "a" * 200])
def test_unknown_zone_is_a_404(api, code):
    response = api.get(f"/v1/zones/{code}")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


# --- /v1/sources -------------------------------------------------------------------------------------------------


def test_sources(api, suspension):
    body = api.get("/v1/sources").get_json()
    (camden,) = body["sources"]
    assert camden["name"] == "camden"
    assert camden["publisher"] == "London Borough of Camden"
    assert "Open Government Licence v3.0" in camden["licence"]
    assert "Open Government Licence v3.0" in camden["attribution"]
    assert camden["timezone"] == "Europe/London"
    assert camden["bays"] == 1000  # every row of the bundled file is loaded
    assert camden["zones"] == 50
    # the file's last_uploaded is 2020-02-09T23:02 local time (GMT in February)
    assert camden["published_at"].startswith("2020-02-09T23:02")
    assert camden["published_at"].endswith("+00:00")
    assert camden["last_loaded_at"] is not None


def test_a_sub_zone_the_api_returns_can_be_asked_for(api):
    """`/v1/zones` names CA-F's polygons `CA-F(n)` and `CA-F(s)` (camden_cpz.geojson): each is a path of its own."""
    subs = {f["properties"]["sub_zone"] for f in api.get("/v1/zones/CA-F").get_json()["features"]}
    assert {"CA-F(n)", "CA-F(s)"} <= subs
    body = api.get("/v1/zones/CA-F(n)").get_json()
    assert {f["properties"]["sub_zone"] for f in body["features"]} == {"CA-F(n)"}


def test_geojson_is_served_as_geojson_with_counter_clockwise_outer_rings(api):
    from shapely.geometry import shape

    response = api.get("/v1/zones")
    assert response.headers["Content-Type"] == "application/geo+json"
    for feature in response.get_json()["features"]:
        geometry = shape(feature["geometry"])
        polygons = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
        assert all(polygon.exterior.is_ccw for polygon in polygons), feature["id"]
    bays = api.get("/v1/bays", query_string={"lat": 51.5405, "lon": -0.1430})
    assert bays.headers["Content-Type"] == "application/geo+json"


def test_the_docs_page_never_calls_an_outside_validator(api):
    page = api.get("/docs").get_data(as_text=True)
    assert '"validatorUrl": null' in page
