"""The file-reading pieces on their own (no database): streamed JSON, strict CSV, times, geometry text."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from loaders import files
from loaders._camden import parse_last_uploaded
from loaders.base import StructuralError
from loaders.camden_bays import clean_line_wkt, normalise_name, search_radius
from loaders.report import reason_key
from loaders.suspensions import TimeError, parse_time

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_json_array_is_streamed_across_chunk_boundaries(monkeypatch, chunk):
    monkeypatch.setattr(files, "_CHUNK", chunk)
    text = ' [ {"a": "x,]}"}, {"b": [1, 2, {"c": null}]} ,\n{"n": 12345.5}, 7, "s"]\n '
    assert list(files.iter_json_array(io.StringIO(text))) == [
        {"a": "x,]}"},
        {"b": [1, 2, {"c": None}]},
        {"n": 12345.5},
        7,
        "s",
    ]


@pytest.mark.parametrize(
    "text",
    [
        '[{"a": 1}, {"b": 2',  # truncated inside the final record
        '[{"a": 1}, {"b": 2}',  # no closing bracket
        '[{"a": 1},',  # cut after a comma
        '[{"a": 1},]',  # trailing comma
        '{"a": 1}',  # not an array
        '[{"a": 1} {"b": 2}]',  # missing comma
        '[{"a": 1}] x',  # garbage after the array
    ],
)
def test_json_array_structural_faults(monkeypatch, text):
    monkeypatch.setattr(files, "_CHUNK", 4)
    with pytest.raises(StructuralError):
        list(files.iter_json_array(io.StringIO(text)))


def test_csv_short_row_is_a_row_error_but_a_truncated_final_record_fails_the_file(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text('a,b,c\n1,2,3\n4,5\n"6",7,8\n', encoding="utf-8")
    with open(good, encoding="utf-8", newline="") as fh:
        rows = list(files.csv_records(fh, str(good), lambda header: header))
    assert [(n, rec) for n, rec, _ in rows] == [
        (1, {"a": "1", "b": "2", "c": "3"}),
        (2, None),
        (3, {"a": "6", "b": "7", "c": "8"}),
    ]
    assert rows[1][2] == ["4", "5"]
    truncated = tmp_path / "cut.csv"
    truncated.write_text("a,b,c\n1,2,3\n4,5", encoding="utf-8")
    with open(truncated, encoding="utf-8", newline="") as fh, pytest.raises(StructuralError, match="truncated"):
        list(files.iter_csv(fh, str(truncated)))
    open_quote = tmp_path / "quote.csv"
    open_quote.write_text('a,b,c\n1,2,3\n4,5,"six', encoding="utf-8")
    with open(open_quote, encoding="utf-8", newline="") as fh, pytest.raises(StructuralError):
        list(files.iter_csv(fh, str(open_quote)))


def test_bad_encoding_is_structural(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,b\nCaf\xe9,1\n".encode("latin-1"))
    with pytest.raises(StructuralError, match="UTF-8"), files.open_text(str(path), newline="") as fh:
        list(files.iter_csv(fh, str(path)))


def test_csv_title_case_names_become_the_api_names():
    assert normalise_name("EPSG:27700 Well Known Text Geometry") == "epsg_27700_well_known_text_geometry"
    assert normalise_name("Unique Identifier") == "unique_identifier"
    assert normalise_name("Parking Bay Length Metres") == "parking_bay_length_metres"


def test_degenerate_line_parts_are_dropped():
    wkt = "MULTILINESTRING ((0 0,1 1),(2 2),(3 3,3 3),(4 4,5 5))"
    assert clean_line_wkt(wkt) == ("MULTILINESTRING ((0 0,1 1),(4 4,5 5))", True)
    assert clean_line_wkt("MULTILINESTRING ((2 2),(3 3))") == (None, True)
    assert clean_line_wkt("LINESTRING (1 1, 1 1)") == (None, True)
    assert clean_line_wkt("LINESTRING (1 1, 2 2)") == ("LINESTRING (1 1, 2 2)", False)
    assert clean_line_wkt("POLYGON ((0 0,1 0,1 1,0 0))")[1] is False


def test_search_radius_is_half_the_length_capped_at_25_m():
    assert search_radius(15.0, 3) == 7.5
    assert search_radius(70.0, 14) == 25.0
    assert search_radius(None, None) == 2.5  # one space when nothing is known


def test_last_uploaded_iso_and_month_first_csv():
    assert parse_last_uploaded("2020-02-09T23:02:15.000", "Europe/London") == datetime(
        2020, 2, 9, 23, 2, 15, tzinfo=UTC
    )
    # 04/08/2023 is 8 April (month first, as Socrata exports): BST, so 22:00:33 UTC
    assert parse_last_uploaded("04/08/2023 11:00:33 PM", "Europe/London") == datetime(2023, 4, 8, 22, 0, 33, tzinfo=UTC)
    assert parse_last_uploaded("yesterday", "Europe/London") is None


def test_suspension_times_naive_aware_gap_and_fold():
    assert parse_time("2026-01-15T09:00", LONDON) == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert parse_time("2026-07-15T09:00", LONDON) == datetime(2026, 7, 15, 8, 0, tzinfo=UTC)
    assert parse_time("2026-07-15T09:00:00+02:00", LONDON) == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
    assert parse_time("2026-07-15T09:00:00Z", LONDON) == datetime(2026, 7, 15, 9, 0, tzinfo=UTC)
    with pytest.raises(TimeError, match="does not exist"):
        parse_time("2026-03-29T01:30", LONDON)  # clocks go from 01:00 GMT to 02:00 BST
    # 01:30 on 25 October 2026 happens twice: the first (BST, 00:30 UTC) is meant
    assert parse_time("2026-10-25T01:30", LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    with pytest.raises(TimeError):
        parse_time("next tuesday", LONDON)
    assert parse_time("2026-05-01", LONDON, inclusive_end=True) == datetime(2026, 5, 1, 23, 0, tzinfo=UTC)
    assert parse_time("2026-05-01T18:59", LONDON, inclusive_end=True) == datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


def test_reason_keys_group_rejects_without_their_values():
    assert reason_key("cannot read maximum stay 'x y': not a duration") == "cannot read maximum stay"
    key = reason_key("cannot read times of operation 'mon 08:30-': unexpected text")
    assert key == "cannot read times of operation"
    assert reason_key("duplicate ref: '123' also at row 5") == "duplicate ref"
    assert reason_key("missing unique_identifier") == "missing unique_identifier"


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("stdout_tty", "stderr_tty", "ci", "shown"),
    [
        (True, True, None, True),
        (False, True, None, False),  # `parking load … > report.txt` or `| tee`: the report is not interactive
        (True, False, None, False),
        (True, True, "1", False),
    ],
)
def test_progress_bar_only_when_stdout_and_stderr_are_terminals(monkeypatch, stdout_tty, stderr_tty, ci, shown):
    monkeypatch.setattr("sys.stdout", _Stream(stdout_tty))
    monkeypatch.setattr("sys.stderr", _Stream(stderr_tty))
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert files.progress_enabled(True) is shown
    assert files.progress_enabled(False) is False
