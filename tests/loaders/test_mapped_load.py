"""Mapped borough files loaded end to end into PostGIS through the runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from loader_testlib import BAYS_2020, Db

from loaders.runner import run_load

pytestmark = pytest.mark.committed

DATA = Path(__file__).parent / "data" / "mapped_islington"
CAMDEN_MAPPING = Path(__file__).resolve().parents[2] / "loaders" / "mappings" / "camden.toml"


def test_islington_style_geojson(committed_db_url: str, committed_db: Db) -> None:
    report = run_load(committed_db_url, "mapped", str(DATA / "islington_bays.geojson"), source="islington-test",
                      mapping=str(DATA / "islington.toml"))  # fmt: skip
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected) == (11, 7, 4)
    source = committed_db.rows("SELECT * FROM sources WHERE name = 'islington-test'")[0]
    assert (source["timezone"], source["holidays"], source["publisher"]) == (
        "Europe/London", "GB-ENG", "Fictional borough (test data)",
    )  # fmt: skip
    rows = committed_db.rows(
        "SELECT p.ref, p.category, p.geom_quality, p.zone, p.spaces, r.definition FROM places p"
        " JOIN regulations r ON r.id = p.regulation_id WHERE p.source_id = :sid ORDER BY p.ref",
        sid=source["id"],
    )
    assert [r["ref"] for r in rows] == [f"ISL-000{i}" for i in range(1, 7)] + ["ISL-0010"]
    resident = rows[0]
    assert (resident["category"], resident["geom_quality"], resident["zone"], resident["spaces"]) == (
        "resident_permit", "line", "ISL-A", 3,
    )  # fmt: skip
    permit_rule = next(r for r in resident["definition"]["rules"] if r["user_classes"] == ["permit"])
    assert permit_rule["permits"] == ["ISL-A"]
    reasons = committed_db.rows(
        "SELECT row_number, reason FROM load_rejects WHERE run_id = :run ORDER BY row_number", run=report.run_id
    )
    assert [r["row_number"] for r in reasons] == [7, 8, 9, 10]


def test_csv_on_the_british_grid_is_reprojected(committed_db_url: str, committed_db: Db) -> None:
    report = run_load(committed_db_url, "mapped", str(DATA / "islington_bays.csv"), source="islington-csv",
                      mapping=str(DATA / "islington_csv.toml"))  # fmt: skip
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected) == (5, 3, 2)
    rows = committed_db.rows(
        "SELECT p.ref, ST_SRID(p.geom) AS srid, ST_X(ST_StartPoint(ST_GeometryN(p.geom, 1))) AS x0,"
        " ST_X(ST_PointN(ST_GeometryN(p.geom, 1), 1)) AS xl, ST_Y(ST_Centroid(p.geom)) AS lat,"
        " ST_X(ST_Centroid(p.geom)) AS lon, p.search_radius_m"
        " FROM places p JOIN sources s ON s.id = p.source_id WHERE s.name = 'islington-csv' ORDER BY p.ref"
    )
    assert [r["ref"] for r in rows] == ["C-1", "C-2", "C-5"]
    for row in rows:
        assert row["srid"] == 4326
        assert 51.50 < row["lat"] < 51.60 and -0.15 < row["lon"] < -0.05  # Islington, not the Gulf of Guinea
    assert float(rows[1]["search_radius_m"]) == 12.5


def test_camden_through_its_mapping(committed_db_url: str, committed_db: Db) -> None:
    report = run_load(committed_db_url, "mapped", str(BAYS_2020), source="camden-mapped",
                      mapping=str(CAMDEN_MAPPING))  # fmt: skip
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected) == (1000, 1000, 0)
    counts = dict(
        (r["geom_quality"], r["n"])
        for r in committed_db.rows(
            "SELECT geom_quality, count(*) AS n FROM places p JOIN sources s ON s.id = p.source_id"
            " WHERE s.name = 'camden-mapped' GROUP BY geom_quality"
        )
    )
    source = committed_db.rows("SELECT licence, holidays, timezone FROM sources WHERE name = 'camden-mapped'")[0]
    assert counts == {"line": 821, "point": 175, "polygon": 4}
    assert source == {"licence": "Open Government Licence v3.0", "holidays": "GB-ENG", "timezone": "Europe/London"}
