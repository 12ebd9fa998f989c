"""Stopping the database makes /readyz answer 503 (JSON); it recovers by itself when the database is back.

Runs on a throwaway cluster of its own (never the shared test cluster), started with the project's script.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from parking_api.app import create_app
from parking_api.settings import Settings
from parking_api.store import migrate

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "postgis" / "localdb.sh"


def _localdb(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    return result.stdout.strip()


@pytest.fixture
def readyz_cluster(throwaway_cluster: dict[str, str]) -> tuple[dict[str, str], str]:
    """A private cluster, started, with a database "readyz": its environment and the database's URL."""
    _localdb(throwaway_cluster, "start", "readyz")
    return throwaway_cluster, _localdb(throwaway_cluster, "url", "readyz")


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


def test_readyz_follows_the_database(readyz_cluster):
    env, url = readyz_cluster
    migrate.upgrade(url)
    app = create_app(Settings(database_url=url))
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
