"""Camden controlled parking zones: one row per identifier, merged and repaired polygons, zone-default rules."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import shapely
from loader_testlib import BAYS_2020, CPZ, write_json

from loaders.runner import run_load


def features() -> list[dict]:
    return json.loads(CPZ.read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def loaded(committed_db_url, committed_db):
    report = run_load(committed_db_url, "camden-cpz", str(CPZ))
    return report, committed_db


def test_53_polygons_make_one_row_per_identifier(loaded):
    report, db = loaded
    feats = features()
    ids = Counter(f["properties"]["identifier"] for f in feats)
    assert len(feats) == 53 and len(ids) == 50
    assert (report.read, report.loaded, report.rejected) == (53, 53, 0)
    assert db.scalar("SELECT count(*) FROM zones WHERE retired_at IS NULL") == 50
    assert {r["ref"] for r in db.rows("SELECT ref FROM zones")} == set(ids)
    assert db.scalar("SELECT count(*) FROM zones WHERE GeometryType(geom) <> 'MULTIPOLYGON'") == 0
    assert db.scalar("SELECT count(*) FROM zones WHERE NOT ST_IsValid(geom)") == 0
    for ref in (ref for ref, n in ids.items() if n > 1):
        parts = [shapely.geometry.shape(f["geometry"]) for f in feats if f["properties"]["identifier"] == ref]
        assert len(parts) == 2 and parts[0].disjoint(parts[1])
        got = db.rows("SELECT ST_NumGeometries(geom) AS n, ST_Area(geom) AS area FROM zones WHERE ref = :r", r=ref)[0]
        assert got["n"] == 2
        assert got["area"] == pytest.approx(sum(p.area for p in parts), rel=1e-6)


def test_self_intersecting_polygons_are_repaired_and_flagged(loaded):
    report, db = loaded
    invalid = {
        f["properties"]["identifier"]: f["properties"]["sub_zone_name"]
        for f in features()
        if not shapely.geometry.shape(f["geometry"]).is_valid
    }
    assert sorted(invalid.values()) == ["CA-D/E", "CA-J"]
    flagged = {r["ref"] for r in db.rows("SELECT ref FROM zones WHERE 'invalid_geometry_repaired' = ANY(flags)")}
    assert flagged == set(invalid)
    assert report.flagged_by_reason == {"invalid_geometry_repaired": 2}


def test_zone_codes_names_and_hours(loaded):
    _, db = loaded
    got = db.rows("SELECT code, sub_zone, name, hours FROM zones WHERE ref = '1'")[0]
    assert got == {
        "code": "CA-B",
        "sub_zone": "CA-B",
        "name": "CA-B Belsize",
        "hours": {"mon_fri": "09:00-18:30", "saturday": "09:30-13:30", "sunday": None},
    }
    assert db.scalar("SELECT code FROM zones WHERE sub_zone = 'CA-D/E'") == "CA-D"
    assert db.scalar("SELECT count(*) FROM zones WHERE code !~ '^CA-[A-Z]$'") == 0


def test_zone_default_regulations(loaded):
    _, db = loaded
    cats = {
        r["category"] for r in db.rows("SELECT r.category FROM zones z JOIN regulations r ON r.id = z.regulation_id")
    }
    assert cats == {"zone_default"}
    # CA-G Crown Estate: 00:00-23:59 every day means the whole day, every day
    crown = db.rows("SELECT r.definition FROM zones z JOIN regulations r ON r.id = z.regulation_id WHERE z.ref = '11'")[
        0
    ]["definition"]
    no_parking = next(rule for rule in crown["rules"] if rule["activity"] == "no_parking")
    assert no_parking["time_spans"][0]["days"] == [0, 1, 2, 3, 4, 5, 6]
    assert no_parking["time_spans"][0]["windows"] == [[0, 1440]]
    # sub-zones with the same hours and zone share one regulation row
    assert db.scalar("SELECT count(DISTINCT regulation_id) FROM zones") < 50


def test_zones_and_bays_never_retire_each_other(fresh_db_url, db, tmp_path):
    assert run_load(fresh_db_url, "camden-cpz", str(CPZ)).status == "succeeded"
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    doc = json.loads(CPZ.read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["identifier"] != "1"]
    smaller = write_json(tmp_path / "cpz.geojson", doc)
    report = run_load(fresh_db_url, "camden-cpz", str(smaller))
    assert (report.read, report.loaded, report.retired) == (52, 52, 1)
    assert db.scalar("SELECT retired_at IS NOT NULL FROM zones WHERE ref = '1'") is True
    assert db.scalar("SELECT count(*) FROM places WHERE retired_at IS NOT NULL") == 0
    bays = json.loads(BAYS_2020.read_text(encoding="utf-8"))[:10]
    report = run_load(fresh_db_url, "camden-bays", str(write_json(tmp_path / "bays.json", bays)), allow_shrink=True)
    assert report.retired == 990
    assert db.scalar("SELECT count(*) FROM zones WHERE retired_at IS NULL") == 49


def test_the_load_keeps_the_sources_coverage(loaded, committed_db_url):
    """The source's coverage is the hull of its zones, written by the load; a dry run and an unchanged reload leave
    it as it was (the reload changes nothing, so there is nothing to recompute)."""
    _, db = loaded
    hull = shapely.GeometryCollection([shapely.geometry.shape(f["geometry"]) for f in features()]).convex_hull
    got = shapely.from_wkt(db.scalar("SELECT ST_AsText(coverage) FROM sources WHERE name = 'camden'"))
    assert got.symmetric_difference(hull).area < 1e-12
    stamp = db.scalar("SELECT md5(ST_AsEWKB(coverage)::text) FROM sources WHERE name = 'camden'")
    run_load(committed_db_url, "camden-cpz", str(CPZ), dry_run=True)
    again = run_load(committed_db_url, "camden-cpz", str(CPZ))
    assert (again.inserted, again.updated, again.retired) == (0, 0, 0)
    assert db.scalar("SELECT md5(ST_AsEWKB(coverage)::text) FROM sources WHERE name = 'camden'") == stamp
