"""Files that are not what they claim fail with a message about the file, never a traceback or a wrong format."""

from __future__ import annotations

import pytest

from loaders import runner
from loaders.events import load_events
from loaders.runner import run_load

BUNDLED_BAYS = runner.bundled_path(runner.BUNDLED[1][1])


@pytest.mark.parametrize("name", ["bays.json", "bays.csv", "bays.geojson"])
@pytest.mark.parametrize("content", ["", "  \n\n\t "])
def test_an_empty_file_is_reported_as_empty_whatever_its_name(committed_db_url, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    report = run_load(committed_db_url, "camden-bays", str(path))
    assert report.status == "failed"
    assert report.error == "the file is empty: no records"


def test_a_json_file_nested_beyond_reason_fails_cleanly(committed_db_url, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000)
    report = run_load(committed_db_url, "camden-bays", str(path))
    assert report.status == "failed"
    assert "nested too deeply" in report.error


def test_suspensions_and_events_say_empty_too(committed_db_url, tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("")
    assert run_load(committed_db_url, "suspensions", str(path), source="camden").error.startswith("the file is empty")
    assert run_load(committed_db_url, "camden-bays", str(BUNDLED_BAYS)).ok
    report = load_events(committed_db_url, str(path), source="camden")
    assert report.status == "failed" and "empty" in report.error
