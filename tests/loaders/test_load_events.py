"""``parking load events``: historic event logs (JSON, CSV) and sensor snapshots, imported all or nothing, with
duplicates counted, rejects kept by row number and the run in the history.

The bays are four real City of Melbourne bays in Chetwynd Street (``data/melbourne/chetwynd_bays.geojson``) and the
sensors eight real rows of the 2020 sensor snapshot (``data/melbourne/sensors_snapshot_2020_extract.csv``; see
``data/melbourne/README.md``). Distances from each sensor to each bay were worked out by hand (haversine) from the
coordinates in those two files:

    row  sensor  status      nearest fixture bay
    1    1875    Present     11125, 1,064 m (another street)
    2    3350    Unoccupied  11125, 28.3 m
    3    4012    Present     11116, 1.1 m
    4    3359    Unoccupied  11125, 11.2 m
    5    4008    Present     11120, 1.1 m
    6    4014    Present     11113, 1.6 m   (sensor 4015 is nearer to 11113)
    7    4003    Unoccupied  11125, 1.1 m
    8    4015    Unoccupied  11113, 1.1 m
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loader_testlib import Db, write_csv, write_json
from sqlalchemy.exc import DBAPIError

from loaders.base import UsageError
from loaders.events import SnapshotOptions, load_events
from loaders.runner import run_load

DATA = Path(__file__).parent / "data" / "melbourne"
BAYS = DATA / "chetwynd_bays.geojson"
MAPPING = DATA / "chetwynd_bays.toml"
SNAPSHOT = DATA / "sensors_snapshot_2020_extract.csv"
SOURCE = "melbourne"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:kerbside-parking:sensor-snapshot")  # as loaders/README.md says
OBSERVED = datetime(2020, 5, 28, 12, 0, tzinfo=UTC) - timedelta(hours=10)  # noon in Melbourne (AEST, +10:00)

CSV_HEADER = [
    "event_id",
    "event_type",
    "event_time",
    "ref",
    "event_session_id",
    "occupied",
    "vehicle_type",
    "plate",
    "permits",
    "badge",
    "event_source",
]


@pytest.fixture
def bays_url(fresh_db_url: str) -> str:
    """A fresh database with the four Chetwynd Street bays loaded under ``melbourne`` (run 1)."""
    report = run_load(fresh_db_url, "mapped", str(BAYS), source=SOURCE, mapping=str(MAPPING))
    assert report.ok and report.loaded == 4, report.error
    return fresh_db_url


def ev(n: int) -> str:
    """The n-th event id of a test file (fixed, so expected rows are easy to name)."""
    return str(uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0000 + n))


def partitions(db: Db) -> list[str]:
    return [
        r["relname"]
        for r in db.rows(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'events'::regclass ORDER BY 1"
        )
    ]


def state(db: Db) -> dict[str, object]:
    """Everything an import may change, to prove a failed or dry one changed nothing."""
    return {
        "events": db.rows("SELECT event_id, event_time, place_id, event_type, occupied FROM events ORDER BY 1, 2"),
        "event_ids": db.rows("SELECT event_id, place_id, event_time FROM event_ids ORDER BY 1"),
        "sessions": db.rows("SELECT * FROM parking_sessions ORDER BY id"),
        "occupancy": db.rows("SELECT * FROM occupancy ORDER BY place_id"),
        "partitions": partitions(db),
    }


def counts(db: Db) -> tuple[int, int]:
    return db.scalar("SELECT count(*) FROM events"), db.scalar("SELECT count(*) FROM event_ids")


def rejects(db: Db, run_id: int) -> list[dict[str, object]]:
    return db.rows(
        "SELECT row_number, field, reason, raw FROM load_rejects WHERE run_id = :run ORDER BY row_number", run=run_id
    )


def run_row(db: Db, run_id: int) -> dict[str, object]:
    return db.rows("SELECT * FROM load_runs WHERE id = :run", run=run_id)[0]


def occupancy(db: Db) -> dict[str, tuple[int, int | None]]:
    """ref -> (occupied, reported)."""
    rows = db.rows("SELECT p.ref, o.occupied, o.reported FROM occupancy o JOIN places p ON p.id = o.place_id")
    return {r["ref"]: (r["occupied"], r["reported"]) for r in rows}


# --- event logs ------------------------------------------------------------------------------------------------


def json_log(now: datetime) -> list[dict[str, object]]:
    """Nine events: rows 1, 2, 3 and 9 load; 4-7 are rejected; 8 repeats row 1's id."""
    return [
        {  # 1: a stay's start in March 2020, the bay by its `ref` field in --source
            "event_id": ev(1),
            "event_type": "park_start",
            "event_time": "2020-03-02T08:00:00Z",
            "ref": "11113",
            "event_session_id": "s-1",
            "vehicle": {"type": "car", "plate": "AB12 CDE", "permits": ["MEL-7"]},
        },
        {  # 2: its end, an hour and a half later, the time with an offset
            "event_id": ev(2),
            "event_type": "park_end",
            "event_time": "2020-03-02T19:30:00+11:00",
            "bay": {"source": SOURCE, "ref": "11113"},
            "event_session_id": "s-1",
        },
        {  # 3: a count report in April 2020, in epoch milliseconds (2020-04-15T06:30:00Z)
            "event_id": ev(3),
            "event_type": "scheduled_report",
            "event_time": 1586932200000,
            "bay": {"ref": "11116"},
            "occupied": 1,
        },
        {  # 4: no such bay (a plate here must not reach the rejects)
            "event_id": ev(4),
            "event_type": "park_start",
            "event_time": "2020-03-02T08:00:00Z",
            "ref": "99999",
            "vehicle": {"plate": "ZZ99 ZZZ"},
        },
        {  # 5: a day in the future
            "event_id": ev(5),
            "event_type": "park_start",
            "event_time": (now + timedelta(days=1)).isoformat(),
            "ref": "11113",
        },
        {"event_id": ev(6), "event_type": "parked", "event_time": "2020-03-02T08:00:00Z", "ref": "11113"},  # 6
        {  # 7: a bay of another source
            "event_id": ev(7),
            "event_type": "park_start",
            "event_time": "2020-03-02T08:00:00Z",
            "bay": {"source": "camden", "ref": "11113"},
        },
        {"event_id": ev(1), "event_type": "park_end", "event_time": "2020-03-02T09:00:00Z", "ref": "11113"},  # 8
        {"event_id": ev(9), "event_type": "comms_lost", "event_time": "2021-01-10T23:59:59Z", "bay_ref": "11120"},
    ]


def test_json_event_log_loads_history_of_any_age(bays_url, tmp_path):
    db = Db(bays_url)
    path = write_json(tmp_path / "events.json", json_log(datetime.now(UTC)))
    report = load_events(bays_url, str(path), source=SOURCE, plate_key="test-key")

    assert report.ok and report.status == "succeeded" and report.format == "json"
    assert (report.read, report.loaded, report.duplicates, report.rejected) == (9, 4, 1, 4)
    assert report.rejected_by_reason == {
        "bay: no live bay in source": 1,
        "event_time: is more than 5 minutes in the future": 1,
        "event_type: is not one of park_start, park_end, comms_lost, comms_restored, scheduled_report": 1,
        "bay.source: not the --source of the import": 1,
    }
    found = rejects(db, report.run_id)
    assert [(r["row_number"], r["field"]) for r in found] == [
        (4, "bay"),
        (5, "event_time"),
        (6, "event_type"),
        (7, "bay.source"),
    ]
    assert not any("ZZ99" in str(r["raw"]) for r in found)
    run = run_row(db, report.run_id)
    assert (run["kind"], run["status"], run["read"], run["loaded"], run["rejected"]) == ("events", "succeeded", 9, 4, 4)
    assert run["flagged_by_reason"] == {"duplicate": 1}

    assert counts(db) == (4, 4)
    assert {"events_p202003", "events_p202004", "events_p202101"} <= set(partitions(db))
    stays = db.rows(
        "SELECT p.ref, s.started_at, s.ended_at, s.vehicle_type, s.permits, s.plate_hash FROM parking_sessions s"
        " JOIN places p ON p.id = s.place_id"
    )
    assert len(stays) == 1
    stay = stays[0]
    assert stay["ref"] == "11113" and stay["vehicle_type"] == "car" and stay["permits"] == ["MEL-7"]
    assert stay["started_at"] == datetime(2020, 3, 2, 8, 0, tzinfo=UTC)
    assert stay["ended_at"] == datetime(2020, 3, 2, 8, 30, tzinfo=UTC)  # 19:30 at +11:00
    assert stay["plate_hash"] and "AB12" not in stay["plate_hash"]
    assert db.scalar("SELECT count(*) FROM events WHERE payload::text LIKE '%AB12%'") == 0
    assert db.scalar("SELECT event_time FROM events WHERE event_id = :id", id=ev(3)) == datetime(
        2020, 4, 15, 6, 30, tzinfo=UTC
    )
    assert occupancy(db)["11116"] == (1, 1)
    assert occupancy(db)["11113"] == (0, None)  # the stay is over
    db.dispose()


def test_the_same_file_twice_gives_duplicates_and_adds_nothing(bays_url, tmp_path):
    db = Db(bays_url)
    path = write_json(tmp_path / "events.json", json_log(datetime.now(UTC)))
    assert load_events(bays_url, str(path), source=SOURCE).loaded == 4
    before = state(db)

    again = load_events(bays_url, str(path), source=SOURCE)
    assert again.ok and again.status == "succeeded"
    assert (again.read, again.loaded, again.duplicates, again.rejected) == (9, 0, 5, 4)
    assert state(db) == before
    assert counts(db) == (4, 4)
    assert run_row(db, again.run_id)["flagged_by_reason"] == {"duplicate": 5}
    db.dispose()


def test_a_cds_envelope(bays_url, tmp_path):
    db = Db(bays_url)
    body = {
        "version": "1.0",
        "data": {
            "events": [
                {
                    "event_id": ev(1),
                    "event_type": "scheduled_report",
                    "event_time": "2020-07-01T00:00:00Z",
                    "bay": {"source": SOURCE, "ref": "11125"},
                    "occupied": 1,
                }
            ]
        },
    }
    report = load_events(bays_url, str(write_json(tmp_path / "cds.json", body)), source=SOURCE)
    assert (report.read, report.loaded, report.rejected) == (1, 1, 0)
    assert occupancy(db) == {"11125": (1, 1)}
    db.dispose()


def test_csv_event_log(bays_url, tmp_path):
    db = Db(bays_url)
    rows = [
        # 1: a start with the vehicle's columns
        [ev(1), "park_start", "2020-11-03T07:15:00+00:00", "11125", "s-1", "", "car", "XY70 ABC", "MEL-1; MEL-2",
         "blue", "camera"],
        [ev(2), "park_end", "2020-11-03T08:45:00Z", "11125", "s-1", "", "", "", "", "", "camera"],  # 2
        [ev(3), "scheduled_report", "1605000000000", "11116", "", "1", "", "", "", "", ""],  # 3: 2020-11-10T09:20Z
        [ev(4), "scheduled_report", "2020-11-03T07:15:00Z", "11120", "", "two", "", "", "", "", ""],  # 4
        [ev(5), "park_start", "2020-11-03T07:15:00Z", "", "", "", "", "", "", "", ""],  # 5: no ref
        [ev(6), "park_start", "2020-11-03T07:15:00Z", "11120"],  # 6: too few fields
        [ev(7), "park_start", "2020-11-03T07:15:00", "11120", "", "", "", "QQ11 QQQ", "", "", ""],  # 7: no offset
    ]  # fmt: skip
    path = tmp_path / "events.csv"
    path.write_text(
        "\n".join([",".join(CSV_HEADER), *(",".join(f'"{v}"' if " " in v else v for v in r) for r in rows)]) + "\n",
        encoding="utf-8",
    )
    report = load_events(bays_url, str(path), source=SOURCE, plate_key="test-key")
    assert report.ok and report.format == "csv"
    assert (report.read, report.loaded, report.duplicates, report.rejected) == (7, 3, 0, 4)
    found = rejects(db, report.run_id)
    assert [(r["row_number"], r["field"]) for r in found] == [(4, "occupied"), (5, "ref"), (6, None), (7, "event_time")]
    assert "wrong number of fields" in found[2]["reason"] and "offset" in found[3]["reason"]
    assert not any("QQ11" in str(r["raw"]) for r in found)

    start = db.rows("SELECT * FROM events WHERE event_id = :id", id=ev(1))[0]
    assert start["event_time"] == datetime(2020, 11, 3, 7, 15, tzinfo=UTC)
    assert (start["vehicle_type"], start["permits"], start["badge"], start["event_source"]) == (
        "car",
        ["MEL-1", "MEL-2"],
        "blue",
        "camera",
    )
    assert start["plate_hash"] and start["session_key"] == "session:s-1"
    stay = db.rows("SELECT started_at, ended_at FROM parking_sessions")
    assert stay == [
        {"started_at": datetime(2020, 11, 3, 7, 15, tzinfo=UTC), "ended_at": datetime(2020, 11, 3, 8, 45, tzinfo=UTC)}
    ]
    assert db.scalar("SELECT event_time FROM events WHERE event_id = :id", id=ev(3)) == datetime(
        2020, 11, 10, 9, 20, tzinfo=UTC
    )
    assert "events_p202011" in partitions(db)
    assert occupancy(db) == {"11125": (0, None), "11116": (1, 1)}
    db.dispose()


def test_a_long_log_is_one_transaction_of_batches(bays_url, tmp_path):
    """2,500 hourly reports (three batches of the ingest) across four months; row 2,001 repeats row 5's id in a
    later batch, so it is a duplicate of an event of the same, uncommitted, transaction."""
    db = Db(bays_url)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows = [
        {
            "event_id": ev(n),
            "event_type": "scheduled_report",
            "event_time": (start + timedelta(hours=n - 1)).isoformat(),
            "ref": "11120",
            "occupied": str(n % 2),
        }
        for n in range(1, 2501)
    ]
    rows[2000]["event_id"] = ev(5)
    path = write_csv(tmp_path / "long.csv", ["event_id", "event_type", "event_time", "ref", "occupied"], rows)
    report = load_events(bays_url, str(path), source=SOURCE)
    assert (report.read, report.loaded, report.duplicates, report.rejected) == (2500, 2499, 1, 0)
    assert counts(db) == (2499, 2499)
    # hour 2,499 after 2020-01-01T00:00Z is 2020-04-14T03:00Z: January to April
    assert {"events_p202001", "events_p202002", "events_p202003", "events_p202004"} <= set(partitions(db))
    assert occupancy(db) == {"11120": (0, 0)}  # the last report, row 2,500, is even
    db.dispose()


# --- failures ------------------------------------------------------------------------------------------------


def test_a_file_that_fails_records_a_failed_run_and_changes_nothing(bays_url, tmp_path):
    db = Db(bays_url)
    good = write_json(tmp_path / "events.json", json_log(datetime.now(UTC)))
    assert load_events(bays_url, str(good), source=SOURCE).loaded == 4
    before = state(db)

    many = [
        {
            "event_id": ev(100 + n),
            "event_type": "scheduled_report",
            "event_time": "2019-06-01T10:00:00Z",
            "ref": "11125",
            "occupied": 1,
        }
        for n in range(1500)
    ]
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps(many)[:-200], encoding="utf-8")
    unknown_column = tmp_path / "unknown.csv"
    unknown_column.write_text("event_id,event_type,event_time,ref,colour\n", encoding="utf-8")
    neither = tmp_path / "neither.csv"
    neither.write_text("a,b\n1,2\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        f"event_id,event_type,event_time,ref\n{ev(50)},park_start,2020-01-01T00:00Z,Caf\xe9\n".encode("latin-1")
    )
    all_rejected = write_json(
        tmp_path / "all_rejected.json",
        [{"event_id": ev(60), "event_type": "park_start", "event_time": "2020-01-01T00:00:00Z", "ref": "nope"}],
    )
    cases = [
        (truncated, "truncated"),
        (unknown_column, "unknown columns colour"),
        (neither, "neither an event log"),
        (latin1, "not UTF-8"),
        (tmp_path / "missing.json", "no such file"),
        (all_rejected, "nothing could be loaded"),
    ]
    for path, message in cases:
        report = load_events(bays_url, str(path), source=SOURCE)
        assert report.status == "failed" and not report.ok, path
        assert message in report.error, (path, report.error)
        run = run_row(db, report.run_id)
        assert run["status"] == "failed" and message in run["error"]
        assert state(db) == before, path
    # a failed file of which nothing loaded keeps its rejects; an unreadable one has none
    assert [r["row_number"] for r in rejects(db, report.run_id)] == [1]
    assert "events_p201906" not in partitions(db)
    db.dispose()


def test_a_crash_in_a_later_batch_rolls_back_the_earlier_ones(bays_url, tmp_path):
    """The database fails while storing row 2,100 (the third batch of 1,000; a trigger of this test's own raises
    there): the two batches already written go too. Only the partition made beforehand, in its own transaction,
    stays (empty)."""
    db = Db(bays_url)
    good = write_json(tmp_path / "events.json", json_log(datetime.now(UTC)))
    assert load_events(bays_url, str(good), source=SOURCE).loaded == 4
    before = state(db)
    rows = [
        {
            "event_id": ev(1000 + n),
            "event_type": "scheduled_report",
            "event_time": "2019-02-01T00:00:00Z",
            "ref": "11120",
            "occupied": 1,
        }
        for n in range(1, 2501)
    ]
    db.execute(
        f"""CREATE FUNCTION fail_on_row_2100() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.event_id = '{ev(3100)}' THEN RAISE EXCEPTION 'disk on fire'; END IF;
                        RETURN NEW;
                    END $$;
                    CREATE TRIGGER fail_on_row_2100 BEFORE INSERT ON event_ids
                        FOR EACH ROW EXECUTE FUNCTION fail_on_row_2100();"""
    )
    with pytest.raises(DBAPIError, match="disk on fire"):
        load_events(bays_url, str(write_json(tmp_path / "crash.json", rows)), source=SOURCE)
    run = db.rows("SELECT status, error, read, loaded FROM load_runs ORDER BY id DESC LIMIT 1")[0]
    assert run["status"] == "failed" and "disk on fire" in run["error"] and (run["read"], run["loaded"]) == (0, 0)
    after = state(db)
    assert after["partitions"] == sorted([*before["partitions"], "events_p201902"])
    assert {k: v for k, v in after.items() if k != "partitions"} == {
        k: v for k, v in before.items() if k != "partitions"
    }
    assert db.scalar("SELECT count(*) FROM events_p201902") == 0
    db.dispose()


def test_usage_errors(bays_url, tmp_path):
    db = Db(bays_url)
    log = write_json(tmp_path / "events.json", json_log(datetime.now(UTC)))
    with pytest.raises(UsageError, match="unknown source 'nowhere'"):
        load_events(bays_url, str(log), source="nowhere")
    with pytest.raises(UsageError, match="--observed-at"):
        load_events(bays_url, str(SNAPSHOT), source=SOURCE, snapshot=SnapshotOptions(match_within=5))
    with pytest.raises(UsageError, match="--match-within"):
        load_events(bays_url, str(SNAPSHOT), source=SOURCE, snapshot=SnapshotOptions(observed_at=OBSERVED))
    with pytest.raises(UsageError, match="--ref-column 'kerbside'"):
        wrong_column = SnapshotOptions(observed_at=OBSERVED, ref_column="kerbside")
        load_events(bays_url, str(SNAPSHOT), source=SOURCE, snapshot=wrong_column)
    with pytest.raises(UsageError, match="for sensor snapshots"):
        load_events(bays_url, str(log), source=SOURCE, snapshot=SnapshotOptions(observed_at=OBSERVED))
    with pytest.raises(UsageError, match="future"):
        future = SnapshotOptions(observed_at=datetime.now(UTC) + timedelta(hours=1), match_within=5)
        load_events(bays_url, str(SNAPSHOT), source=SOURCE, snapshot=future)
    assert counts(db) == (0, 0)
    # the ones found in the file are in the history as failed runs; the others never started one
    assert db.scalar("SELECT count(*) FROM load_runs WHERE kind = 'events' AND status = 'failed'") == 4
    db.dispose()


# --- sensor snapshots ------------------------------------------------------------------------------------------


def snapshot_id(sensor: str, at: datetime = OBSERVED) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{SOURCE}/{sensor}/{at.astimezone(UTC).isoformat()}"))


def test_snapshot_matched_to_the_nearest_bay(bays_url):
    db = Db(bays_url)
    empty = state(db)
    # a dry run at 15 m first: row 4 (11.2 m from 11125) now reaches a bay, but sensor 4003 (row 7) is nearer to it
    dry = load_events(
        bays_url,
        str(SNAPSHOT),
        source=SOURCE,
        snapshot=SnapshotOptions(observed_at=OBSERVED, match_within=15),
        dry_run=True,
    )
    assert dry.status == "dry_run" and dry.ok
    assert (dry.read, dry.loaded, dry.duplicates, dry.rejected) == (8, 4, 0, 4)
    assert [r["row_number"] for r in rejects(db, dry.run_id)] == [1, 2, 4, 6]
    assert state(db) == empty

    snapshot = SnapshotOptions(observed_at=OBSERVED, match_within=5)
    report = load_events(bays_url, str(SNAPSHOT), source=SOURCE, snapshot=snapshot)
    assert report.ok and report.format == "snapshot"
    assert (report.read, report.loaded, report.duplicates, report.rejected) == (8, 4, 0, 4)
    found = rejects(db, report.run_id)
    assert [(r["row_number"], r["reason"]) for r in found[:3]] == [
        (1, "no bay within 5 m"),
        (2, "no bay within 5 m"),
        (4, "no bay within 5 m"),
    ]
    assert found[3]["row_number"] == 6 and "bay '11113' went to the sensor of row 8" in found[3]["reason"]
    assert found[0]["raw"].startswith("1875,2608N,Present,")
    assert report.rejected_by_reason == {"no bay within 5 m": 3, "bay already matched to another sensor": 1}

    assert occupancy(db) == {"11113": (0, 0), "11116": (1, 1), "11120": (1, 1), "11125": (0, 0)}
    stored = db.rows(
        "SELECT e.event_id::text AS id, p.ref, e.event_time, e.event_type, e.event_source, e.occupied,"
        " e.payload->>'data_source_device_id' AS sensor FROM events e JOIN places p ON p.id = e.place_id ORDER BY p.ref"
    )
    assert [(r["ref"], r["sensor"], r["occupied"]) for r in stored] == [
        ("11113", "4015", 0),
        ("11116", "4012", 1),
        ("11120", "4008", 1),
        ("11125", "4003", 0),
    ]
    assert all(r["event_type"] == "scheduled_report" and r["event_source"] == "in_ground" for r in stored)
    assert all(r["event_time"] == datetime(2020, 5, 28, 2, 0, tzinfo=UTC) for r in stored)
    assert {r["id"] for r in stored} == {snapshot_id(s) for s in ("4015", "4012", "4008", "4003")}
    assert "events_p202005" in partitions(db)
    after = state(db)

    # the same snapshot again, its time written another way: the same ids, so duplicates only
    again = load_events(
        bays_url,
        str(SNAPSHOT),
        source=SOURCE,
        snapshot=SnapshotOptions(observed_at=datetime(2020, 5, 28, 2, 0, tzinfo=UTC), match_within=5),
    )
    assert again.ok and (again.read, again.loaded, again.duplicates, again.rejected) == (8, 0, 4, 4)
    assert state(db) == after
    assert counts(db) == (4, 4)
    db.dispose()


def test_snapshot_matched_by_ref_column(bays_url, tmp_path):
    """A snapshot whose rows name the bays (a ``kerbside_id`` column written for the test): by ref alone, then by
    ref with the nearest bay for the rows the ref does not place."""
    db = Db(bays_url)
    header = ["bay_id", "st_marker_id", "status", "location", "lat", "lon", "kerbside_id"]
    by_sensor = {r["bay_id"]: r for r in _snapshot_rows()}
    rows = [
        by_sensor["4012"] | {"kerbside_id": "11116"},  # 1
        by_sensor["4008"] | {"kerbside_id": "11120"},  # 2
        by_sensor["4003"] | {"kerbside_id": "99999"},  # 3: no such bay; 1.1 m from 11125
        by_sensor["4015"] | {"kerbside_id": ""},  # 4: no ref; 1.1 m from 11113
        by_sensor["4014"] | {"kerbside_id": "11113"},  # 5
    ]
    path = write_csv(tmp_path / "with_refs.csv", header, rows)

    first = load_events(
        bays_url, str(path), source=SOURCE, snapshot=SnapshotOptions(observed_at=OBSERVED, ref_column="kerbside_id")
    )
    assert (first.read, first.loaded, first.rejected) == (5, 3, 2)
    found = rejects(db, first.run_id)
    assert [(r["row_number"], r["field"]) for r in found] == [(3, "bay"), (4, "bay")]
    assert "'99999' is not a live bay" in found[0]["reason"] and "is empty" in found[1]["reason"]
    assert occupancy(db) == {"11116": (1, 1), "11120": (1, 1), "11113": (1, 1)}

    later = OBSERVED + timedelta(hours=1)
    second = load_events(
        bays_url,
        str(path),
        source=SOURCE,
        snapshot=SnapshotOptions(observed_at=later, ref_column="kerbside_id", match_within=5),
    )
    assert (second.read, second.loaded, second.duplicates, second.rejected) == (5, 4, 0, 1)
    (taken,) = rejects(db, second.run_id)
    assert taken["row_number"] == 4 and "bay '11113' went to the sensor of row 5 (its ref)" in taken["reason"]
    assert occupancy(db) == {"11116": (1, 1), "11120": (1, 1), "11113": (1, 1), "11125": (0, 0)}
    assert db.scalar("SELECT count(*) FROM events WHERE event_id = :id", id=snapshot_id("4003", later)) == 1
    db.dispose()


def _snapshot_rows() -> list[dict[str, str]]:
    with SNAPSHOT.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- the command ---------------------------------------------------------------------------------------------


def test_the_installed_command(bays_url):
    parking = shutil.which("parking", path=str(Path(sys.executable).parent))
    assert parking, "the parking command is installed next to the interpreter"
    env = {"DATABASE_URL": bays_url, "PATH": str(Path(sys.executable).parent), "CI": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([parking, "load", *args], env=env, capture_output=True, text=True, timeout=120)

    done = run("events", str(SNAPSHOT), "--source", SOURCE, "--match-within", "5")
    assert done.returncode == 2 and "--observed-at" in done.stderr

    snapshot = ["events", str(SNAPSHOT), "--source", SOURCE, "--observed-at", "2020-05-28T12:00:00+10:00"]
    done = run(*snapshot, "--match-within", "5", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["read"], report["loaded"], report["duplicates"], report["rejected"]) == (8, 4, 0, 4)
    assert report["kind"] == "events" and report["format"] == "snapshot" and report["dry_run"] is False

    done = run(*snapshot, "--match-within", "5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "  loaded             0" in lines and "  duplicates         4  (received before: not loaded again)" in lines
    assert f"  see the rejects with: parking load rejects {report['run_id'] + 1}" in lines

    history = json.loads(run("history", "--source", SOURCE, "--json").stdout)
    assert [(h["kind"], h["status"], h["read"], h["loaded"], h["rejected"]) for h in history[:3]] == [
        ("events", "succeeded", 8, 0, 4),
        ("events", "succeeded", 8, 4, 4),
        ("events", "failed", 0, 0, 0),  # the missing --observed-at
    ]
    assert "duplicates: 4" in run("history").stdout
    listed = json.loads(run("rejects", str(report["run_id"]), "--json").stdout)
    assert [r["row_number"] for r in listed] == [1, 2, 4, 6]
