"""``parking report usage`` on the hand-written log: the CSVs the API gives and three readable PNG charts."""

from __future__ import annotations

import csv

from click.testing import CliRunner
from PIL import Image

from parking_api.cli import main

CHARTS = ("occupancy_by_hour_of_week.png", "dwell_times.png", "top_overstay_streets.png")


def test_the_report_writes_the_csvs_and_the_charts(handtown, tmp_path, api, council):
    out = tmp_path / "report"
    result = CliRunner().invoke(
        main,
        ["report", "usage", "--zone", "HT-A", "--from", "2026-10-24", "--to", "2026-10-26", "--out", str(out)],
        env={"DATABASE_URL": handtown},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "zone HT-A: 2 bays, 8 sessions, 2 overstays" in result.output
    with open(out / "bays.csv", encoding="utf-8") as f:
        bays = {row["ref"]: row for row in csv.DictReader(f)}
    api_rows = api.get("/v1/usage/bays", query_string={"from": "2026-10-24", "to": "2026-10-26", "zone": "HT-A"},
                       headers=council).get_json()["rows"]  # fmt: skip
    assert {r["ref"]: str(r["total_sessions"]) for r in api_rows} == {k: v["total_sessions"] for k, v in bays.items()}
    with open(out / "overstays.csv", encoding="utf-8") as f:
        assert [row["kind"] for row in csv.DictReader(f)] == ["max_stay", "suspended"]
    with open(out / "zone_days.csv", encoding="utf-8") as f:
        assert [row["bucket_start"] for row in csv.DictReader(f)] == [
            "2026-10-24T00:00:00+01:00", "2026-10-25T00:00:00+01:00"]  # fmt: skip
    for name in CHARTS:
        with Image.open(out / name) as image:
            image.verify()
        with Image.open(out / name) as image:
            assert image.format == "PNG"
            width, height = image.size
            assert 800 <= width <= 2000 and 350 <= height <= 1200, (name, image.size)
            assert len(image.convert("L").getcolors(maxcolors=256) or range(257)) > 20, f"{name} is nearly blank"


def test_an_unknown_zone_is_an_error(handtown, tmp_path):
    result = CliRunner().invoke(
        main,
        ["report", "usage", "--zone", "XX", "--from", "2026-10-24", "--to", "2026-10-26", "--out", str(tmp_path)],
        env={"DATABASE_URL": handtown},
    )
    assert result.exit_code == 1
    assert "no bays in zone 'XX'" in result.output


def test_a_bad_date_names_the_option(handtown, tmp_path):
    result = CliRunner().invoke(
        main,
        ["report", "usage", "--zone", "HT-A", "--from", "24/10/2026", "--to", "2026-10-26", "--out", str(tmp_path)],
        env={"DATABASE_URL": handtown},
    )
    assert result.exit_code == 2
    assert "--from" in result.output
