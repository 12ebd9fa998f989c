"""Shrink protection: a partial but well-formed file (a truncated nightly export) must not retire live data.

Two guards, on bay and zone loads: a rejected row whose ref could be read keeps that bay's (zone's) previous version
live, and a load that would retire more than the allowed share of the source's live rows (5 % unless --max-shrink or
PARKING_MAX_SHRINK_PERCENT say otherwise) is refused unless --allow-shrink. Suspension files are exempt.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from loader_testlib import BAYS_2020, CPZ, bays_2020, write_csv, write_json

from loaders import camden_cpz, curblr, mapped
from loaders.base import LoadOptions
from loaders.report import ShrinkCheck, format_report
from loaders.runner import run_load
from parking_api.cli import main
from parking_api.settings import Settings, SettingsError

REFUSED_47 = (
    "shrink_refused: would retire 470 of 1000 live bays (47.0 %), more than the 5.0 % allowed;"
    " check the file, or pass --allow-shrink"
)


def cut_after(records: int) -> str:
    """The bundled Camden JSON cut at the record boundary after ``records`` records and closed with ``]``, as a
    truncated download that still parses."""
    text = BAYS_2020.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    for _ in range(records):
        while text[pos] in ", \r\n\t":
            pos += 1
        _, pos = decoder.raw_decode(text, pos)
    return text[:pos] + "]"


@pytest.fixture
def truncated(tmp_path: Path) -> Path:
    path = tmp_path / "truncated.json"
    path.write_text(cut_after(530), encoding="utf-8")
    assert len(json.loads(path.read_text(encoding="utf-8"))) == 530
    return path


def cli(url: str, *args: str, **env: str):
    return CliRunner().invoke(
        main, ["load", *args], env={"DATABASE_URL": url, "CI": "1", **env}, catch_exceptions=False
    )


def live_bays(db) -> int:
    return db.scalar("SELECT count(*) FROM places WHERE retired_at IS NULL")


def last_run(db) -> dict[str, Any]:
    sql = "SELECT id, status, error, read, loaded, rejected, retired FROM load_runs ORDER BY id DESC LIMIT 1"
    return db.rows(sql)[0]


# --- the share of live rows a load may retire ------------------------------------------------------------------


def test_a_truncated_export_is_refused_and_changes_nothing(fresh_db_url, db, truncated):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    before = db.snapshot()
    report = run_load(fresh_db_url, "camden-bays", str(truncated))
    assert (report.status, report.ok, report.error) == ("failed", False, REFUSED_47)
    assert (report.read, report.loaded, report.rejected, report.retired) == (530, 530, 0, 0)
    assert report.shrink == ShrinkCheck(
        live_before=1000, would_retire=470, share_percent=47.0, limit_percent=5.0, allow_shrink=False, refused=True
    )
    assert db.snapshot() == before  # the swap's transaction was rolled back
    assert live_bays(db) == 1000
    run = last_run(db)
    assert run == {"id": report.run_id, "status": "failed", "error": REFUSED_47, "read": 530, "loaded": 530,
                   "rejected": 0, "retired": 0}  # fmt: skip
    text = format_report(report)
    assert "live before   1,000" in text
    assert "would retire    470  (47.0 %; limit 5.0 %): refused, nothing changed" in text


def test_allow_shrink_retires_what_the_file_no_longer_lists(fresh_db_url, db, truncated):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    report = run_load(fresh_db_url, "camden-bays", str(truncated), allow_shrink=True)
    assert (report.status, report.error) == ("succeeded", None)
    assert (report.read, report.loaded, report.retired, report.unchanged) == (530, 530, 470, 530)
    assert report.shrink == ShrinkCheck(1000, 470, 47.0, 5.0, allow_shrink=True, refused=False)
    assert live_bays(db) == 530
    assert "(47.0 %; no limit: --allow-shrink)" in format_report(report)


def test_max_shrink_and_the_setting_move_the_limit(fresh_db_url, db, truncated):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    refused = cli(fresh_db_url, "camden-bays", str(truncated), "--max-shrink", "40", "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.output)["error"].startswith("shrink_refused: would retire 470 of 1000 live bays (47.0 %),"
                                                          " more than the 40.0 % allowed")  # fmt: skip
    assert live_bays(db) == 1000
    let_through = cli(fresh_db_url, "camden-bays", str(truncated), "--max-shrink", "50", "--json")
    assert let_through.exit_code == 0, let_through.output
    out = json.loads(let_through.output)
    assert (out["status"], out["retired"], out["shrink"]["limit_percent"]) == ("succeeded", 470, 50.0)
    assert live_bays(db) == 530
    # the full file again (retires nothing), then the same shrink allowed by the deployment's setting
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).retired == 0
    assert live_bays(db) == 1000
    by_setting = cli(fresh_db_url, "camden-bays", str(truncated), PARKING_MAX_SHRINK_PERCENT="50")
    assert by_setting.exit_code == 0, by_setting.output
    assert "(47.0 %; limit 50.0 %)" in by_setting.output
    assert live_bays(db) == 530


def test_the_limit_refuses_more_than_its_share_not_its_share(fresh_db_url, db, tmp_path):
    rows = bays_2020()
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    over = run_load(fresh_db_url, "camden-bays", str(write_json(tmp_path / "949.json", rows[:949])))
    assert over.status == "failed" and over.error.startswith(
        "shrink_refused: would retire 51 of 1000 live bays (5.1 %), more than the 5.0 % allowed"
    )
    at = run_load(fresh_db_url, "camden-bays", str(write_json(tmp_path / "950.json", rows[:950])))
    assert (at.status, at.retired, at.shrink.share_percent) == ("succeeded", 50, 5.0)
    assert live_bays(db) == 950


def test_a_first_load_never_trips_it(fresh_db_url, db, truncated):
    report = run_load(fresh_db_url, "camden-bays", str(truncated))
    assert (report.status, report.loaded, report.retired) == ("succeeded", 530, 0)
    assert report.shrink == ShrinkCheck(0, 0, 0.0, 5.0, allow_shrink=False, refused=False)
    assert "live before" not in format_report(report)


def test_a_dry_run_shows_the_refusal_and_changes_nothing(fresh_db_url, db, truncated):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    before = db.snapshot()
    result = cli(fresh_db_url, "camden-bays", str(truncated), "--dry-run")
    assert result.exit_code == 1
    assert f"dry_run ({REFUSED_47})" in result.output
    assert "refused, nothing changed" in result.output
    assert db.snapshot() == before
    run = last_run(db)
    assert (run["status"], run["error"], run["retired"]) == ("dry_run", REFUSED_47, 0)


def test_the_installed_command_reports_the_shares(fresh_db_url, db, truncated):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    parking = shutil.which("parking", path=str(Path(sys.executable).parent))
    assert parking, "the parking command is installed next to the interpreter"
    env = {"DATABASE_URL": fresh_db_url, "PATH": str(Path(sys.executable).parent), "CI": "1"}
    done = subprocess.run([parking, "load", "camden-bays", str(truncated), "--json"], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert (out["status"], out["error"], out["retired"]) == ("failed", REFUSED_47, 0)
    assert out["shrink"] == {"live_before": 1000, "would_retire": 470, "share_percent": 47.0, "limit_percent": 5.0,
                             "allow_shrink": False, "refused": True}  # fmt: skip
    assert live_bays(db) == 1000


# --- a rejected row keeps its bay's (zone's) previous version ---------------------------------------------------


def _bad_coordinates(row: dict[str, Any]) -> dict[str, Any]:
    """The row with every location it has unusable: grid numbers in the WGS84 columns and the point off the map."""
    bad = dict(row)
    bad["epsg_4326_well_known_text_geometry"] = "LINESTRING (527541.6 184650.7,527536.4 184656.6)"
    bad["epsg_27700_well_known_text_geometry"] = "LINESTRING (-0.162047 51.546347,-0.16212 51.546402)"
    bad["longitude"], bad["latitude"] = "527538", "184653"
    bad["easting"], bad["northing"] = "0", "0"
    bad.pop("location", None)
    return bad


def test_rejected_rows_keep_their_previous_version(fresh_db_url, db, tmp_path):
    rows = bays_2020()
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    before = {r["ref"]: r for r in db.snapshot()["places"]}
    broken = [i for i, r in enumerate(rows) if r.get("epsg_4326_well_known_text_geometry")][100:105]
    newer = [_bad_coordinates(r) if i in broken else r for i, r in enumerate(rows)]
    unreadable = rows[0]["unique_identifier"]  # a row without its id cannot keep anything: its bay is retired
    newer[0] = {k: v for k, v in rows[0].items() if k != "unique_identifier"}
    report = run_load(fresh_db_url, "camden-bays", str(write_json(tmp_path / "bad.json", newer)))
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected, report.retired, report.kept_previous) == (1000, 994, 6, 1, 5)
    assert report.rejected_by_reason == {"no usable location": 5, "missing unique_identifier": 1}
    assert (report.shrink.live_before, report.shrink.would_retire, report.shrink.refused) == (1000, 1, False)
    after = {r["ref"]: r for r in db.snapshot()["places"]}
    kept = {rows[i]["unique_identifier"] for i in broken}
    for ref in kept:  # still live, as they were: same geometry, same run
        assert after[ref] == before[ref]
    assert after[unreadable]["retired_at"] is not None
    assert {ref: row for ref, row in after.items() if ref != unreadable} == {
        ref: row for ref, row in before.items() if ref != unreadable
    }
    assert live_bays(db) == 999
    rejects = db.rows("SELECT row_number, reason FROM load_rejects WHERE run_id = :r ORDER BY row_number",
                      r=report.run_id)  # fmt: skip
    assert [r["row_number"] for r in rejects] == [1, *(i + 1 for i in broken)]
    assert rejects[0]["reason"] == "missing unique_identifier"
    for r in rejects[1:]:
        ref = rows[r["row_number"] - 1]["unique_identifier"]
        assert r["reason"].startswith("no usable location: EPSG:4326 WKT geometry has coordinates out of range")
        assert r["reason"].endswith(f"(the previous version of '{ref}' was kept)")
    assert report.to_dict()["kept_previous"] == 5
    assert "kept previous     5  (rejected rows whose live version stays)" in format_report(report)


def test_zones_with_bad_polygons_keep_their_previous_version(fresh_db_url, db, tmp_path):
    assert run_load(fresh_db_url, "camden-cpz", str(CPZ)).status == "succeeded"
    before = db.snapshot()["zones"]
    doc = json.loads(CPZ.read_text(encoding="utf-8"))
    broken = ["1", "3", "4", "5", "6"]  # each a zone of one polygon
    grid = [[[527000, 184000], [527100, 184000], [527100, 184100], [527000, 184000]]]  # British grid, not lon/lat
    for feature in doc["features"]:
        if feature["properties"]["identifier"] in broken:
            feature["geometry"] = {"type": "Polygon", "coordinates": grid}
    report = run_load(fresh_db_url, "camden-cpz", str(write_json(tmp_path / "cpz.geojson", doc)))
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected, report.retired, report.kept_previous) == (53, 48, 5, 0, 5)
    assert report.rejected_by_reason == {"coordinates out of range": 5}
    assert db.snapshot()["zones"] == before  # all 50 live, the five with their previous polygons
    assert db.scalar("SELECT count(*) FROM zones WHERE retired_at IS NULL") == 50
    reasons = [r["reason"] for r in db.rows("SELECT reason FROM load_rejects WHERE run_id = :r", r=report.run_id)]
    assert sorted(reasons) == sorted(
        f"coordinates out of range: not longitude/latitude (the previous version of '{ref}' was kept)" for ref in broken
    )


def test_a_shrinking_zone_file_is_refused_too(fresh_db_url, db, tmp_path):
    assert run_load(fresh_db_url, "camden-cpz", str(CPZ)).status == "succeeded"
    doc = json.loads(CPZ.read_text(encoding="utf-8"))
    doc["features"] = doc["features"][:40]  # 40 features: 37 zones (three of them in two parts)
    report = run_load(fresh_db_url, "camden-cpz", str(write_json(tmp_path / "cpz.geojson", doc)))
    assert report.status == "failed"
    assert report.error == (
        "shrink_refused: would retire 13 of 50 live zones (26.0 %), more than the 5.0 % allowed;"
        " check the file, or pass --allow-shrink"
    )
    assert db.scalar("SELECT count(*) FROM zones WHERE retired_at IS NULL") == 50


# --- suspension files shrink legitimately ------------------------------------------------------------------------


def test_suspension_files_are_exempt(fresh_db_url, db, tmp_path):
    rows = bays_2020()[:30]
    assert run_load(fresh_db_url, "camden-bays", str(write_json(tmp_path / "bays.json", rows))).loaded == 30
    header = ["id", "source", "ref", "geometry", "start", "end", "reason"]

    def suspensions(n: int) -> list[dict[str, str]]:
        when = {"start": "2026-01-15T08:00", "end": "2026-01-15T18:00", "reason": "Filming"}
        return [
            {"id": f"S{i}", "source": "camden", "ref": rows[i]["unique_identifier"], "geometry": "", **when}
            for i in range(n)
        ]

    first = run_load(fresh_db_url, "suspensions", str(write_csv(tmp_path / "s20.csv", header, suspensions(20))),
                     source="camden")  # fmt: skip
    assert (first.status, first.loaded) == ("succeeded", 20)
    smaller = run_load(fresh_db_url, "suspensions", str(write_csv(tmp_path / "s2.csv", header, suspensions(2))),
                       source="camden")  # fmt: skip
    assert (smaller.status, smaller.loaded, smaller.retired, smaller.shrink) == ("succeeded", 2, 18, None)
    assert db.scalar("SELECT count(*) FROM suspensions") == 2
    help_text = cli("", "suspensions", "--help").output
    assert "--allow-shrink" not in help_text and "--max-shrink" not in help_text
    assert "--allow-shrink" in cli("", "camden-cpz", "--help").output


# --- the converters name the ref of what they reject --------------------------------------------------------------


def test_converters_name_the_ref_of_a_rejected_row(tmp_path):
    islington = Path(__file__).parent / "data" / "mapped_islington"
    conv = mapped.convert(islington / "islington_bays.geojson", LoadOptions(mapping=str(islington / "islington.toml")))
    assert [(r.row_number, r.ref) for r in conv.rejects] == [
        (7, "ISL-0007"), (8, "ISL-0008"), (9, "ISL-0009"), (10, "ISL-0001")
    ]  # fmt: skip

    location = {"shstRefId": "abc", "sideOfStreet": "right", "shstLocationStart": 0, "shstLocationEnd": 10}
    no_geometry = {"type": "Feature", "properties": {"location": location, "regulations": []}, "geometry": None}
    feed = {"type": "FeatureCollection", "manifest": {"curblrVersion": "1.1.0", "timeZone": "Europe/London"},
            "features": [no_geometry, {"type": "Feature", "properties": {}}]}  # fmt: skip
    conv = curblr.convert(write_json(tmp_path / "feed.curblr.json", feed), LoadOptions())
    assert [(r.reason, r.ref) for r in conv.rejects] == [
        ("the feature has no geometry", "abc:right:0-10"),
        ("the feature has no location", None),
    ]

    doc = json.loads(CPZ.read_text(encoding="utf-8"))
    doc["features"] = doc["features"][:2]
    doc["features"][0]["geometry"] = None
    conv = camden_cpz.convert(str(write_json(tmp_path / "cpz.geojson", doc)), LoadOptions())
    assert [(r.reason, r.ref) for r in conv.rejects] == [("no geometry", "1")]


def test_the_setting():
    assert Settings().max_shrink_percent == 5.0
    assert Settings.from_environment({"PARKING_MAX_SHRINK_PERCENT": "12.5"}).max_shrink_percent == 12.5
    assert Settings.from_environment({"PARKING_MAX_SHRINK_PERCENT": "0"}).max_shrink_percent == 0.0
    for bad in ("five", "-1", "101", "nan"):
        with pytest.raises(SettingsError, match="PARKING_MAX_SHRINK_PERCENT"):
            Settings.from_environment({"PARKING_MAX_SHRINK_PERCENT": bad})
