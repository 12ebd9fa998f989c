"""``/v1/bays`` as a map app uses it: prices and stay for each bay in one request, a slim projection, and whether
the area asked about is covered by any data at all (``/v1/sources`` ``coverage``).

The bays, as the bundled file writes them (see ``test_can_i_park_camden.py``): at (-0.134474, 51.536533), Royal
College Street, two point-only bays: 46126601 "resident permit holders only", "mon-fri 08:30-18:30", permits CA-G;
and 46126603 "paid-for", "mon-fri 08:30-18:30", "4 hours", "£4.15 (non-diesel) / £5.04 (diesel)", cashless
identifier 13506. The next bay (a loading bay) is 42 m away, so a 5 m radius holds exactly these two.

On Monday 2 March 2026 at 10:00 (GMT), a driver without a permit staying 2 hours:
- paid bay: may park until 14:00 (4 hours' maximum stay), pays until then, the stay fits; 2 h at £5.04 = £10.08
  (diesel), 2 h at £4.15 = £8.30 (petrol); a 5-hour stay does not fit, and only the 4 hours up to 14:00 can be
  paid: 4 × £4.15 = £16.60;
- resident bay: may not park; allowed from 18:30; the stay does not fit; nothing to pay.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from sqlalchemy import text

from parking_api.store.load.sources import refresh_coverage

from .support import BEDFORD_ROW, NOWHERE, money

ROYAL_COLLEGE = {"lat": 51.536533, "lon": -0.134474, "radius": 5}
MONDAY_10 = "2026-03-02T10:00:00Z"
PAID, RESIDENT = "46126603", "46126601"
RATES = [
    {"fuel": "non-diesel", "per_hour": money("4.15")},
    {"fuel": "diesel", "per_hour": money("5.04")},
]


def bays(api, **query):
    response = api.get("/v1/bays", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response


def by_ref(response) -> dict[str, dict]:
    return {f["properties"]["ref"]: f["properties"] for f in response.get_json()["features"]}


# --- price and stay on the map -----------------------------------------------------------------------------------


def test_each_bay_carries_its_price_and_stay_for_the_driver(api):
    found = by_ref(bays(api, **ROYAL_COLLEGE, at=MONDAY_10, fuel="diesel", stay=120))
    assert set(found) == {PAID, RESIDENT}
    paid, resident = found[PAID], found[RESIDENT]
    assert paid["can_park"] is True
    assert paid["until"] == "2026-03-02T14:00:00+00:00"
    assert paid["allowed_from"] is None
    assert paid["stay_ok"] is True
    assert paid["payment"] == {
        "required_now": True,
        "pay_until": "2026-03-02T14:00:00+00:00",
        "tariffs": RATES,
        "price": money("10.08"),
        "pay_by_phone": {"provider": None, "location_code": "13506"},
    }
    assert resident["can_park"] is False
    assert resident["until"] is None
    assert resident["allowed_from"] == "2026-03-02T18:30:00+00:00"
    assert resident["stay_ok"] is False
    assert resident["payment"] == {
        "required_now": False,
        "pay_until": None,
        "tariffs": [],
        "price": None,
        "pay_by_phone": None,
    }


def test_the_price_follows_the_fuel_and_the_stay(api):
    petrol = by_ref(bays(api, **ROYAL_COLLEGE, at=MONDAY_10, fuel="petrol", stay=120))[PAID]
    assert petrol["payment"]["price"] == money("8.30")
    longer = by_ref(bays(api, **ROYAL_COLLEGE, at=MONDAY_10, fuel="petrol", stay=300))[PAID]
    assert longer["stay_ok"] is False  # 5 hours in a 4-hour bay
    assert longer["payment"]["price"] == money("16.60")  # nobody can pay past 14:00
    no_fuel = by_ref(bays(api, **ROYAL_COLLEGE, at=MONDAY_10, stay=120))[PAID]
    assert no_fuel["payment"]["price"] is None  # without a fuel the tariffs say both rates instead
    assert no_fuel["payment"]["tariffs"] == RATES
    no_stay = bays(api, **ROYAL_COLLEGE, at=MONDAY_10)
    assert no_stay.get_json()["stay"] is None
    assert by_ref(no_stay)[PAID]["stay_ok"] is None


def test_fuel_and_stay_change_the_etag(api):
    tags = {
        bays(api, **ROYAL_COLLEGE, at=MONDAY_10, **extra).headers["ETag"]
        for extra in ({}, {"fuel": "petrol"}, {"fuel": "diesel"}, {"stay": 60}, {"stay": 120})
    }
    assert len(tags) == 5


def test_a_feature_pays_as_can_i_park_says(api):
    query = {"lat": BEDFORD_ROW.lat, "lon": BEDFORD_ROW.lon, "at": "2026-03-02T17:30:00Z", "fuel": "petrol", "stay": 60}
    answer = api.get("/v1/can-i-park", query_string=query).get_json()
    feature = by_ref(bays(api, **query, radius=5))["46042958"]
    assert feature["payment"] == answer["payment"]
    for name in ("can_park", "until", "allowed_from", "stay_ok"):
        assert feature[name] == answer[name], name


# --- a slim projection ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "asked", [{"properties": "can_park,until,payment"}, {"properties": ["can_park", "until", "payment"]}]
)
def test_properties_keeps_only_those_named(api, asked):
    body = bays(api, **ROYAL_COLLEGE, at=MONDAY_10, fuel="diesel", stay=120, **asked).get_json()
    assert len(body["features"]) == 2
    for feature in body["features"]:
        assert set(feature["properties"]) == {"can_park", "until", "payment"}
        assert feature["id"] in {f"camden/{PAID}", f"camden/{RESIDENT}"}  # the feature keeps its id and geometry
        assert feature["geometry"] == {"type": "Point", "coordinates": [-0.134474, 51.536533]}
    paid = next(f for f in body["features"] if f["id"] == f"camden/{PAID}")
    assert paid["properties"]["payment"]["price"] == money("10.08")


@pytest.mark.parametrize("value", ["can_park,price", "Can_Park", ","])
def test_an_unknown_property_is_a_400_listing_the_allowed_ones(api, value):
    response = api.get("/v1/bays", query_string={**ROYAL_COLLEGE, "properties": value})
    assert response.status_code == 400
    (param,) = response.get_json()["invalid_params"]
    assert param["name"] == "properties"
    if value != ",":
        assert param["code"] == "not_allowed"
        assert {"can_park", "until", "allowed_from", "stay_ok", "payment", "category"} <= set(param["allowed"])
        assert "price" not in param["allowed"]


# --- coverage ----------------------------------------------------------------------------------------------------


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2


def test_sources_say_what_area_they_cover(api):
    (camden,) = api.get("/v1/sources").get_json()["sources"]
    coverage = camden["coverage"]
    # Camden's bays all lie inside its zones, so the hull's box is the zone file's: its westernmost vertex is at
    # -0.213494, southernmost 51.51267, easternmost -0.105296, northernmost 51.57162 (read off camden_cpz.geojson)
    assert coverage["bbox"] == [-0.213494, 51.51267, -0.105296, 51.57162]
    assert coverage["geometry"]["type"] == "Polygon"
    ring = coverage["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    assert _signed_area(ring) > 0  # counter-clockwise, as RFC 7946 says
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    assert [min(xs), min(ys), max(xs), max(ys)] == coverage["bbox"]


@pytest.mark.parametrize(
    ("query", "expected", "listed"),
    [
        ({"bbox": "2.33,48.85,2.35,48.86"}, "outside", 0),  # Paris
        ({"lat": 51.5080, "lon": -0.1281, "radius": 200}, "outside", 0),  # Trafalgar Square, 500 m south of Camden
        ({"lat": 51.5608, "lon": -0.1627, "radius": 100}, "inside", 0),  # Hampstead Heath: Camden, but no bays
        ({"lat": 51.536533, "lon": -0.134474, "radius": 0}, "inside", 2),  # the two point bays' own point
    ],
)
def test_a_map_says_whether_it_is_outside_the_data(api, query, expected, listed):
    body = bays(api, **query).get_json()
    assert body["coverage"] == expected
    assert body["numberMatched"] == len(body["features"]) == listed


def test_a_filtered_empty_page_inside_the_data_is_still_inside(api):
    body = bays(api, **ROYAL_COLLEGE, category="taxi_rank").get_json()
    assert body["features"] == []
    assert body["coverage"] == "inside"


def test_can_i_park_outside_the_data_keeps_no_data(api):
    body = api.get("/v1/can-i-park", query_string=NOWHERE.query()).get_json()
    assert body["basis"] == "no_data" and body["can_park"] is None


def test_coverage_follows_each_load(client, db_connection):
    """The hulls are computed once per load: a new source's data, and its reload elsewhere, move the coverage."""
    paris = {"bbox": "2.33,48.85,2.35,48.86"}
    assert client.get("/v1/bays", query_string=paris).get_json()["coverage"] == "outside"

    def load(square: str) -> None:
        """What a zone load does to the source: new geometry, a new load time, the coverage recomputed."""
        db_connection.execute(text("UPDATE sources SET last_loaded_at = clock_timestamp() WHERE name = 'paris'"))
        db_connection.execute(text("UPDATE zones SET geom = ST_Multi(ST_GeomFromText(:wkt, 4326))"), {"wkt": square})
        sid = db_connection.execute(text("SELECT id FROM sources WHERE name = 'paris'")).scalar_one()
        with db_connection.connection.cursor() as cur:
            refresh_coverage(cur, sid)

    db_connection.execute(text("INSERT INTO sources (name, timezone) VALUES ('paris', 'Europe/Paris')"))
    db_connection.execute(
        text("INSERT INTO regulations (fingerprint, category, definition) VALUES ('p', 'zone_default', '{}')")
    )
    db_connection.execute(
        text(
            "INSERT INTO zones (source_id, ref, code, regulation_id, geom) SELECT s.id, '1', 'P-1', r.id,"
            " ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326)) FROM sources s, regulations r"
            " WHERE s.name = 'paris' AND r.fingerprint = 'p'"
        )
    )
    load("POLYGON((2.30 48.80, 2.40 48.80, 2.40 48.90, 2.30 48.90, 2.30 48.80))")  # a square around central Paris
    assert client.get("/v1/bays", query_string=paris).get_json()["coverage"] == "inside"
    (source,) = client.get("/v1/sources").get_json()["sources"]
    assert source["coverage"]["bbox"] == [2.3, 48.8, 2.4, 48.9]

    load("POLYGON((2.20 48.70, 2.25 48.70, 2.25 48.75, 2.20 48.75, 2.20 48.70))")  # reloaded: south-west of the box
    assert client.get("/v1/bays", query_string=paris).get_json()["coverage"] == "outside"
    assert client.get("/v1/sources").get_json()["sources"][0]["coverage"]["bbox"] == [2.2, 48.7, 2.25, 48.75]
