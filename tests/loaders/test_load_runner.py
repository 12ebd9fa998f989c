"""The runner and the CLI: replace-by-source, all or nothing, failures, dry runs, reports, history, bundled data,
URLs, and readers during a load."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from loader_testlib import BAYS_2020, CSV_2023, bays_2020, write_json
from sqlalchemy import create_engine, pool, text

from loaders.base import UsageError
from loaders.runner import bundled_path, run_load
from parking_api.cli import main
from parking_api.store.db import sqlalchemy_url


def cli(url: str, *args: str):
    return CliRunner().invoke(main, ["load", *args], env={"DATABASE_URL": url, "CI": "1"}, catch_exceptions=False)


# --- replace by source -----------------------------------------------------------------------------------------


def test_newer_file_updates_retires_and_brings_back(fresh_db_url, db, tmp_path):
    rows = bays_2020()
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).loaded == 1000
    ids = {r["ref"]: r["id"] for r in db.rows("SELECT id, ref FROM places")}
    gone, changed = rows[0]["unique_identifier"], rows[1]["unique_identifier"]
    newer = [dict(r) for r in rows[1:]]
    newer[0]["road_name"] = "Renamed Road"
    report = run_load(fresh_db_url, "camden-bays", str(write_json(tmp_path / "newer.json", newer)))
    assert (report.read, report.loaded, report.retired) == (999, 999, 1)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 998)
    got = {r["ref"]: r for r in db.rows("SELECT id, ref, road, retired_at FROM places")}
    assert len(got) == 1000  # retired, not deleted: kept for history
    assert got[gone]["retired_at"] is not None
    assert got[changed]["road"] == "Renamed Road" and got[changed]["id"] == ids[changed]
    assert db.scalar("SELECT count(*) FROM places WHERE retired_at IS NULL") == 999
    # the full file again: the retired bay comes back under its old id
    report = run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    assert (report.retired, report.updated) == (0, 2)
    back = db.rows("SELECT id, retired_at FROM places WHERE ref = :ref", ref=gone)[0]
    assert back == {"id": ids[gone], "retired_at": None}


def test_sources_are_independent(fresh_db_url, db, tmp_path):
    run_load(fresh_db_url, "camden-bays", str(BAYS_2020))
    report = run_load(fresh_db_url, "camden-bays", str(CSV_2023), source="camden-2023")
    assert report.loaded == 8 and report.retired == 0
    assert db.scalar("SELECT count(*) FROM places WHERE retired_at IS NULL") == 1008


# --- all or nothing ----------------------------------------------------------------------------------------------


def _corrupt_files(tmp_path: Path) -> dict[str, Path]:
    raw = BAYS_2020.read_bytes()
    csv_text = CSV_2023.read_text(encoding="utf-8")
    files = {
        "truncated-json": raw[: len(raw) // 2],
        "truncated-csv": csv_text[: len(csv_text) - 300].encode("utf-8"),
        "bad-encoding": csv_text.replace("£", "\u00a3").encode("utf-8").replace("£".encode(), b"\xa3"),
        "not-json": b"[{this is not json}]",
        "html": b"<html><body>Service unavailable</body></html>\n",
    }
    out = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.{'json' if 'json' in name else 'csv'}"
        path.write_bytes(data)
        out[name] = path
    return out


def test_corrupt_files_fail_the_run_and_change_nothing(fresh_db_url, db, tmp_path):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    before = db.snapshot()
    for name, path in _corrupt_files(tmp_path).items():
        result = cli(fresh_db_url, "camden-bays", str(path), "--json")
        assert result.exit_code == 1, (name, result.output)
        report = json.loads(result.output)
        assert report["status"] == "failed" and report["error"], name
        run = db.rows("SELECT status, error FROM load_runs WHERE id = :id", id=report["run_id"])[0]
        assert run["status"] == "failed" and run["error"] == report["error"], name
        assert db.snapshot() == before, name
    errors = [r["error"] for r in db.rows("SELECT error FROM load_runs WHERE status = 'failed' ORDER BY id")]
    assert any("truncated" in e for e in errors)
    assert any("UTF-8" in e for e in errors)
    missing = cli(fresh_db_url, "camden-bays", str(tmp_path / "no-such-file.json"))
    assert missing.exit_code == 1 and "no such file" in missing.output + (missing.stderr or "")
    assert db.snapshot() == before


def test_crash_during_the_swap_leaves_the_data_untouched(fresh_db_url, db, tmp_path):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    before = db.snapshot()
    smaller = write_json(tmp_path / "smaller.json", bays_2020()[:500])

    def crash(phase: str) -> None:
        if phase == "swapped":  # everything written, not yet committed: as Ctrl-C at the worst moment
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_load(fresh_db_url, "camden-bays", str(smaller), hook=crash, allow_shrink=True)
    assert db.snapshot() == before
    run = db.rows("SELECT status, error FROM load_runs ORDER BY id DESC LIMIT 1")[0]
    assert run == {"status": "failed", "error": "interrupted"}


@pytest.mark.parametrize("phase", ["staged", "swapped"])
def test_an_interrupted_run_is_recorded_with_nothing_loaded(fresh_db_url, db, tmp_path, phase):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    before = db.snapshot()
    smaller = write_json(tmp_path / "smaller.json", bays_2020()[:500])

    def crash(at: str) -> None:
        if at == phase:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_load(fresh_db_url, "camden-bays", str(smaller), hook=crash, allow_shrink=True)
    assert db.snapshot() == before
    run = db.rows("SELECT status, error, read, loaded, rejected, retired, rejected_by_reason FROM load_runs"
                  " ORDER BY id DESC LIMIT 1")[0]  # fmt: skip
    # the history never says that a failed run loaded (or retired) anything, and read = loaded + rejected holds
    assert run == {"status": "failed", "error": "interrupted", "read": 0, "loaded": 0, "rejected": 0, "retired": 0,
                   "rejected_by_reason": {}}  # fmt: skip


def test_a_usage_error_found_in_the_file_is_recorded_in_words(fresh_db_url, db, tmp_path):
    feed = {"type": "FeatureCollection", "manifest": {"curblrVersion": "1.1.0"}, "features": []}
    with pytest.raises(UsageError, match="--timezone"):
        run_load(fresh_db_url, "curblr", str(write_json(tmp_path / "no-tz.curblr.json", feed)), source="no-tz")
    run = db.rows("SELECT status, error FROM load_runs ORDER BY id DESC LIMIT 1")[0]
    assert run["status"] == "failed"
    assert run["error"].startswith("the CurbLR manifest has no") and "--timezone" in run["error"]


def test_a_run_left_running_by_a_killed_process_is_marked_failed(fresh_db_url, db):
    db.execute(
        "INSERT INTO load_runs (source_name, kind, location, status) VALUES ('camden', 'camden-bays', 'x', 'running')"
    )
    run_load(fresh_db_url, "camden-cpz", str(bundled_path("camden/camden_cpz.geojson")))
    stale = db.rows("SELECT status, error FROM load_runs WHERE location = 'x'")[0]
    assert stale["status"] == "failed" and "interrupted" in stale["error"]


def test_nothing_loadable_fails_and_keeps_the_rejects(fresh_db_url, db, tmp_path):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    before = db.snapshot()
    bad = [{"unique_identifier": str(i), "restriction_type": "unicorn parking"} for i in range(3)]
    result = cli(fresh_db_url, "camden-bays", str(write_json(tmp_path / "bad.json", bad)), "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert (report["status"], report["read"], report["loaded"], report["rejected"]) == ("failed", 3, 0, 3)
    assert report["error"] == "nothing could be loaded"
    assert db.scalar("SELECT count(*) FROM load_rejects WHERE run_id = :r", r=report["run_id"]) == 3
    assert db.snapshot() == before


def test_dry_run_reports_and_changes_nothing(fresh_db_url, db, tmp_path):
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    before = db.snapshot()
    half = str(write_json(tmp_path / "half.json", bays_2020()[:600]))
    result = cli(fresh_db_url, "camden-bays", half, "--dry-run", "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert "dry_run" in result.output
    assert db.snapshot() == before
    run = db.rows("SELECT status, read, loaded, retired FROM load_runs ORDER BY id DESC LIMIT 1")[0]
    assert run == {"status": "dry_run", "read": 600, "loaded": 600, "retired": 400}


# --- the CLI ---------------------------------------------------------------------------------------------------


def test_usage_errors_exit_2(fresh_db_url, tmp_path):
    path = str(write_json(tmp_path / "x.json", []))
    for kind in ("suspensions", "curblr", "mapped"):
        result = CliRunner().invoke(main, ["load", kind, path], env={"DATABASE_URL": fresh_db_url})
        assert result.exit_code == 2, (kind, result.output)
        assert "--source" in result.output
    assert CliRunner().invoke(main, ["load", "no-such-kind", path], env={"DATABASE_URL": fresh_db_url}).exit_code == 2
    with pytest.raises(UsageError):
        run_load(fresh_db_url, "suspensions", path)
    with pytest.raises(UsageError):
        run_load(fresh_db_url, "camden-bays", path, timezone="Mars/Olympus")


def test_help_everywhere():
    runner = CliRunner()
    for args in (
        ["load", "--help"],
        *[["load", kind, "--help"] for kind in ("camden-bays", "camden-cpz", "suspensions", "curblr", "mapped")],
        ["load", "history", "--help"],
        ["load", "rejects", "--help"],
        ["load", "bundled", "--help"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 0 and "Usage:" in result.output, args


def test_json_report_history_and_rejects(fresh_db_url, tmp_path):
    rows = bays_2020()[:5]
    rows[2] = {**rows[2], "maximum_stay": "a good while"}
    result = cli(fresh_db_url, "camden-bays", str(write_json(tmp_path / "five.json", rows)), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)  # exactly one JSON object
    for key in ("run_id", "read", "loaded", "rejected", "rejected_by_reason", "retired", "flagged_by_reason"):
        assert key in report
    assert (report["read"], report["loaded"], report["rejected"]) == (5, 4, 1)
    assert report["rejected_by_reason"] == {"cannot read maximum stay": 1}
    assert (report["status"], report["source"], report["kind"]) == ("succeeded", "camden", "camden-bays")

    text_report = cli(fresh_db_url, "camden-bays", str(tmp_path / "five.json"))
    assert text_report.exit_code == 0
    for word in ("read", "loaded", "rejected", "flagged", "retired", "cannot read maximum stay"):
        assert word in text_report.output

    history = cli(fresh_db_url, "history", "--json")
    runs = json.loads(history.output)
    assert [r["run_id"] for r in runs][:2] == [report["run_id"] + 1, report["run_id"]]
    assert runs[1]["status"] == "succeeded" and runs[1]["rejected"] == 1
    assert cli(fresh_db_url, "history", "--source", "nobody", "--json").output.strip() == "[]"
    assert "camden-bays" in cli(fresh_db_url, "history").output

    rejects = json.loads(cli(fresh_db_url, "rejects", str(report["run_id"]), "--json").output)
    assert len(rejects) == 1
    assert rejects[0]["row_number"] == 3 and rejects[0]["field"] == "maximum_stay"
    assert rejects[0]["raw"] == "a good while" and "a good while" in rejects[0]["reason"]
    text_rejects = cli(fresh_db_url, "rejects", str(report["run_id"])).output
    assert "row 3" in text_rejects and "maximum_stay" in text_rejects
    assert cli(fresh_db_url, "rejects", "999999").exit_code == 1


def test_the_installed_command_in_a_subprocess(fresh_db_url, tmp_path):
    parking = shutil.which("parking", path=str(Path(sys.executable).parent))
    assert parking, "the parking command is installed next to the interpreter"
    env = {"DATABASE_URL": fresh_db_url, "PATH": str(Path(sys.executable).parent), "CI": "1"}
    cut = tmp_path / "cut.json"
    cut.write_bytes(BAYS_2020.read_bytes()[:100_000])
    done = subprocess.run([parking, "load", "camden-bays", str(cut)], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "truncated" in done.stdout + done.stderr
    done = subprocess.run(
        [parking, "load", "camden-cpz", str(bundled_path("camden/camden_cpz.geojson")), "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["loaded"] == 53
    assert done.stderr == ""  # no progress bar when not on a terminal


def test_bundled_twice(fresh_db_url, db):
    assert bundled_path("camden/camden_cpz.geojson").is_file()
    assert bundled_path("camden/README.md").is_file()
    first = cli(fresh_db_url, "bundled")
    assert first.exit_code == 0, first.output
    assert db.scalar("SELECT count(*) FROM zones") == 50
    assert db.scalar("SELECT count(*) FROM places") == 1000
    second = cli(fresh_db_url, "bundled")
    assert second.exit_code == 0
    assert second.output.count("already loaded, skipping") == 2
    assert db.scalar("SELECT count(*) FROM load_runs") == 2


def test_load_from_a_url(fresh_db_url, db):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(BAYS_2020.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        report = run_load(fresh_db_url, "camden-cpz", f"{base}/camden_cpz.geojson")
        assert (report.status, report.loaded) == ("succeeded", 53)
        assert report.location.startswith("http://")
        missing = run_load(fresh_db_url, "camden-cpz", f"{base}/nothing-here.geojson")
        assert missing.status == "failed" and "cannot download" in missing.error
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert db.scalar("SELECT count(*) FROM zones") == 50


# --- readers during a load ---------------------------------------------------------------------------------------


def test_readers_see_old_or_new_data_never_a_mix(fresh_db_url, db, tmp_path):
    rows = bays_2020()
    assert run_load(fresh_db_url, "camden-bays", str(BAYS_2020)).status == "succeeded"
    newer = [{**r, "road_name": "NEW " + r["road_name"]} for r in rows[:900]]
    path = write_json(tmp_path / "newer.json", newer)
    old_state, new_state = (1000, 0), (900, 900)

    reader = create_engine(sqlalchemy_url(fresh_db_url), poolclass=pool.NullPool)

    def state() -> tuple[int, int]:
        # a reader that would rather fail than wait: any lock the load held against it would show as an error
        with reader.connect() as conn:
            conn.execute(text("SET lock_timeout = '2s'; SET statement_timeout = '5s'"))
            live, new = conn.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE road LIKE 'NEW %') FROM places"
                    " WHERE retired_at IS NULL AND ST_DWithin(geom::geography,"
                    " ST_SetSRID(ST_MakePoint(-0.14, 51.54), 4326)::geography, 50000)"
                )
            ).one()
            return live, new

    staged, swapped = threading.Event(), threading.Event()
    release_staged, release_swapped = threading.Event(), threading.Event()
    load_done = threading.Event()

    def hook(phase: str) -> None:
        if phase == "staged":
            staged.set()
            assert release_staged.wait(60)
        elif phase == "swapped":
            swapped.set()
            assert release_swapped.wait(60)

    outcome: dict[str, object] = {}

    def load() -> None:
        try:
            outcome["report"] = run_load(fresh_db_url, "camden-bays", str(path), hook=hook, allow_shrink=True)
        except BaseException as exc:  # pragma: no cover - reported below
            outcome["error"] = exc
        finally:
            load_done.set()

    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def keep_reading() -> None:
        while not load_done.is_set():
            try:
                seen.append(state())
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return

    loader = threading.Thread(target=load)
    background = threading.Thread(target=keep_reading)
    loader.start()
    background.start()
    try:
        assert staged.wait(60), "the load never reached its staging point"
        assert state() == old_state  # staged in TEMP tables: nothing visible yet
        release_staged.set()
        assert swapped.wait(60), "the load never reached its swap point"
        assert state() == old_state  # upserted and retired, not committed: readers still see the old data
        release_swapped.set()
    finally:
        release_staged.set()
        release_swapped.set()
        loader.join(120)
        background.join(120)
        reader.dispose()
    assert "error" not in outcome, outcome.get("error")
    report = outcome["report"]
    assert report.status == "succeeded" and report.retired == 100
    assert not errors, errors
    assert seen, "the background reader ran"
    assert set(seen) <= {old_state, new_state}
    assert db.scalar("SELECT count(*) FROM places WHERE retired_at IS NULL") == 900
