"""``vehicle=car_club``: a car-club car may use car-club bays, on every endpoint that takes the driver parameters.

The bay, as the bundled file writes it: 46043182, Crestfield Street, CA-D, "car club", "at any time", 2 spaces, a
kerb line whose first vertex is (-0.12301968907238045, 51.530224639759794). A car-club bay is signed "car club
vehicles only" at all times: a car-club car parks there with no end, any other car never may.
"""

from __future__ import annotations

import pytest

from .support import Spot

CRESTFIELD_STREET = Spot(51.530224639759794, -0.12301968907238045)
TUESDAY_NOON = "2026-03-03T12:00:00Z"


def test_a_car_club_car_may_park_in_a_car_club_bay(ask):
    body = ask(CRESTFIELD_STREET, at=TUESDAY_NOON, vehicle="car_club")
    assert body["bay"]["ref"] == "46043182"
    assert body["can_park"] is True
    assert body["until"] is None  # at any time: no end within the horizon
    assert body["allowed_from"] is None
    assert body["payment"]["required_now"] is False
    assert body["next_changes"] == []


def test_any_other_car_may_not(ask):
    body = ask(CRESTFIELD_STREET, at=TUESDAY_NOON)
    assert body["bay"]["ref"] == "46043182"
    assert body["can_park"] is False
    assert body["allowed_from"] is None  # never within the horizon
    assert (body["reason_code"], body["reason_params"]["needs"]) == ("needs", ["car_club"])  # not "reserved"


def test_bays_near_the_bay_for_a_car_club_car(api):
    query = {"lat": CRESTFIELD_STREET.lat, "lon": CRESTFIELD_STREET.lon, "radius": 5, "can_park": "true",
             "at": TUESDAY_NOON}  # fmt: skip
    club = api.get("/v1/bays", query_string={**query, "vehicle": "car_club"})
    assert club.status_code == 200, club.get_json()
    assert "46043182" in [f["properties"]["ref"] for f in club.get_json()["features"]]
    car = api.get("/v1/bays", query_string=query)
    assert car.status_code == 200
    assert "46043182" not in [f["properties"]["ref"] for f in car.get_json()["features"]]


def test_schedule_of_the_bay_for_a_car_club_car_and_for_another(api):
    window = {"from": "2026-03-06T00:00", "to": "2026-03-08T00:00"}
    club = api.get("/v1/bays/camden/46043182/schedule", query_string={**window, "vehicle": "car_club"})
    assert club.status_code == 200
    assert [(i["start"], i["end"], i["can_park"]) for i in club.get_json()["intervals"]] == [
        ("2026-03-06T00:00:00+00:00", "2026-03-08T00:00:00+00:00", True)
    ]
    car = api.get("/v1/bays/camden/46043182/schedule", query_string=window).get_json()
    assert [(i["start"], i["end"], i["can_park"]) for i in car["intervals"]] == [
        ("2026-03-06T00:00:00+00:00", "2026-03-08T00:00:00+00:00", False)
    ]


@pytest.mark.parametrize(
    ("path", "method"),
    [("/v1/can-i-park", "get"), ("/v1/bays", "get"), ("/v1/bays/{source}/{ref}/schedule", "get")],
)
def test_the_openapi_enum_of_vehicle_has_car_club(api, path, method):
    spec = api.get("/openapi.json").get_json()
    params = spec["paths"][path][method]["parameters"]
    (vehicle,) = [p for p in params if p.get("name") == "vehicle"]
    assert "car_club" in vehicle["schema"]["enum"]


def test_an_unknown_vehicle_names_car_club_among_the_allowed(api):
    response = api.get("/v1/can-i-park", query_string={**CRESTFIELD_STREET.query(), "vehicle": "carclub"})
    assert response.status_code == 400
    (param,) = [p for p in response.get_json()["invalid_params"] if p["name"] == "vehicle"]
    assert "car_club" in param["allowed"]
