"""Answers must not depend on the machine's time zone: the engine test modules are run again in subprocesses under
``TZ=UTC`` and ``TZ=Pacific/Auckland`` and must pass there too."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

GUARD = "PARKING_ENGINE_TZ_RUN"  # set in the subprocess: the name of the zone it runs under
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


@pytest.mark.skipif(bool(os.environ.get(GUARD)), reason="already running under another machine time zone")
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
def test_engine_tests_pass_under_another_machine_time_zone(zone: str) -> None:
    env = {**os.environ, "TZ": zone, GUARD: zone}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE), "-q", "-x", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"under TZ={zone}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    assert " passed" in result.stdout


@pytest.mark.skipif(not os.environ.get(GUARD), reason="only inside the time-zone subprocess")
def test_the_subprocess_really_runs_in_that_zone() -> None:
    expected = {"UTC": {"UTC"}, "Pacific/Auckland": {"NZST", "NZDT"}}[os.environ[GUARD]]
    assert set(time.tzname) & expected
