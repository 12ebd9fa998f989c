"""A frozen database (every PostgreSQL process stopped with SIGSTOP: it accepts bytes and never answers) must not
hang ``parking serve``: requests that need it get 503 problem+json with Retry-After within the configured bound,
/healthz keeps answering at once, the log gets a few lines rather than one per request, and service comes back by
itself when the database thaws. Runs on a throwaway cluster of its own, never the shared test server."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .served import serve, upgrade

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "postgis" / "localdb.sh"
TIMEOUT_MS = 2000
# a plain read, and the driver's answer (a prepared statement, whose failure must stay a database error: a 503)
PATHS = ("/v1/sources", "/v1/can-i-park?lat=51.54&lon=-0.16")


def _localdb(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    return result.stdout.strip()


def _cluster_pids(env: dict[str, str]) -> list[int]:
    """The postmaster and all its children."""
    data = Path(env["PARKING_PG_DIR"]) / "data"
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True)
    return [postmaster, *(int(pid) for pid in children.stdout.split())]


def _get(port: int, path: str) -> tuple[int, dict[str, str], bytes, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, body, time.monotonic() - started
    finally:
        connection.close()


@pytest.fixture
def frozen_setup(throwaway_cluster: dict[str, str], tmp_path: Path):
    """A migrated database on a private cluster, served by ``parking serve`` with a 2 s database bound."""
    env = throwaway_cluster
    _localdb(env, "start", "frozen")
    url = _localdb(env, "url", "frozen")
    settings = {"PARKING_DB_TIMEOUT_MS": str(TIMEOUT_MS), "PARKING_RATE_LIMIT": "off"}
    upgrade(url, **settings)
    log_path = tmp_path / "serve.log"
    port, server = serve(url, log_path, **settings)
    with server:
        yield env, port, log_path


def test_a_frozen_database_gives_prompt_503s_and_service_resumes(frozen_setup):
    env, port, log_path = frozen_setup
    with ThreadPoolExecutor(8) as pool:
        # pooled connections in each worker, with the driver answer's prepared statement on them
        warm = list(pool.map(lambda i: _get(port, PATHS[i % 2]), range(16)))
    assert {status for status, *_ in warm} == {200}

    pids = _cluster_pids(env)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    frozen_at = time.monotonic()
    try:
        with ThreadPoolExecutor(12) as pool:
            during = pool.map(lambda i: _get(port, PATHS[i % 2]), range(24))
            probes = [_get(port, "/healthz") for _ in range(5)]
            answers = list(during)
        for status, headers, body, seconds in answers:
            assert status == 503, body
            assert headers["content-type"] == "application/problem+json"
            assert int(headers["retry-after"]) > 0
            assert json.loads(body)["status"] == 503
            assert seconds < 5.0  # 2 s for the database, 5 s at most (the bound) with the test's load
        assert all(status == 200 and seconds < 0.5 for status, _, _, seconds in probes), probes
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    frozen_for = time.monotonic() - frozen_at

    deadline = time.monotonic() + 15
    status = None
    while time.monotonic() < deadline:
        status = _get(port, "/v1/sources")[0]
        if status == 200:
            break
        time.sleep(0.2)
    assert status == 200  # no restart needed

    warnings = [line for line in log_path.read_text(errors="replace").splitlines() if "WARNING" in line]
    # at most one line per kind every 5 s per worker process, not one per failed request
    assert len(warnings) <= 2 * 2 * (frozen_for // 5 + 1), warnings



def test_a_connection_lost_after_the_answer_does_not_turn_it_into_a_500(committed_db_url):
    """The database goes away between a request's last query and the end of the request (its session's rollback
    fails): the answer already made stands."""
    from sqlalchemy import text

    from parking_api.app import create_app
    from parking_api.settings import Settings
    from parking_api.store.db import get_session

    app = create_app(Settings(database_url=committed_db_url, rate_limit="off"), testing=True)

    @app.get("/test-lost-connection")
    def lost() -> dict:
        session = get_session()
        session.execute(text("SELECT 1"))
        fd = session.connection().connection.dbapi_connection.fileno()
        with socket.socket(fileno=os.dup(fd)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)  # as if the server had gone
        return {"answered": True}

    try:
        response = app.test_client().get("/test-lost-connection")
        assert response.status_code == 200 and response.get_json() == {"answered": True}
    finally:
        app.extensions["parking_engine"].dispose()
