"""Stopping the database makes /readyz answer 503 (JSON); it recovers by itself when the database is back.

Runs on a throwaway cluster of its own (never the shared test cluster), started with the project's script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from parking_api.app import create_app
from parking_api.store import migrate

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "postgis" / "localdb.sh"


def _localdb(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    return result.stdout.strip()


@pytest.fixture
def throwaway_cluster() -> Iterator[tuple[dict[str, str], str]]:
    # Under /var/tmp rather than pytest's tmp_path: the server runs as an unprivileged user who must reach it.
    base = tempfile.mkdtemp(prefix="parking-readyz-", dir="/var/tmp")
    os.chmod(base, 0o755)
    env = {**os.environ, "PARKING_PG_DIR": str(Path(base) / "cluster"), "PARKING_PG_PORT": "5491"}
    env.pop("DATABASE_URL", None)
    try:
        _localdb(env, "start", "readyz")
        yield env, _localdb(env, "url", "readyz")
    finally:
        subprocess.run(["bash", str(SCRIPT), "clean"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


def _get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.load(error)


def _poll_status(url: str, wanted: int, attempts: int = 100) -> int:
    """Poll with a bound (no fixed sleep): the pool may need a request or two to notice the restart."""
    status = None
    for _ in range(attempts):
        status, _, _ = _get(url)
        if status == wanted:
            return status
        time.sleep(0.1)
    return status


def test_readyz_follows_the_database(throwaway_cluster):
    env, url = throwaway_cluster
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    readyz = f"http://127.0.0.1:{server.server_port}/readyz"
    try:
        assert _get(readyz)[0] == 200

        _localdb(env, "stop")
        status, content_type, body = _get(readyz)
        assert status == 503
        assert content_type == "application/problem+json"
        assert body["status"] == 503
        assert _get(readyz.replace("readyz", "healthz"))[0] == 200  # the process itself is fine

        _localdb(env, "start", "readyz")
        assert _poll_status(readyz, 200) == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)
