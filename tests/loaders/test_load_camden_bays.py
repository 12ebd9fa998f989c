"""Camden Parking Bays in both published forms, on the real files; expected values read off the files themselves."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from loader_testlib import BAYS_2020, CSV_2023, bays_2020, csv_rows, write_csv

from loaders import camden_bays
from loaders.runner import run_load
from parking_api.engine.camden import CAMDEN, build_bay_regulation
from parking_api.engine.model import regulation_to_json

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: London Borough of Camden."
)


@pytest.fixture(scope="module")
def loaded(committed_db_url, committed_db):
    report = run_load(committed_db_url, "camden-bays", str(BAYS_2020))
    return report, committed_db, committed_db_url


def _has_wkt(row: dict) -> bool:
    return bool(row.get("epsg_4326_well_known_text_geometry") or row.get("epsg_27700_well_known_text_geometry"))


def test_2020_json_counts_add_up(loaded):
    report, db, _ = loaded
    rows = bays_2020()
    assert len(rows) == 1000
    assert report.status == "succeeded" and report.error is None
    assert (report.read, report.loaded, report.rejected, report.retired) == (1000, 1000, 0, 0)
    assert report.read == report.loaded + report.rejected
    assert db.scalar("SELECT count(*) FROM places WHERE retired_at IS NULL") == 1000
    run = db.rows("SELECT * FROM load_runs WHERE id = :id", id=report.run_id)[0]
    assert (run["status"], run["read"], run["loaded"], run["rejected"]) == ("succeeded", 1000, 1000, 0)


def test_2020_point_only_bays(loaded):
    report, db, _ = loaded
    rows = bays_2020()
    without_wkt = [r for r in rows if not _has_wkt(r)]
    assert len(without_wkt) == 175  # as the provenance note says
    assert all(r["longitude"] and r["latitude"] for r in without_wkt)
    assert db.scalar("SELECT count(*) FROM places WHERE geom_quality = 'point'") == 175
    refs = {r["ref"] for r in db.rows("SELECT ref FROM places WHERE geom_quality = 'point'")}
    assert refs == {r["unique_identifier"] for r in without_wkt}
    assert report.flagged_by_reason["no_geometry_point_used"] == 175
    # the point is the publisher's longitude/latitude
    one = next(r for r in without_wkt if r["unique_identifier"] == "46126909")
    got = db.rows("SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM places WHERE ref = '46126909'")[0]
    assert (got["x"], got["y"]) == (float(one["longitude"]), float(one["latitude"]))


def test_2020_search_radius_of_point_bays(loaded):
    _, db, _ = loaded
    got = {
        r["ref"]: r
        for r in db.rows(
            "SELECT ref, search_radius_m, length_m, spaces, flags, attributes FROM places"
            " WHERE ref IN ('46128576', '46127595', '46126909', '46047061')"
        )
    }
    # 3 spaces, "1920" metres (centimetres): flagged, 3 × 5 m = 15 m, radius 7.5 m
    assert got["46128576"]["search_radius_m"] == Decimal("7.50")
    assert "implausible_length" in got["46128576"]["flags"]
    assert got["46128576"]["length_m"] == Decimal("1920.00")  # the publisher's value is kept
    assert got["46128576"]["attributes"]["length_estimate_m"] == 15.0
    # 14 spaces, "7628": 70 m, half is 35 m, capped at 25 m
    assert got["46127595"]["search_radius_m"] == Decimal("25.00")
    # a plausible 4 m bay: radius 2 m, not flagged
    assert got["46126909"]["search_radius_m"] == Decimal("2.00")
    assert "implausible_length" not in got["46126909"]["flags"]
    # a line bay needs no search radius
    assert got["46047061"]["search_radius_m"] == Decimal("0.00")


def test_2020_implausible_lengths_are_flagged_not_rejected(loaded):
    report, db, _ = loaded
    expected = {
        r["unique_identifier"]
        for r in bays_2020()
        if float(r["parking_bay_length_metres"]) > 100 * max(int(r.get("parking_spaces") or 0), 1)
    }
    assert len(expected) > 100
    flagged = {r["ref"] for r in db.rows("SELECT ref FROM places WHERE 'implausible_length' = ANY(flags)")}
    assert flagged == expected
    assert report.flagged_by_reason["implausible_length"] == len(expected)


def test_2020_degenerate_parts_are_dropped_and_flagged(loaded):
    report, db, _ = loaded
    free = next(r for r in bays_2020() if r["restriction_type"] == "free")
    wkt = free["epsg_4326_well_known_text_geometry"]
    parts = wkt[wkt.index("((") + 1 : -1].split("),(")
    one_point = [p for p in parts if "," not in p]
    assert (len(parts), len(one_point)) == (7, 2)
    got = db.rows(
        "SELECT geom_quality, flags, ST_NumGeometries(geom) AS n, restriction_type FROM places WHERE ref = :ref",
        ref=free["unique_identifier"],
    )[0]
    assert got["geom_quality"] == "line"
    assert got["n"] == 5
    assert "degenerate_geometry_parts_dropped" in got["flags"]
    assert got["restriction_type"] == "free"
    assert report.flagged_by_reason["degenerate_geometry_parts_dropped"] == 1


def test_2020_line_geometry_is_the_publishers_wgs84(loaded):
    _, db, _ = loaded
    row = next(r for r in bays_2020() if r["unique_identifier"] == "46047061")
    same = db.scalar(
        "SELECT ST_Equals(geom, ST_GeomFromText(:wkt, 4326)) FROM places WHERE ref = '46047061'",
        wkt=row["epsg_4326_well_known_text_geometry"],
    )
    assert same is True
    assert db.scalar("SELECT count(*) FROM places WHERE geom_quality = 'polygon'") == 4


def test_2020_publisher_wording_and_attributes_are_kept(loaded):
    _, db, _ = loaded
    got = db.rows("SELECT * FROM places WHERE ref = '46048062'")[0]
    assert got["restriction_type"] == "paid-for / permit holders"
    assert (got["road"], got["zone"], got["spaces"]) == ("Gloucester Avenue", "CA-J", 40)
    attrs = got["attributes"]
    assert attrs["postcode"] == "NW1 8LA"
    assert attrs["cashless_identifier"] == "14065"
    assert attrs["nearest_machine"] == "J107"
    assert attrs["tariff"] == "£4.15 (non-diesel) / £5.04 (diesel),"
    assert attrs["valid_parking_permits"] == "CA-J"
    assert attrs["times_of_operation"] == "mon-fri 08:30-18:30"
    assert attrs["maximum_stay"] == "2 hours"
    assert "disclaimer" not in attrs and "epsg_4326_well_known_text_geometry" not in attrs


def test_2020_regulations_are_content_addressed(loaded):
    _, db, _ = loaded
    rows = bays_2020()
    combos = {
        (
            r["restriction_type"],
            r["times_of_operation"],
            r["maximum_stay"],
            r["tariff"],
            r["valid_parking_permits"],
            r["controlled_parking_zone"],
        )
        for r in rows
    }
    n_regs = db.scalar("SELECT count(*) FROM regulations")
    assert n_regs == db.scalar("SELECT count(DISTINCT regulation_id) FROM places")
    assert n_regs <= len(combos)
    row = next(r for r in rows if r["unique_identifier"] == "46048062")
    expected = build_bay_regulation(
        row["restriction_type"],
        row["times_of_operation"],
        row["maximum_stay"],
        row["tariff"],
        row["valid_parking_permits"],
        row["controlled_parking_zone"],
        CAMDEN,
    )
    got = db.rows(
        "SELECT r.fingerprint, r.definition, r.category, p.category AS place_category FROM places p"
        " JOIN regulations r ON r.id = p.regulation_id WHERE p.ref = '46048062'"
    )[0]
    assert got["fingerprint"] == expected.fingerprint()
    assert got["definition"] == json.loads(json.dumps(regulation_to_json(expected)))
    assert got["category"] == got["place_category"] == expected.category


def test_2020_source_metadata(loaded):
    _, db, _ = loaded
    src = db.rows("SELECT * FROM sources WHERE name = 'camden'")[0]
    assert src["publisher"] == "London Borough of Camden"
    assert src["licence"] == "Open Government Licence v3.0"
    assert src["attribution"] == ATTRIBUTION
    assert src["url"].startswith("https://opendata.camden.gov.uk/")
    assert src["timezone"] == "Europe/London"
    # the latest last_uploaded, 2020-02-09T23:02:22 London time (GMT in February)
    latest = max(r["last_uploaded"] for r in bays_2020())
    assert latest == "2020-02-09T23:02:22.000"
    assert src["published_at"] == datetime(2020, 2, 9, 23, 2, 22, tzinfo=UTC)
    assert src["last_loaded_at"] is not None


def test_2020_second_identical_load_changes_nothing(loaded):
    _, db, url = loaded
    before = db.snapshot()
    report = run_load(url, "camden-bays", str(BAYS_2020))
    assert report.status == "succeeded"
    assert (report.read, report.loaded, report.rejected, report.retired) == (1000, 1000, 0, 0)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 1000)
    after = db.snapshot()
    assert after["places"] == before["places"]  # same ids, same rows, not even updated_at moved
    assert after["regulations"] == before["regulations"]
    assert db.scalar("SELECT count(*) FROM places WHERE retired_at IS NOT NULL") == 0


# --- the CSV download -----------------------------------------------------------------------------------------


def test_2023_csv_loads(fresh_db_url, db):
    header, rows = csv_rows()
    assert len(rows) == 8 and "EPSG:4326 Well Known Text Geometry" in header
    report = run_load(fresh_db_url, "camden-bays", str(CSV_2023))
    assert (report.read, report.loaded, report.rejected) == (8, 8, 0)
    first = rows[0]
    got = db.rows(
        "SELECT restriction_type, road, zone, spaces, geom_quality, attributes,"
        " ST_Equals(geom, ST_GeomFromText(:wkt, 4326)) AS same FROM places WHERE ref = :ref",
        wkt=first["EPSG:4326 Well Known Text Geometry"],
        ref=first["Unique Identifier"],
    )[0]
    assert got["same"] is True
    assert got["geom_quality"] == "line"
    assert (got["restriction_type"], got["road"], got["zone"], got["spaces"]) == (
        "resident permit holders only",
        "Daleham Gardens",
        "CA-B",
        6,
    )
    assert got["attributes"]["postcode"] == "NW3 5DA"
    assert "epsg_4326_geojson_geometry" not in got["attributes"]
    # "04/08/2023 11:00:34 PM" is 8 April 2023 (month first), BST: 22:00:34 UTC
    assert max(r["Last Uploaded"] for r in rows) == "04/08/2023 11:00:34 PM"
    published = db.scalar("SELECT published_at FROM sources WHERE name = 'camden'")
    assert published == datetime(2023, 4, 8, 22, 0, 34, tzinfo=UTC)


GEOMETRY_COLUMNS = (
    "EPSG:27700 Well Known Text Geometry",
    "EPSG:4326 Well Known Text Geometry",
    "EPSG:27700 GeoJSON Geometry",
    "EPSG:4326 GeoJSON Geometry",
)


def _variant(row: dict[str, str], ref: str, **changes: str) -> dict[str, str]:
    out = dict(row)
    out["Unique Identifier"] = ref
    out.update({k.replace("_", " "): v for k, v in changes.items()})
    return out


@pytest.mark.parametrize("batch_rows", [camden_bays.BATCH_ROWS, 3], ids=["one batch", "batches of 3"])
def test_crs_fallbacks_and_every_reject_reason(fresh_db_url, db, tmp_path, monkeypatch, batch_rows):
    # geometries are judged a batch of rows at a time: where the batches begin must change nothing
    monkeypatch.setattr(camden_bays, "BATCH_ROWS", batch_rows)
    header, rows = csv_rows()
    r1, r2, r3, r4 = rows[0], rows[1], rows[2], rows[3]
    no_4326 = {"EPSG:4326 Well Known Text Geometry": "", "EPSG:4326 GeoJSON Geometry": ""}
    no_geometry = dict.fromkeys(GEOMETRY_COLUMNS, "")
    data = [
        # 1: only the EPSG:27700 geometry: reprojected in PostGIS
        {**_variant(r1, "900001"), **no_4326},
        # 2: no geometry: the longitude/latitude point
        {**_variant(r2, "900002"), **no_geometry},
        # 3: no geometry and no longitude/latitude: the easting/northing point
        {**_variant(r3, "900003"), **no_geometry, "Longitude": "", "Latitude": ""},
        # 4: nothing usable at all (easting/northing 0, as in the 2020 file)
        {**_variant(r4, "900004"), **no_geometry, "Longitude": "", "Latitude": "", "Easting": "0", "Northing": "0"},
        # 5: British National Grid coordinates in the WGS84 column: the EPSG:27700 geometry instead
        {
            **_variant(r1, "900005"),
            "EPSG:4326 Well Known Text Geometry": r1["EPSG:27700 Well Known Text Geometry"],
            "EPSG:4326 GeoJSON Geometry": "",
        },
        # 6: a WGS84 geometry text nobody can read: the EPSG:27700 geometry instead
        {
            **_variant(r1, "900006"),
            "EPSG:4326 Well Known Text Geometry": "LINESTRING (a b, c d)",
            "EPSG:4326 GeoJSON Geometry": "",
        },
        # 7: no identifier
        _variant(r1, ""),
        # 8: a restriction type nobody knows
        {**_variant(r1, "900008"), "Restriction Type": "unicorn parking"},
        # 9: unreadable times of operation
        {**_variant(r1, "900009"), "Times Of Operation": "whenever the warden feels like it"},
        # 10: unreadable maximum stay
        {**_variant(r2, "900010"), "Maximum Stay": "a good while"},
        # 11: the same identifier as row 1
        {**_variant(r2, "900001")},
        # 13: no restriction type (row 12 is added below)
        {**_variant(r1, "900013"), "Restriction Type": "N/A"},
        # 14: an unreadable WGS84 WKT but a good WGS84 GeoJSON: the GeoJSON
        {**_variant(r1, "900014"), "EPSG:4326 Well Known Text Geometry": "LINESTRING (a b, c d)"},
        # 15: every geometry unusable, a good longitude/latitude: the point
        {
            **_variant(r2, "900015"),
            **no_geometry,
            "EPSG:4326 Well Known Text Geometry": r2["EPSG:27700 Well Known Text Geometry"],
            "EPSG:27700 Well Known Text Geometry": "LINESTRING (a b, c d)",
        },
        # 16: every source present and unusable: rejected
        {
            **_variant(r4, "900016"),
            **no_geometry,
            "EPSG:4326 Well Known Text Geometry": r4["EPSG:27700 Well Known Text Geometry"],
            "EPSG:27700 Well Known Text Geometry": "LINESTRING (a b, c d)",
            "Longitude": "",
            "Latitude": "",
            "Easting": "0",
            "Northing": "0",
        },
    ]
    path = write_csv(tmp_path / "variants.csv", header, data)
    # 12: a row with too few fields (not the last one: a short final record would be a truncated file)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(12, "paid-for,1,mon-fri 08:30-18:30\n")
    path.write_text("".join(lines), encoding="utf-8")
    report = run_load(fresh_db_url, "camden-bays", str(path), source="variants")
    assert report.status == "succeeded"
    assert report.read == 16
    assert (report.loaded, report.rejected) == (7, 9)
    assert report.read == report.loaded + report.rejected
    assert report.rejected_by_reason == {
        "no usable location": 2,
        "missing unique_identifier": 1,
        "cannot read restriction type": 1,
        "cannot read times of operation": 1,
        "cannot read maximum stay": 1,
        "duplicate ref": 1,
        "missing restriction_type": 1,
        "wrong number of fields for the CSV header": 1,
    }
    # 1: within 2.5 m of the publisher's own WGS84 line (PROJ without the OSTN15 grid: a ~2 m Helmert)
    far = db.scalar(
        "SELECT ST_HausdorffDistance(ST_Transform(geom, 27700), ST_Transform(ST_GeomFromText(:wkt, 4326), 27700))"
        " FROM places WHERE ref = '900001'",
        wkt=r1["EPSG:4326 Well Known Text Geometry"],
    )
    assert far < 2.5
    got = {r["ref"]: r for r in db.rows("SELECT ref, geom_quality, flags, search_radius_m FROM places")}
    assert set(got) == {"900001", "900002", "900003", "900005", "900006", "900014", "900015"}
    assert got["900001"]["geom_quality"] == "line" and got["900001"]["flags"] == ["geometry_from_epsg_27700"]
    # 5, 6: an unusable WGS84 geometry gives way to the EPSG:27700 one, flagged; same line as the publisher's WGS84
    for ref in ("900005", "900006"):
        assert got[ref]["geom_quality"] == "line"
        assert got[ref]["flags"] == ["geometry_from_epsg_27700", "unusable_wgs84_geometry_27700_used"]
        far = db.scalar(
            "SELECT ST_HausdorffDistance(ST_Transform(geom, 27700),"
            " ST_Transform(ST_GeomFromText(:wkt, 4326), 27700)) FROM places WHERE ref = :ref",
            wkt=r1["EPSG:4326 Well Known Text Geometry"],
            ref=ref,
        )
        assert far < 2.5
    # 14: the WGS84 GeoJSON, exactly the publisher's line
    assert got["900014"]["flags"] == ["unusable_wgs84_wkt_geojson_used"]
    same = db.scalar(
        "SELECT ST_Equals(geom, ST_GeomFromText(:wkt, 4326)) FROM places WHERE ref = '900014'",
        wkt=r1["EPSG:4326 Well Known Text Geometry"],
    )
    assert same is True
    # 15: both geometries unusable: the longitude/latitude point, flagged
    assert got["900015"]["geom_quality"] == "point" and got["900015"]["flags"] == ["unusable_geometry_point_used"]
    point = db.rows("SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM places WHERE ref = '900015'")[0]
    assert (point["x"], point["y"]) == (float(r2["Longitude"]), float(r2["Latitude"]))
    # 2: the longitude/latitude point, radius half of the 6 m bay
    assert got["900002"]["geom_quality"] == "point" and "no_geometry_point_used" in got["900002"]["flags"]
    assert got["900002"]["search_radius_m"] == Decimal("3.00")
    point = db.rows("SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM places WHERE ref = '900002'")[0]
    assert (point["x"], point["y"]) == (float(r2["Longitude"]), float(r2["Latitude"]))
    # 3: the easting/northing point lands within a few metres of the publisher's longitude/latitude
    assert got["900003"]["geom_quality"] == "point"
    off = db.scalar(
        "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)"
        " FROM places WHERE ref = '900003'",
        lon=float(r3["Longitude"]),
        lat=float(r3["Latitude"]),
    )
    assert off < 2.5 + 1.0  # the easting/northing are whole metres
    # the rejects are stored with their 1-based row number, field, reason and raw value
    rejects = db.rows(
        "SELECT row_number, field, reason, raw FROM load_rejects WHERE run_id = :run ORDER BY row_number",
        run=report.run_id,
    )
    by_row = {r["row_number"]: r for r in rejects}
    assert sorted(by_row) == [4, 7, 8, 9, 10, 11, 12, 13, 16]
    assert by_row[4]["field"] == "geometry" and "900004" in by_row[4]["raw"]
    assert by_row[4]["reason"] == "no usable location: no geometry; no usable longitude/latitude or easting/northing"
    # the reason names every source tried and why it was passed over
    assert by_row[16]["field"] == "geometry" and "900016" in by_row[16]["raw"]
    assert by_row[16]["reason"] == (
        "no usable location: EPSG:4326 WKT geometry has coordinates out of range;"
        " EPSG:27700 WKT geometry cannot be read; no usable longitude/latitude or easting/northing"
    )
    assert by_row[7]["field"] == "unique_identifier"
    assert by_row[8]["field"] == "restriction_type" and "unicorn parking" in by_row[8]["reason"]
    assert by_row[9]["field"] == "times_of_operation" and by_row[9]["raw"] == "whenever the warden feels like it"
    assert by_row[10]["field"] == "maximum_stay" and by_row[10]["raw"] == "a good while"
    assert by_row[11]["field"] == "ref" and "row 1" in by_row[11]["reason"]
    assert by_row[12]["raw"] == "paid-for,1,mon-fri 08:30-18:30"
    assert by_row[13]["field"] == "restriction_type"
    run = db.rows("SELECT rejected, rejected_by_reason FROM load_runs WHERE id = :id", id=report.run_id)[0]
    assert run["rejected"] == 9 and run["rejected_by_reason"] == report.rejected_by_reason


@pytest.mark.parametrize(
    ("text", "srid", "problem"),
    [
        ("LINESTRING (-0.14 51.54, -0.1401 51.5401)", 4326, None),
        ("POINT (529000 184000)", 27700, None),
        ('{"type": "LineString", "coordinates": [[-0.14, 51.54], [-0.1401, 51.5401]]}', 4326, None),
        ("LINESTRING (529000 184000, 529010 184000)", 4326, "has coordinates out of range"),
        ("POINT (-0.14 51.54)", 27700, "has coordinates out of range"),
        ("POINT (nan nan)", 4326, "has coordinates out of range"),
        ("LINESTRING (a b, c d)", 4326, "cannot be read"),
        ('{"type": "LineString", "coordinates": "nowhere"}', 4326, "cannot be read"),
        ("LINESTRING EMPTY", 4326, "is empty"),
    ],
)
def test_geometries_judged_in_a_batch_get_the_verdict_they_get_alone(text, srid, problem):
    texts = [("LINESTRING (-0.14 51.54, -0.1401 51.5401)", 4326), (text, srid)]
    assert camden_bays.problems(texts)[text, srid] == problem
    assert camden_bays._problem(text, srid) == problem
