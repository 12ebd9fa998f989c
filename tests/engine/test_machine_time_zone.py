"""Answers must not depend on the machine's time zone: the other engine test modules are run again in subprocesses
under ``TZ=UTC`` and ``TZ=Pacific/Auckland`` and must pass there too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
ZONE_NAMES = {"UTC": {"UTC"}, "Pacific/Auckland": {"NZST", "NZDT"}}


@pytest.mark.parametrize("zone", sorted(ZONE_NAMES))
def test_engine_tests_pass_under_another_machine_time_zone(zone: str) -> None:
    env = {**os.environ, "TZ": zone}
    probe = subprocess.run(
        [sys.executable, "-c", "import time; print(' '.join(time.tzname))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert set(probe.stdout.split()) & ZONE_NAMES[zone], f"TZ={zone} did not take effect: {probe.stdout!r}"

    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE.parent), "-q", "-x", "-p", "no:cacheprovider", "--ignore", str(HERE)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"under TZ={zone}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    assert " passed" in result.stdout
