"""Bad input is a 400 problem naming the parameter; nothing a client sends is a 500. (Fast tier: an empty database.)"""

from __future__ import annotations

import pytest

POINT = {"lat": "51.54", "lon": "-0.16"}


def problem(response, status: int = 400) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    return body


CAN_I_PARK_BAD = [
    ({"lat": "91", "lon": "0"}, "lat"),
    ({"lat": "-90.0001", "lon": "0"}, "lat"),
    ({"lat": "0", "lon": "180.5"}, "lon"),
    ({"lat": "0", "lon": "-181"}, "lon"),
    ({"lat": "abc", "lon": "0"}, "lat"),
    ({"lat": "", "lon": "0"}, "lat"),
    ({"lat": "nan", "lon": "0"}, "lat"),
    ({"lat": "0", "lon": "inf"}, "lon"),
    ({"lat": "1e999", "lon": "0"}, "lat"),
    ({"lat": "1e308", "lon": "0"}, "lat"),
    ({"lon": "0"}, "lat"),
    ({"lat": "0"}, "lon"),
    ({**POINT, "at": "tomorrow"}, "at"),
    ({**POINT, "at": ""}, "at"),
    ({**POINT, "at": "2026-13-01T10:00"}, "at"),
    ({**POINT, "at": "2026-03-02T25:00"}, "at"),
    ({**POINT, "at": "0001-01-01T00:00:00Z"}, "at"),
    ({**POINT, "at": "9999-12-31T23:59:59+14:00"}, "at"),
    ({**POINT, "at": "2026-03-02T10:00:00+25:00"}, "at"),
    ({**POINT, "at": "2026-03-02T10:00:00-21:37"}, "at"),  # ISO 8601 allows it; no time zone is that far from UTC
    ({**POINT, "at": "2026-03-02T10:00:00+14:01"}, "at"),
    ({**POINT, "at": "2026-03-29T01:30"}, "at"),  # the spring gap in London
    ({**POINT, "at": "2026-03-02\x0010:00"}, "at"),
    ({**POINT, "at": "x" * 1000}, "at"),
    ({**POINT, "accuracy": "-1"}, "accuracy"),
    ({**POINT, "accuracy": "500.5"}, "accuracy"),
    ({**POINT, "accuracy": "nan"}, "accuracy"),
    ({**POINT, "vehicle": "plane"}, "vehicle"),
    ({**POINT, "vehicle": ""}, "vehicle"),
    ({**POINT, "badge": "red"}, "badge"),
    ({**POINT, "fuel": "coal"}, "fuel"),
    ({**POINT, "activity": "fly"}, "activity"),
    ({**POINT, "stay": "0"}, "stay"),
    ({**POINT, "stay": "-5"}, "stay"),
    ({**POINT, "stay": "abc"}, "stay"),
    ({**POINT, "stay": "1.5"}, "stay"),
    ({**POINT, "stay": "10081"}, "stay"),
    ({**POINT, "stay": "99999999999999999999999999"}, "stay"),
    ({**POINT, "permit": ""}, "permit"),
    ({**POINT, "permit": "X" * 33}, "permit"),
    ({**POINT, "permit": "CA-B;DROP"}, "permit"),
    ({**POINT, "colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("query", "param"), CAN_I_PARK_BAD)
def test_can_i_park_bad_parameter(client, query, param):
    body = problem(client.get("/v1/can-i-park", query_string=query))
    names = [p["name"] for p in body["invalid_params"]]
    assert param in names, body
    assert all(p["reason"] for p in body["invalid_params"])


def test_the_reason_says_what_is_allowed(client):
    body = problem(client.get("/v1/can-i-park", query_string={**POINT, "vehicle": "plane"}))
    assert "car" in body["invalid_params"][0]["reason"] and "motorcycle" in body["invalid_params"][0]["reason"]
    body = problem(client.get("/v1/can-i-park", query_string={"lat": "91", "lon": "0"}))
    assert "90" in body["invalid_params"][0]["reason"]


def test_too_many_permits(client):
    query = [("lat", "0"), ("lon", "0")] + [("permit", f"CA-{c}") for c in "ABCDEFGHIJKLMNOPQRSTU"]
    body = problem(client.get("/v1/can-i-park", query_string=query))
    assert [p["name"] for p in body["invalid_params"]] == ["permit"]


def test_extreme_but_valid_parameters(client):
    for query in (
        {"lat": "90", "lon": "180"},
        {"lat": "-90", "lon": "-180", "accuracy": "0"},
        {"lat": "0", "lon": "0", "accuracy": "500", "stay": "10080"},
        {"lat": "1e-300", "lon": "-0"},
        {"lat": "0", "lon": "0", "at": "1970-01-01T00:00:00Z"},
        {"lat": "0", "lon": "0", "at": "2100-12-31T23:59:59-12:00"},
        {"lat": "0", "lon": "0", "at": "2026-03-02T10:00:00+14:00"},  # Kiribati: the furthest a real zone is
        {"lat": "0", "lon": "0", "at": "2026-03-02"},
    ):
        response = client.get("/v1/can-i-park", query_string=query)
        assert response.status_code == 200, (query, response.get_data(as_text=True))
        assert response.get_json()["basis"] == "no_data"


BAYS_BAD = [
    ({**POINT, "radius": "2001"}, "radius"),
    ({**POINT, "radius": "-1"}, "radius"),
    ({**POINT, "radius": "1e10"}, "radius"),
    ({**POINT, "limit": "501"}, "limit"),
    ({**POINT, "limit": "0"}, "limit"),
    ({**POINT, "limit": "ten"}, "limit"),
    ({**POINT, "offset": "-1"}, "offset"),
    ({**POINT, "offset": "100001"}, "offset"),
    ({"lat": "100", "lon": "0"}, "lat"),
    ({**POINT, "at": "soon"}, "at"),
    ({**POINT, "vehicle": "tank"}, "vehicle"),
    ({**POINT, "accuracy": "5"}, "accuracy"),  # not a parameter of /v1/bays
]


@pytest.mark.parametrize(("query", "param"), BAYS_BAD)
def test_bays_bad_parameter(client, query, param):
    body = problem(client.get("/v1/bays", query_string=query))
    assert param in [p["name"] for p in body["invalid_params"]]


@pytest.mark.parametrize(
    ("path", "query", "param"),
    [
        ("/v1/bays/camden/1", {"at": "never"}, "at"),
        ("/v1/bays/camden/1", {"at": "2026-03-02T10:00:00-21:37"}, "at"),
        ("/v1/bays/camden/1", {"badge": "purple"}, "badge"),
        ("/v1/bays/camden/1/schedule", {"from": "2026-01-01T00:00", "to": "2026-03-01T00:00"}, "to"),
        ("/v1/bays/camden/1/schedule", {"from": "not-a-date"}, "from"),
        ("/v1/zones", {"code": "CA-F"}, "code"),
        ("/v1/sources", {"verbose": "1"}, "verbose"),
    ],
)
def test_other_endpoints_bad_parameter(client, path, query, param):
    body = problem(client.get(path, query_string=query))
    assert param in [p["name"] for p in body["invalid_params"]]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/bays/camden/46047061",
        "/v1/bays/camden/46047061/schedule",
        "/v1/bays/%00/%00",
        "/v1/bays/camden/%F0%9F%9A%97",
        "/v1/zones/CA-F",
        "/v1/zones/%00",
        "/v1/zones/" + "z" * 5000,
    ],
)
def test_not_found_in_an_empty_database(client, path):
    problem(client.get(path), 404)


def test_empty_database_answers_no_data_and_empty_collections(client):
    assert client.get("/v1/can-i-park", query_string=POINT).get_json()["basis"] == "no_data"
    assert client.get("/v1/bays", query_string=POINT).get_json()["numberMatched"] == 0
    assert client.get("/v1/zones").get_json()["features"] == []
    assert client.get("/v1/sources").get_json() == {"sources": []}


def test_wrong_method_is_405_with_allow(client):
    response = client.post("/v1/can-i-park", query_string=POINT)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_positions_are_not_logged(client, caplog):
    caplog.set_level("DEBUG")
    client.get("/v1/can-i-park", query_string={"lat": "51.5463747", "lon": "-0.1620838"})
    client.get("/v1/can-i-park", query_string={"lat": "95.5463747", "lon": "-0.1620838"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "51.546" not in text and "0.162" not in text and "95.546" not in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"lat": "91", "lon": "0"}, {"name": "lat", "code": "out_of_range", "min": -90, "max": 90}),
        ({"lat": "51.5", "lon": "0", "vehicle": "plane"}, {"name": "vehicle", "code": "not_allowed"}),
        ({"lon": "0"}, {"name": "lat", "code": "required"}),
        ({"lat": "51.5", "lon": "0", "colour": "red"}, {"name": "colour", "code": "unknown_parameter"}),
        ({"lat": "north", "lon": "0"}, {"name": "lat", "code": "invalid_value"}),
    ],
)
def test_each_invalid_parameter_carries_a_code_for_programs(client, query, expected):
    response = client.get("/v1/can-i-park", query_string=query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["type"] == "/problems/invalid-parameter"
    (param,) = [p for p in body["invalid_params"] if p["name"] == expected["name"]]
    assert {k: param[k] for k in expected} == expected
    if expected["code"] == "not_allowed":
        assert param["allowed"] == ["car", "car_club", "motorcycle", "goods", "bus", "taxi"]


@pytest.mark.parametrize(
    ("query", "blamed", "code"),
    [
        ({"lat": ["51.5", "10"], "lon": "-0.14"}, "lat", "repeated"),
        ({"lat": "51.5", "lon": "-0.14", "badge": ["blue", "green"]}, "badge", "repeated"),
        ({"lat": "٥١.5", "lon": "-0.14"}, "lat", "invalid_value"),
        ({"lat": "51.5", "lon": "-０.14"}, "lon", "invalid_value"),
    ],
)
def test_repeated_parameters_and_foreign_digits_are_refused(client, query, blamed, code):
    response = client.get("/v1/can-i-park", query_string=query)
    assert response.status_code == 400
    (param,) = response.get_json()["invalid_params"]
    assert (param["name"], param["code"]) == (blamed, code)


def test_a_repeatable_parameter_may_be_repeated(client):
    response = client.get("/v1/can-i-park", query_string={"lat": "0", "lon": "0", "permit": ["CA-B", "CA-F"]})
    assert response.status_code == 200
