"""An identical reload (the same file bytes, options, mapping and rule settings) is recorded without being staged
again, and writes no row; any difference — one byte of the file, an option, a setting — takes the full load."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from loader_testlib import BAYS_2020, CPZ, bays_2020, write_json

from loaders import camden_bays
from loaders.base import LoadOptions
from loaders.fingerprint import load_fingerprint
from loaders.report import format_report
from loaders.runner import run_load
from parking_api.store.load.runs import run_rejects


def untouched(db) -> dict[str, Any]:
    """Every loaded row with its tuple version (``xmin``): any write to a row, even of equal values, changes it."""
    snap = db.snapshot()
    for row in snap["sources"]:
        row.pop("last_loaded_at")  # the source was confirmed current: the one column an identical reload sets
    snap["versions"] = db.rows(
        "SELECT 'places' AS t, id, xmin::text AS v FROM places UNION ALL SELECT 'zones', id, xmin::text FROM zones"
        " UNION ALL SELECT 'regulations', id, xmin::text FROM regulations ORDER BY 1, 2"
    )
    return snap


def full_load_taken(report) -> bool:
    return report.identical_to_run is None and "convert" in report.timings and "stage" in report.timings


def test_an_identical_reload_writes_nothing_and_is_recorded(fresh_db_url, db):
    first = run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    assert (first.status, first.loaded, first.inserted) == ("succeeded", 1000, 1000)
    before = untouched(db)
    loaded_at = db.scalar("SELECT last_loaded_at FROM sources WHERE name = 'camden'")

    again = run_load(fresh_db_url, "camden-bays", str(BAYS_2020))

    assert (again.status, again.error, again.identical_to_run) == ("succeeded", None, first.run_id)
    assert "convert" not in again.timings and "stage" not in again.timings  # neither converted nor staged
    assert (again.read, again.loaded, again.rejected, again.retired) == (1000, 1000, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1000)
    assert again.flagged_by_reason == first.flagged_by_reason
    assert again.shrink.live_before == 1000 and again.shrink.would_retire == 0
    assert untouched(db) == before  # no place, zone or regulation row written
    assert db.scalar("SELECT last_loaded_at FROM sources WHERE name = 'camden'") > loaded_at
    runs = db.rows("SELECT id, status, read, loaded, fingerprint FROM load_runs ORDER BY id")
    assert [(r["id"], r["status"], r["read"], r["loaded"]) for r in runs] == [
        (first.run_id, "succeeded", 1000, 1000),
        (again.run_id, "succeeded", 1000, 1000),
    ]
    assert runs[0]["fingerprint"] == runs[1]["fingerprint"] and len(runs[0]["fingerprint"]) == 64
    assert f"identical to run {first.run_id}" in format_report(again)


def test_one_changed_byte_takes_the_full_load(fresh_db_url, db, tmp_path):
    run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    changed = tmp_path / "bays.json"
    changed.write_bytes(BAYS_2020.read_bytes() + b"\n")  # one insignificant byte: the same bays
    report = run_load(fresh_db_url, "camden-bays", str(changed))
    assert full_load_taken(report)
    assert (report.status, report.inserted, report.updated, report.unchanged) == ("succeeded", 0, 0, 1000)
    # and that file, loaded once more unchanged, is identical to the run that loaded it in full
    assert run_load(fresh_db_url, "camden-bays", str(changed)).identical_to_run == report.run_id


def test_the_same_bytes_under_another_name_are_identical(fresh_db_url, tmp_path):
    first = run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    copy = shutil.copy(BAYS_2020, tmp_path / "tonight.json")
    assert run_load(fresh_db_url, "camden-bays", str(copy)).identical_to_run == first.run_id


def test_a_changed_option_or_setting_takes_the_full_load(fresh_db_url, db):
    first = run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    holidays = run_load(fresh_db_url, "camden-bays", str(BAYS_2020), holidays="GB-SCT")
    assert full_load_taken(holidays) and holidays.status == "succeeded"
    # back to the first options: the last successful run was the GB-SCT one, so this is a full load too
    back = run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    assert full_load_taken(back)
    # the green-badge zones shape the blue-badge rules: a changed setting rebuilds them
    green = run_load(fresh_db_url, "camden-bays", str(BAYS_2020), green_badge_zones=("CA-B",))
    assert full_load_taken(green) and green.status == "succeeded"
    assert first.identical_to_run is None


def test_a_dry_run_checks_in_full_and_does_not_count_as_the_last_load(fresh_db_url, db):
    first = run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    dry = run_load(fresh_db_url, "camden-bays", str(BAYS_2020), dry_run=True)
    assert full_load_taken(dry) and dry.status == "dry_run"
    assert db.scalar("SELECT fingerprint FROM load_runs WHERE id = :id", id=dry.run_id) is None
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).identical_to_run == first.run_id


def test_a_zone_load_in_between_keeps_the_bays_reload_identical(fresh_db_url, db):
    """Zone loads never touch places: only the last successful run loading places is compared."""
    first = run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    assert run_load(fresh_db_url, "camden-cpz", str(CPZ)).status == "succeeded"
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).identical_to_run == first.run_id


def test_a_zone_file_reloaded_identically_is_recognised_too(fresh_db_url, db):
    first = run_load(fresh_db_url, "camden-cpz", str(CPZ))
    before = untouched(db)
    again = run_load(fresh_db_url, "camden-cpz", str(CPZ))
    assert again.identical_to_run == first.run_id
    assert (again.read, again.loaded, again.unchanged, again.retired) == (53, 53, 50, 0)  # 53 features, 50 zones
    assert untouched(db) == before


def test_an_identical_reload_keeps_the_rejects_and_the_previous_versions(fresh_db_url, db, tmp_path):
    rows = bays_2020()
    run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    ref = rows[5]["unique_identifier"]
    rows[5]["restriction_type"] = ""  # row 6: rejected, its ref read, so its bay keeps its previous version
    bad = write_json(tmp_path / "bad.json", rows)
    full = run_load(fresh_db_url, "camden-bays", str(bad))
    assert (full.rejected, full.kept_previous, full.unchanged) == (1, 1, 999)
    before = untouched(db)
    again = run_load(fresh_db_url, "camden-bays", str(bad))
    assert again.identical_to_run == full.run_id
    assert (again.read, again.loaded, again.rejected, again.kept_previous) == (1000, 999, 1, 1)
    assert (again.unchanged, again.retired) == (999, 0)
    assert again.rejected_by_reason == {"missing restriction_type": 1}
    assert untouched(db) == before
    rejects = run_rejects(fresh_db_url, again.run_id)
    assert [(r["row_number"], r["field"]) for r in rejects] == [(6, "restriction_type")]
    assert rejects[0]["reason"] == f"missing restriction_type (the previous version of {ref!r} was kept)"


def test_a_missing_file_still_fails_as_before(fresh_db_url, tmp_path: Path):
    report = run_load(fresh_db_url, "camden-bays", str(tmp_path / "absent.json"))
    assert report.status == "failed" and report.error


# --- the digest itself, and the converter that streams -----------------------------------------------------------


def test_the_fingerprint_covers_bytes_options_and_mapping_but_not_the_progress_bar(tmp_path):
    data = tmp_path / "bays.csv"
    data.write_bytes(b"Unique Identifier,Restriction Type\n1,Pay & Display\n")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text("a = 1\n")
    base = LoadOptions(source="s", mapping=str(mapping))

    def fp(options: LoadOptions = base, kind: str = "mapped", source: str = "s", database: str = "x") -> str:
        return load_fingerprint(kind, source, data, options, database)

    first = fp()
    assert fp(LoadOptions(source="s", mapping=str(mapping), progress=True)) == first
    assert fp(LoadOptions(source="s", mapping=str(mapping), lenient=True)) != first
    assert fp(LoadOptions(source="s", mapping=str(mapping), timezone="Europe/Paris")) != first
    assert fp(LoadOptions(source="s", mapping=str(mapping), inclusive_ends=True)) != first
    assert fp(LoadOptions(source="s", mapping=str(mapping), green_badge_zones=("CA-B",))) != first
    assert fp(kind="curblr") != first and fp(source="t") != first and fp(database="y") != first
    mapping.write_text("a = 2\n")
    assert fp() != first
    mapping.write_text("a = 1\n")
    assert fp() == first
    data.write_bytes(b"Unique Identifier,Restriction Type\n1,Pay & Display \n")
    assert fp() != first


def test_camden_bays_streams_its_rows_lazily(tmp_path):
    header = "Unique Identifier,Restriction Type,Controlled Parking Zone,Times Of Operation,Longitude,Latitude\n"
    rows = "".join(f"B{i},resident permit holders only,CA-B,mon-fri 09:00-18:30,-0.14,51.53\n" for i in range(1, 1001))
    path = tmp_path / "bays.csv"
    path.write_text(header + rows, encoding="utf-8")
    out = camden_bays.convert(str(path), LoadOptions())
    assert out.places == [] and out.read == 0  # nothing read yet
    first = next(out.place_stream)
    assert (first.ref, out.read) == ("B1", 1)  # one row read for one record, not the whole file
    assert sum(1 for _ in out.place_stream) == 999 and out.read == 1000
    assert out.meta.publisher == "London Borough of Camden"  # set when the stream ends
