"""CurbLR feeds loaded end to end into PostGIS through the runner (``committed_db_url``: a database per module)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from loader_testlib import Db

from loaders import curblr
from loaders.base import LoadOptions
from loaders.runner import run_load

pytestmark = pytest.mark.committed

SAMPLES = Path(__file__).parent / "data" / "curblr_samples"

# file, source, options, read, places (distinct kerb stretches), rejected features, rejected regulations. Features of
# one kerb stretch are one place (``attributes["source_rows"]``); the runner counts each of them as loaded.
FEEDS = [
    ("austin_2020-11.curblr.json.gz", "austin", {}, 17, 17, 0, 0),
    ("downtown_portland_2020-07-30.curblr.json.gz", "portland", {"holidays": "US-OR"}, 416, 363, 0, 0),
    ("philadelphia_ccd_2019-12.curblr.json.gz", "philadelphia", {"inclusive_ends": True}, 465, 227, 0, 0),
    ("montreal_parco_saint-laurent.curblr.json.gz", "montreal-parco", {"timezone": "America/Toronto"}, 191, 128, 0,
     14),
    ("mtl-subset-segment-lasalle.curblr.json.gz", "montreal-lasalle", {"timezone": "America/Toronto"}, 14, 13, 0, 0),
    ("mtl-subset-segment-outremont.curblr.json.gz", "montreal-outremont", {"timezone": "America/Toronto"}, 1407, 933,
     29, 0),
]  # fmt: skip


def _unzip(tmp_path: Path, name: str) -> Path:
    out = tmp_path / name.removesuffix(".gz")
    out.write_bytes(gzip.decompress((SAMPLES / name).read_bytes()))
    return out


@pytest.mark.parametrize(
    ("name", "source", "options", "read", "places", "rejected", "partial"), FEEDS, ids=[f[1] for f in FEEDS]
)
def test_feed_loads_end_to_end(committed_db_url: str, committed_db: Db, tmp_path: Path, name: str, source: str,
                               options: dict[str, Any], read: int, places: int, rejected: int,
                               partial: int) -> None:  # fmt: skip
    path = _unzip(tmp_path, name)
    report = run_load(committed_db_url, "curblr", str(path), source=source, **options)
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected, report.rejected_regulations) == (
        read, read - rejected, rejected, partial,
    )  # fmt: skip
    live = committed_db.rows(
        "SELECT p.ref, p.category, p.geom_quality, ST_SRID(p.geom) AS srid, r.definition"
        " FROM places p JOIN sources s ON s.id = p.source_id JOIN regulations r ON r.id = p.regulation_id"
        " WHERE s.name = :source AND p.retired_at IS NULL",
        source=source,
    )
    assert len(live) == places
    expected = curblr.convert(path, LoadOptions(source=source, **options))
    assert {row["ref"] for row in live} == {p.ref for p in expected.places}
    assert all(row["srid"] == 4326 and row["geom_quality"] == "line" for row in live)
    stored = committed_db.rows(
        "SELECT timezone, holidays, publisher FROM sources WHERE name = :source", source=source
    )[0]
    assert stored["timezone"] == expected.meta.timezone
    assert stored["holidays"] == expected.meta.holidays
    rejects = committed_db.scalar("SELECT count(*) FROM load_rejects WHERE run_id = :run", run=report.run_id)
    assert rejects == rejected + partial


def test_austin_rules_round_trip_through_the_database(
    committed_db_url: str, committed_db: Db, tmp_path: Path
) -> None:
    path = _unzip(tmp_path, "austin_2020-11.curblr.json.gz")
    report = run_load(committed_db_url, "curblr", str(path), source="austin-again")
    assert report.status == "succeeded"
    expected = {p.ref: p.regulation for p in curblr.convert(path, LoadOptions()).places}
    rows = committed_db.rows(
        "SELECT p.ref, r.definition FROM places p JOIN sources s ON s.id = p.source_id"
        " JOIN regulations r ON r.id = p.regulation_id WHERE s.name = 'austin-again'"
    )
    from parking_api.engine.model import regulation_from_json

    assert {r["ref"]: regulation_from_json(r["definition"]) for r in rows} == expected


def test_missing_time_zone_is_a_usage_error_before_anything_changes(
    committed_db_url: str, committed_db: Db, tmp_path: Path
) -> None:
    from loaders.base import UsageError

    path = _unzip(tmp_path, "montreal_parco_saint-laurent.curblr.json.gz")
    before = committed_db.scalar("SELECT count(*) FROM places")
    with pytest.raises(UsageError, match="--timezone"):
        run_load(committed_db_url, "curblr", str(path), source="montreal-no-tz")
    assert committed_db.scalar("SELECT count(*) FROM places") == before


def test_rejected_regulations_are_stored_with_their_reason(
    committed_db_url: str, committed_db: Db, tmp_path: Path
) -> None:
    doc = {
        "type": "FeatureCollection",
        "manifest": {"timeZone": "America/Chicago", "priorityHierarchy": ["no standing", "parking"]},
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "location": {"shstRefId": "r1", "sideOfStreet": "left", "shstLocationStart": 0,
                                 "shstLocationEnd": 12.5},
                    "regulations": [
                        {"rule": {"activity": "parking", "priorityCategory": "parking", "maxStay": 60}},
                        {"rule": {"activity": "no standing", "priorityCategory": "no standing"},
                         "timeSpans": [{"daysOfWeek": {"days": []}}]},
                    ],
                },
                "geometry": {"type": "LineString", "coordinates": [[-97.745, 30.2666], [-97.7457, 30.2668]]},
            },
            {
                "type": "Feature",
                "properties": {
                    "location": {"shstRefId": "r2", "sideOfStreet": "left", "shstLocationStart": 0,
                                 "shstLocationEnd": 9},
                    "regulations": [{"timeSpans": []}],
                },
                "geometry": {"type": "LineString", "coordinates": [[-97.746, 30.2666], [-97.7467, 30.2668]]},
            },
        ],
    }  # fmt: skip
    path = tmp_path / "partly_bad.curblr.json"
    path.write_text(json.dumps(doc))
    report = run_load(committed_db_url, "curblr", str(path), source="partly-bad")
    assert (report.status, report.read, report.loaded, report.rejected, report.rejected_regulations) == (
        "succeeded", 2, 1, 1, 1,
    )  # fmt: skip
    rows = committed_db.rows(
        "SELECT row_number, field, reason FROM load_rejects WHERE run_id = :run ORDER BY row_number, id",
        run=report.run_id,
    )
    assert [(r["row_number"], r["field"]) for r in rows] == [
        (1, "regulations[1].timeSpans[0].daysOfWeek.days"),
        (2, "regulations[0].rule"),
    ]
    assert "days is empty" in rows[0]["reason"] and "no rule" in rows[1]["reason"]
    assert committed_db.scalar(
        "SELECT ref FROM places p JOIN sources s ON s.id = p.source_id WHERE s.name = 'partly-bad'"
    ) == ("r1:left:0-12.5")


def test_features_without_a_usable_regulation_count_under_one_reason(
    committed_db_url: str, committed_db: Db, tmp_path: Path
) -> None:
    # Outremont: 29 features whose only regulation has no rule (read off the file); the one at feature 866 is also a
    # zero-length line (shstLocationStart = shstLocationEnd = 185) and is rejected for that first.
    path = _unzip(tmp_path, "mtl-subset-segment-outremont.curblr.json.gz")
    report = run_load(committed_db_url, "curblr", str(path), source="montreal-outremont-reasons",
                      timezone="America/Toronto")  # fmt: skip
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected) == (1407, 1378, 29)
    assert report.rejected_by_reason == {"no usable regulation": 28, "the line has no length": 1}
    rejects = committed_db.rows(
        "SELECT row_number, field, reason FROM load_rejects WHERE run_id = :run ORDER BY row_number",
        run=report.run_id,
    )
    rows = [r["row_number"] for r in rejects]
    assert rows[:4] == [96, 146, 205, 206] and rows[-1] == 1373 and len(rows) == 29
    by_row = {r["row_number"]: r for r in rejects}
    assert by_row[866]["reason"] == "the line has no length"
    assert by_row[96]["reason"].startswith("no usable regulation: regulations[0]: the regulation has no rule")
