"""A real ``parking serve`` for the serving tests: a free port, a migrated database, and the server run for the length
of a ``with`` block once ``/healthz`` answers (shared by test_serving.py and test_frozen_database.py)."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PARKING = Path(sys.executable).with_name("parking")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def upgrade(url: str, **environment: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, **environment}
    subprocess.run([str(PARKING), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=180)


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    finally:
        connection.close()


@contextlib.contextmanager
def running(argv: list[str], log_path: Path, port: int, env: dict[str, str] | None = None) -> Iterator[None]:
    """Run ``argv`` (logging to ``log_path``) until the end of the block, once ``/healthz`` answers on ``port``."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _healthy(port):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"{argv[0]} did not come up: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def serve(url: str, log_path: Path, *options: str, **environment: str) -> tuple[int, contextlib.AbstractContextManager]:
    """``parking serve`` on ``url`` with ``options`` and extra ``environment``: its port, and the block that runs it."""
    port = free_port()
    argv = [str(PARKING), "serve", "--port", str(port), "--no-control-socket", *options]
    return port, running(argv, log_path, port, {**os.environ, "DATABASE_URL": url, **environment})
