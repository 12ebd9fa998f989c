"""Bay suspensions in our documented form: by ref or by geometry, naive and aware times, replace-by-source."""

from __future__ import annotations

from datetime import UTC, datetime

from loader_testlib import bays_2020, write_csv, write_json

from loaders.runner import run_load

HEADER = ["id", "source", "ref", "geometry", "start", "end", "reason"]


def _setup(url: str, tmp_path) -> tuple[dict, dict, dict]:
    rows = bays_2020()[:30]
    line_bays = [r for r in rows if str(r.get("epsg_4326_well_known_text_geometry", "")).startswith("LINESTRING")]
    a, b, c = line_bays[0], line_bays[1], line_bays[2]
    report = run_load(url, "camden-bays", str(write_json(tmp_path / "bays.json", rows)))
    assert report.loaded == 30
    return a, b, c


def _first_vertex(bay: dict) -> str:
    wkt = bay["epsg_4326_well_known_text_geometry"]
    x, y = wkt[wkt.index("(") + 1 :].split(",")[0].split()
    return f"POINT ({x} {y})"


def _row(id_: str, ref: str, start: str, end: str, *, source: str = "camden", geometry: str = "", reason: str = ""):
    return {"id": id_, "source": source, "ref": ref, "geometry": geometry, "start": start, "end": end, "reason": reason}


def test_suspensions_by_ref_and_geometry_with_naive_and_aware_times(fresh_db_url, db, tmp_path):
    a, b, c = _setup(fresh_db_url, tmp_path)
    ida, idb, idc = a["unique_identifier"], b["unique_identifier"], c["unique_identifier"]
    rows = [
        _row("S1", ida, "2026-01-15T08:00", "2026-01-15T18:00", reason="Filming"),  # naive, GMT
        _row("S2", idb, "2026-07-15T08:00:00+01:00", "2026-07-15T18:00:00+01:00", source=""),  # aware
        _row("S3", "", "2026-07-20T09:00", "2026-07-20T17:00", geometry=_first_vertex(c)),  # naive, BST
        _row("S4", "99999999", "2026-01-15T08:00", "2026-01-15T18:00"),  # unknown place
        _row("S5", ida, "2026-03-29T01:30", "2026-03-29T05:00"),  # 01:30 does not exist that night
        _row("S6", idb, "2026-10-25T01:30", "2026-10-25T03:00"),  # 01:30 happens twice: the first
        _row("S7", ida, "2026-05-02T10:00", "2026-05-01T10:00"),  # ends before it starts
        _row("", idb, "2026-12-01T08:00", "2026-12-01T12:00", reason="Skip"),  # no id of its own
        _row("S9", "", "2026-01-15T08:00", "2026-01-15T18:00", geometry="POINT (0 51)"),  # touches nothing
    ]
    path = write_csv(tmp_path / "suspensions.csv", HEADER, rows)
    report = run_load(fresh_db_url, "suspensions", str(path), source="camden")
    assert report.status == "succeeded"
    assert (report.read, report.loaded, report.rejected) == (9, 5, 4)
    assert report.rejected_by_reason == {"unknown place": 2, "bad start": 1, "end is not after start": 1}
    got = {
        (r["ref"], r["place_ref"]): r
        for r in db.rows(
            "SELECT s.ref, p.ref AS place_ref, s.starts_at, s.ends_at, s.reason, s.origin FROM suspensions s"
            " JOIN places p ON p.id = s.place_id"
        )
    }
    assert set(got) == {("S1", ida), ("S2", idb), ("S3", idc), ("S6", idb), (None, idb)}
    assert got[("S1", ida)]["starts_at"] == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert got[("S1", ida)]["reason"] == "Filming" and got[("S1", ida)]["origin"] == "file"
    assert got[("S2", idb)]["starts_at"] == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
    assert got[("S3", idc)]["starts_at"] == datetime(2026, 7, 20, 8, 0, tzinfo=UTC)
    assert got[("S6", idb)]["starts_at"] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert got[("S6", idb)]["ends_at"] == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    rejects = {
        r["row_number"]: r
        for r in db.rows("SELECT row_number, field, reason, raw FROM load_rejects WHERE run_id = :r", r=report.run_id)
    }
    assert sorted(rejects) == [4, 5, 7, 9]
    assert (
        rejects[4]["field"] == "ref" and rejects[4]["raw"] == "99999999" and "camden/99999999" in rejects[4]["reason"]
    )
    assert rejects[5]["field"] == "start" and "does not exist" in rejects[5]["reason"]
    assert rejects[9]["field"] == "geometry"


def test_reload_replaces_file_suspensions_but_never_api_ones_or_places(fresh_db_url, db, tmp_path):
    a, b, _ = _setup(fresh_db_url, tmp_path)
    ida, idb = a["unique_identifier"], b["unique_identifier"]
    db.execute(
        "INSERT INTO suspensions (place_id, source_id, ref, starts_at, ends_at, reason, origin)"
        " SELECT p.id, p.source_id, 'API-1', '2026-02-01T08:00Z', '2026-02-01T18:00Z', 'from the API', 'api'"
        " FROM places p WHERE p.ref = :ref",
        ref=ida,
    )
    api_before = db.rows("SELECT * FROM suspensions WHERE origin = 'api'")
    first = [
        _row("S1", ida, "2026-01-15T08:00", "2026-01-15T18:00"),
        _row("S2", idb, "2026-01-16T08:00", "2026-01-16T18:00"),
    ]
    path = write_csv(tmp_path / "s1.csv", HEADER, first)
    assert run_load(fresh_db_url, "suspensions", str(path), source="camden").loaded == 2
    ids = {r["ref"]: r["id"] for r in db.rows("SELECT id, ref FROM suspensions WHERE origin = 'file'")}

    again = run_load(fresh_db_url, "suspensions", str(path), source="camden")
    assert (again.loaded, again.retired, again.inserted, again.updated, again.unchanged) == (2, 0, 0, 0, 2)
    assert {r["ref"]: r["id"] for r in db.rows("SELECT id, ref FROM suspensions WHERE origin = 'file'")} == ids

    newer = [_row("S2", idb, "2026-01-16T08:00", "2026-01-16T20:00")]  # S1 gone, S2 extended
    report = run_load(fresh_db_url, "suspensions", str(write_csv(tmp_path / "s2.csv", HEADER, newer)), source="camden")
    assert (report.loaded, report.retired, report.updated) == (1, 1, 1)
    files = db.rows("SELECT id, ref, ends_at FROM suspensions WHERE origin = 'file'")
    assert files == [{"id": ids["S2"], "ref": "S2", "ends_at": datetime(2026, 1, 16, 20, 0, tzinfo=UTC)}]
    assert db.rows("SELECT * FROM suspensions WHERE origin = 'api'") == api_before
    # suspension files never retire places
    assert db.scalar("SELECT count(*) FROM places WHERE retired_at IS NOT NULL") == 0
    assert db.scalar("SELECT count(*) FROM places") == 30

    # another source's suspension file (JSON form) leaves camden's file suspensions alone
    other = [{"source": "camden", "ref": ida, "start": "2026-03-01T08:00Z", "end": "2026-03-01T09:00Z", "id": "R1"}]
    report = run_load(
        fresh_db_url, "suspensions", str(write_json(tmp_path / "roadworks.json", other)), source="roadworks"
    )
    assert (report.read, report.loaded, report.retired) == (1, 1, 0)
    assert db.scalar("SELECT count(*) FROM suspensions WHERE origin = 'file'") == 2
