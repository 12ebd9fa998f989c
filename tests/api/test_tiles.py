"""``GET /v1/tiles/{z}/{x}/{y}.mvt`` on the bundled Camden data, decoded with a real MVT decoder.

Tile numbers and positions inside a tile are worked out here with the slippy-map formulas (Web Mercator, XYZ, 4096
units a side), independently of PostGIS. The bays, as the bundled file writes them:

- 46047061, Elizabeth Mews, CA-B: "resident permit holders only", "mon-fri 09:00-18:30, sat 09:30-13:30", permits
  CA-B; a kerb line from (-0.1620474, 51.5463473) to (-0.1621201, 51.5464020).
- 46042958, Bedford Row, CA-D: "paid-for", "mon-fri 08:30-18:30, sat 08:30-13:30", "2 hours" (a stay counted per
  controlled period: entering at 17:30 on a Monday, one hour is left that evening and the next period starts at
  08:30 on Tuesday, so the driver must leave at 10:30).
- 46126601 and 46126603, Royal College Street, CA-G, both point-only at (-0.134474, 51.536533): "resident permit
  holders only", "mon-fri 08:30-18:30", permits CA-G; and "paid-for", "mon-fri 08:30-18:30", "4 hours".

Zone CA-B (``camden_cpz.geojson``): controlled Mon–Fri 09:00–18:30, Sat 09:30–13:30.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import mapbox_vector_tile
import pytest
from sqlalchemy.orm import Session

from parking_api.api.v1 import http
from parking_api.services import keys
from parking_api.store.db import make_engine

MVT = "application/vnd.mapbox-vector-tile"
EXTENT = 4096
MONDAY_10 = "2026-03-02T10:00:00Z"  # Monday 2 March 2026, GMT
MONDAY_1730 = "2026-03-02T17:30:00Z"
ELIZABETH_MEWS_LINE = [(-0.1620474, 51.5463473), (-0.1621201, 51.5464020)]
BEDFORD_ROW = (-0.1148178, 51.5191182)
ROYAL_COLLEGE_STREET = (-0.134474, 51.536533)


def _world(lon: float, lat: float, z: int) -> tuple[float, float]:
    """The point in tile units at zoom ``z`` (x east from -180°, y south from the top of the Mercator square)."""
    n = 2**z
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return x, y


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    x, y = _world(lon, lat, z)
    return z, int(x), int(y)


def in_tile(lon: float, lat: float, tile: tuple[int, int, int]) -> tuple[float, float]:
    """The point's coordinates inside ``tile`` (0-4096, y down, as MVT stores them)."""
    z, tx, ty = tile
    x, y = _world(lon, lat, z)
    return (x - tx) * EXTENT, (y - ty) * EXTENT


def get_tile(api, tile: tuple[int, int, int], **params) -> dict:
    z, x, y = tile
    response = api.get(f"/v1/tiles/{z}/{x}/{y}.mvt", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == MVT
    return mapbox_vector_tile.decode(response.data, default_options={"y_coord_down": True})


def bay(layers: dict, ref: str) -> dict:
    found = [f for f in layers["bays"]["features"] if f["properties"]["ref"] == ref]
    assert len(found) == 1, [f["properties"]["ref"] for f in layers["bays"]["features"]]
    return found[0]


def test_a_resident_bay_on_a_monday_morning(api):
    tile = tile_of(*ELIZABETH_MEWS_LINE[0], 16)
    layers = get_tile(api, tile, at=MONDAY_10)
    feature = bay(layers, "46047061")
    # permit-only until the end of Monday's hours, then free: everything but `until` (null, so left out)
    assert feature["properties"] == {
        "source": "camden",
        "ref": "46047061",
        "category": "resident_permit",
        "can_park": False,
        "payment_required": False,
        "allowed_from": "2026-03-02T18:30:00+00:00",
        "suspended": False,
    }
    assert feature["geometry"]["type"] == "LineString"
    for (x, y), (lon, lat) in zip(feature["geometry"]["coordinates"], ELIZABETH_MEWS_LINE, strict=True):
        ex, ey = in_tile(lon, lat, tile)
        assert abs(x - ex) <= 1 and abs(y - ey) <= 1, ((x, y), (ex, ey))
    # a bay 4 km away is not in this tile
    assert all(f["properties"]["ref"] != "46042958" for f in layers["bays"]["features"])


def test_the_same_bay_for_the_driver_the_query_describes(api):
    tile = tile_of(*ELIZABETH_MEWS_LINE[0], 16)
    with_permit = bay(get_tile(api, tile, at=MONDAY_10, permit="CA-B"), "46047061")["properties"]
    assert with_permit["can_park"] is True
    assert with_permit["payment_required"] is False
    assert "allowed_from" not in with_permit
    evening = bay(get_tile(api, tile, at="2026-03-02T19:00:00Z"), "46047061")["properties"]
    # free from 18:30 until Tuesday's hours begin at 09:00
    assert evening["can_park"] is True
    assert evening["until"] == "2026-03-03T09:00:00+00:00"


def test_a_paid_bay_counts_its_maximum_stay_per_controlled_period(api):
    tile = tile_of(*BEDFORD_ROW, 17)
    properties = bay(get_tile(api, tile, at=MONDAY_1730, stay=60), "46042958")["properties"]
    assert properties["category"] == "paid"
    assert properties["can_park"] is True
    assert properties["payment_required"] is True
    assert properties["max_stay"] == 120
    assert properties["until"] == "2026-03-03T10:30:00+00:00"
    assert properties["stay_ok"] is True  # 17:30 + 60 min is before 10:30 on Tuesday


def test_point_only_bays_are_points(api):
    tile = tile_of(*ROYAL_COLLEGE_STREET, 16)
    layers = get_tile(api, tile, at=MONDAY_10)
    resident, paid = bay(layers, "46126601"), bay(layers, "46126603")
    ex, ey = in_tile(*ROYAL_COLLEGE_STREET, tile)
    for feature in (resident, paid):
        assert feature["geometry"]["type"] == "Point"
        x, y = feature["geometry"]["coordinates"]
        assert abs(x - ex) <= 1 and abs(y - ey) <= 1
    assert resident["properties"]["can_park"] is False
    assert resident["properties"]["allowed_from"] == "2026-03-02T18:30:00+00:00"
    # 4 hours from 10:00, well within the day's hours (to 18:30)
    assert paid["properties"]["can_park"] is True
    assert paid["properties"]["payment_required"] is True
    assert paid["properties"]["until"] == "2026-03-02T14:00:00+00:00"
    assert paid["properties"]["max_stay"] == 240


def test_a_suspended_bay_says_so(api, loaded_db_url):
    """46047011, Elizabeth Mews' neighbouring resident bay (CA-B, Mon–Fri 09:00–18:30), suspended on Monday 2 March
    2026 from 08:00 to 20:00: nobody may park there at 10:00, nor at 19:00 when the permit hours are over; from
    20:00 anyone may."""
    engine = make_engine(loaded_db_url)
    try:
        with Session(engine) as session, session.begin():
            council = keys.create(session, role="council", name="tile test").key
    finally:
        engine.dispose()
    body = {"source": "camden", "ref": "46047011", "start": "2026-03-02T08:00:00Z", "end": "2026-03-02T20:00:00Z",
            "reason": "Filming"}  # fmt: skip
    created = api.post("/v1/suspensions", json=body, headers={"Authorization": f"Bearer {council}"})
    assert created.status_code == 201, created.get_json()
    try:
        tile = tile_of(*ELIZABETH_MEWS_LINE[0], 16)
        for at in (MONDAY_10, "2026-03-02T19:00:00Z"):
            properties = bay(get_tile(api, tile, at=at), "46047011")["properties"]
            assert properties["suspended"] is True
            assert properties["can_park"] is False
            assert properties["allowed_from"] == "2026-03-02T20:00:00+00:00"
        # its neighbour is not suspended
        assert bay(get_tile(api, tile, at=MONDAY_10), "46047061")["properties"]["suspended"] is False
    finally:
        deleted = api.delete(
            f"/v1/suspensions/{created.get_json()['id']}", headers={"Authorization": f"Bearer {council}"}
        )
        assert deleted.status_code == 204


@pytest.mark.parametrize("params", [{"at": MONDAY_10}, {"at": "2026-03-07T12:00:00Z", "badge": "blue"}])
def test_every_bay_of_a_tile_answers_as_the_bay_itself(api, params):
    """The tile's answer for each bay is the one ``/v1/bays/{source}/{ref}`` gives the same driver at the same time."""
    layers = get_tile(api, tile_of(*ROYAL_COLLEGE_STREET, 15), **params)
    assert len(layers["bays"]["features"]) > 10
    for feature in layers["bays"]["features"]:
        tile_says = feature["properties"]
        detail = api.get(f"/v1/bays/camden/{tile_says['ref']}", query_string=params)
        status = detail.get_json()["properties"]["status"]
        for name in ("can_park", "payment_required", "until", "allowed_from", "max_stay"):
            assert tile_says.get(name) == status[name], (tile_says["ref"], name)


def test_zones_layer_has_codes_and_hours(api):
    layers = get_tile(api, tile_of(*ELIZABETH_MEWS_LINE[0], 16), at=MONDAY_10)
    zones = [f["properties"] for f in layers["zones"]["features"]]
    belsize = [z for z in zones if z["code"] == "CA-B"]
    assert len(belsize) == 1
    assert belsize[0]["sub_zone"] == "CA-B"
    assert belsize[0]["hours"] == '{"monday_to_friday":"09:00-18:30","saturday":"09:30-13:30","sunday":null}'


def test_bays_only_from_zoom_14(api):
    lon, lat = ELIZABETH_MEWS_LINE[0]
    assert "bays" not in get_tile(api, tile_of(lon, lat, 13), at=MONDAY_10)
    assert "zones" in get_tile(api, tile_of(lon, lat, 13), at=MONDAY_10)
    assert "bays" in get_tile(api, tile_of(lon, lat, 14), at=MONDAY_10)
    # Camden lies in one tile at zoom 10: its 53 polygons are all there (a few lie across its edge)
    assert len(get_tile(api, tile_of(lon, lat, 10))["zones"]["features"]) >= 40


def test_an_empty_tile_is_an_empty_body(api):
    response = api.get("/v1/tiles/16/32768/32768.mvt")  # the Gulf of Guinea
    assert response.status_code == 200
    assert response.mimetype == MVT
    assert response.data == b""


@pytest.mark.parametrize(
    ("path", "status", "name"),
    [
        ("/v1/tiles/a/0/0.mvt", 400, "z"),
        ("/v1/tiles/1/-1/0.mvt", 400, "x"),
        ("/v1/tiles/1/0/1.5.mvt", 400, "y"),
        ("/v1/tiles/1/0/٠.mvt", 400, "y"),
        ("/v1/tiles/23/0/0.mvt", 404, None),
        ("/v1/tiles/2/4/0.mvt", 404, None),
        ("/v1/tiles/2/0/4.mvt", 404, None),
        ("/v1/tiles/0/0/0.mvt?zoom=3", 400, "zoom"),
        ("/v1/tiles/0/0/0.mvt?at=tomorrow", 400, "at"),
        ("/v1/tiles/0/0/0.mvt?vehicle=tank", 400, "vehicle"),
        ("/v1/tiles/0/0/0.mvt?stay=0", 400, "stay"),
    ],
)
def test_bad_tiles_are_problems(api, path, status, name):
    response = api.get(path)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    if name is not None:
        assert [p["name"] for p in body["invalid_params"]] == [name]


def test_cached_until_the_earliest_change_and_revalidated(api):
    asked = api.get("/v1/tiles/16/32738/21781.mvt", query_string={"at": MONDAY_10})
    # an explicit instant changes only with the data: cached as long as the API caches such answers
    assert asked.headers["Cache-Control"] == f"public, max-age={http.MAX_AGE}"
    again = api.get("/v1/tiles/16/32738/21781.mvt", query_string={"at": MONDAY_10},
                    headers={"If-None-Match": asked.headers["ETag"]})  # fmt: skip
    assert again.status_code == 304

    now_response = api.get("/v1/tiles/16/32738/21781.mvt")
    now = datetime.now(UTC)
    control = now_response.headers["Cache-Control"]
    layers = mapbox_vector_tile.decode(now_response.data)
    changes = [
        datetime.fromisoformat(f["properties"][k])
        for f in layers["bays"]["features"]
        for k in ("until", "allowed_from")
        if k in f["properties"]
    ]
    assert changes
    seconds_left = min((t - now).total_seconds() for t in changes)
    if control != "no-store":
        max_age = int(control.removeprefix("public, max-age="))
        assert 0 < max_age <= min(http.MAX_AGE, seconds_left + 1)


def test_documented_in_openapi(api):
    spec = api.get("/openapi.json").get_json()
    operation = spec["paths"]["/v1/tiles/{z}/{x}/{y}.mvt"]["get"]
    assert MVT in operation["responses"]["200"]["content"]
    assert {"400", "404"} <= set(operation["responses"])
    path_parameters = spec["paths"]["/v1/tiles/{z}/{x}/{y}.mvt"]["parameters"]
    assert [p["name"] for p in path_parameters] == ["z", "x", "y"]
    assert {p["name"] for p in operation["parameters"]} >= {"at", "permit", "badge", "vehicle", "stay"}
