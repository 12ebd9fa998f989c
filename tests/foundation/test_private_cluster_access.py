"""The private cluster is reachable only through its socket, in directories only the server's user can enter."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import make_url

LOCALDB = Path(__file__).resolve().parents[2] / "postgis" / "localdb.sh"


def _localdb(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(LOCALDB), *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_only_the_server_user_can_reach_the_socket(throwaway_cluster):
    if subprocess.run([str(LOCALDB), "check"], env=throwaway_cluster, capture_output=True).returncode != 0:
        pytest.skip("no local PostgreSQL/PostGIS to run a private cluster")
    _localdb(throwaway_cluster, "start", "guarded")
    url = make_url(_localdb(throwaway_cluster, "url", "guarded"))
    cluster = Path(throwaway_cluster["PARKING_PG_DIR"])
    socket_dir = cluster / "socket"
    server_user = url.username
    for directory in (cluster, socket_dir):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
        assert directory.owner() == server_user
    socket = socket_dir / f".s.PGSQL.{url.query['port']}"
    assert stat.S_ISSOCK(socket.stat().st_mode)
    assert stat.S_IMODE(socket.stat().st_mode) == 0o700

    # the invoking user (root included) connects; no TCP port is open
    conn = psycopg2.connect(dbname="guarded", host=str(socket_dir), port=url.query["port"], user=server_user)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW listen_addresses")
            assert cur.fetchone() == ("",)
    finally:
        conn.close()

    # another local user cannot reach the socket, whereas the invoking user can
    isready = shutil.which("pg_isready")
    if os.geteuid() == 0 and shutil.which("runuser") and isready and server_user != "nobody":
        command = [isready, "-h", str(socket_dir), "-p", url.query["port"]]
        assert subprocess.run(command, capture_output=True, timeout=30).returncode == 0
        attempt = subprocess.run(
            ["runuser", "-u", "nobody", "--", *command], capture_output=True, text=True, timeout=30
        )
        assert attempt.returncode == 2, attempt.stdout  # 2: no response (0 would be: accepting connections)
