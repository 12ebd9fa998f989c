"""A real ``parking serve`` (gunicorn with the project's worker) on loopback: slow clients cannot starve it, what
gunicorn answers itself is problem+json, connections are kept alive, answers are gzipped on request, and its logs
carry no position or plate. Raw sockets, because an HTTP client library cannot send what these clients send."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from parking_api.serving import HEAD_TIMEOUT

from .served import PARKING, free_port, running, serve, upgrade

POSITION = "51.5234"  # a latitude no log line may carry
PLATE = "LX19QWE"


@pytest.fixture(scope="module")
def served(committed_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """``parking serve`` with its defaults on a free port: the port and the file holding everything it logged."""
    upgrade(committed_db_url)
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    port, running = serve(committed_db_url, log_path)
    with running:
        yield port, log_path


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _raw(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``data`` as it is and read the whole answer (the server closes after an error)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def _slow_client(port: int) -> socket.socket:
    """A client that sends a request line and headers but never the blank line that ends them."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(f"GET /v1/can-i-park?lat={POSITION}&lon=-0.1181 HTTP/1.1\r\nHost: localhost\r\n".encode())
    return sock


def _healthz_seconds(port: int) -> float:
    started = time.monotonic()
    status, _, _ = _get(port, "/healthz")
    assert status == 200
    return time.monotonic() - started


@pytest.mark.parametrize("clients", [2, 24])
def test_slow_clients_do_not_stall_healthz(served, clients):
    """Two sync workers were held for 30 s by two such clients; now every probe answers within a second."""
    port, _ = served
    slow = [_slow_client(port) for _ in range(clients)]
    try:
        time.sleep(0.5)  # the workers have read what the slow clients sent
        timings = [_healthz_seconds(port) for _ in range(10)]
    finally:
        for sock in slow:
            sock.close()
    assert max(timings) < 1.0, timings


def test_a_slow_client_is_dropped_after_the_head_timeout(served):
    port, _ = served
    sock = _slow_client(port)
    started = time.monotonic()
    try:
        sock.settimeout(HEAD_TIMEOUT + 10)
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(1024) == b""  # closed by the server, with no answer to an unfinished request
    finally:
        sock.close()
    assert time.monotonic() - started < HEAD_TIMEOUT + 5


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /v1/bays?near=51.5,-0.12&x=" + b"9" * 10_000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414),
        (b"GET /healthz HTTP/1.1\r\nHost: h\r\nX-Big: " + b"v" * 9_000 + b"\r\n\r\n", 431),
        (b"GET /healthz HTTP/1.1\r\nHost: h\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(150)) + b"\r\n", 431),
        (f"GET /v1/can-i-park?lat={POSITION}\0&lon=-0.1 HTTP/1.1\r\nHost: h\r\n\r\n".encode(), 400),
        (f"GET /v1/can-i-park?lat={POSITION}\x01&lon=-0.1 HTTP/1.1\r\nHost: h\r\n\r\n".encode(), 400),
        (b"NOT HTTP AT ALL\r\n\r\n", 400),
        (b"POST /v1/events HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", 400),
        (b"POST /v1/events HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST /v1/events HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n[]", 400),
        (b"POST /v1/events HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: foo\r\n\r\n", 501),
    ],
    ids=["long-line", "large-header", "many-headers", "nul", "control", "garbage", "cl-text", "cl-negative",
         "cl-twice", "coding"],
)
def test_what_gunicorn_answers_itself_is_problem_json(served, request_bytes, status):
    port, _ = served
    got, headers, body = _raw(port, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].startswith("/problems/") and problem["detail"]


def test_connections_are_kept_alive(served):
    port, _ = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sockets = []
    try:
        for _ in range(3):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert response.getheader("Connection", "").lower() != "close"
            sockets.append(connection.sock)
        assert sockets[0] is sockets[1] is sockets[2]  # one connection served all three
    finally:
        connection.close()


def test_answers_are_gzipped_when_asked(served):
    port, _ = served
    status, plain_headers, plain = _get(port, "/openapi.json")
    assert status == 200 and "content-encoding" not in plain_headers
    status, headers, packed = _get(port, "/openapi.json", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert "accept-encoding" in headers["vary"].lower()
    assert gzip.decompress(packed) == plain
    assert len(packed) < len(plain) / 3

    status, headers, packed = _get(port, "/docs/assets/swagger-ui-bundle.js", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert int(headers["content-length"]) == len(packed) < len(gzip.decompress(packed)) / 2


def test_logs_carry_no_position_nor_plate(served):
    """After requests whose line or headers gunicorn refuses, and one it serves, nothing in the log names them."""
    port, log_path = served
    for line in (
        f"GET /v1/can-i-park?lat={POSITION}\0&lon=-0.1 HTTP/1.1\r\nHost: h\r\n\r\n",
        f"GET /v1/can-i-park?lat={POSITION}&plate={PLATE}\x01 HTTP/1.1\r\nHost: h\r\n\r\n",
        f"GET /v1/can-i-park?lat={POSITION}&lon=-0.1 HTTP/1.1\r\nHost: h\r\nX-Plate: {PLATE}\0\r\n\r\n",
        f"GET /v1/can-i-park?lat={POSITION}&lon=-0.1&plate={PLATE}&x={'9' * 9000} HTTP/1.1\r\nHost: h\r\n\r\n",
    ):
        assert _raw(port, line.encode("latin-1"))[0] in (400, 414)
    assert _get(port, f"/v1/can-i-park?lat={POSITION}&lon=-0.1181&plate={PLATE}")[0] in (200, 400)
    time.sleep(0.5)  # the access log line is written after the answer
    logged = log_path.read_text(errors="replace")
    assert re.search(r"invalid request from 127\.0\.0\.1", logged)  # the refusals were logged, by kind only
    assert POSITION not in logged and PLATE not in logged


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CONFIG = Path(__file__).resolve().parents[2] / "proxy" / "nginx.conf"


@pytest.fixture(scope="module")
def proxied(committed_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """The compose set-up on loopback: proxy/nginx.conf (upstream and port rewritten) in front of ``parking
    serve`` trusting it, with a small limit (1/s, bursts of 3). The proxy's port and its access log."""
    if NGINX is None:
        pytest.fail("nginx is not installed: `make test` installs it (make test-tools)")
    upgrade(committed_db_url)
    work = tmp_path_factory.mktemp("proxy")
    os.chmod(work, 0o755)
    # one worker: each counts on its own, and this test counts exactly
    api_port, api = serve(committed_db_url, work / "api.log", "--workers", "1", PARKING_TRUSTED_PROXIES="127.0.0.1",
                           PARKING_RATE_LIMIT="1,3")
    port = free_port()
    config = CONFIG.read_text()
    for old, new in (
        ("server api:8000;", f"server 127.0.0.1:{api_port};"),
        ("listen 8080;", f"listen 127.0.0.1:{port};"),
        ("pid /tmp/nginx.pid;", f"pid {work}/nginx.pid;"),
        ("http {", f"http {{\n    client_body_temp_path {work}/body;\n    proxy_temp_path {work}/proxy;"),
    ):
        assert old in config
        config = config.replace(old, new, 1)
    if os.geteuid() == 0:
        config = "user root;\n" + config
    (work / "nginx.conf").write_text(config)
    argv = [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log"), "-g", "daemon off;"]
    with api, running(argv, work / "access.log", port):
        yield port, work / "access.log"


def test_behind_the_proxy_a_forged_forwarded_for_does_not_escape_the_limit(proxied):
    port, _ = proxied
    codes = [_get(port, "/problems/", {"X-Forwarded-For": f"198.51.100.{n}"})[0] for n in range(4)]
    assert codes == [200, 200, 200, 429]  # the proxy replaced each forged header with the address it saw


def test_the_proxys_own_errors_are_problem_json(proxied):
    port, _ = proxied
    for request_bytes, status in (
        (b"GET /v1/bays?x=" + b"9" * 40_000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414),
        (b"GET /healthz HTTP/1.1\r\nHost: h\r\nX-Big: " + b"v" * 9_000 + b"\r\n\r\n", 400),
        (b"NOT HTTP AT ALL\r\n\r\n", 400),
    ):
        got, headers, body = _raw(port, request_bytes)
        assert got == status
        assert headers["content-type"] == "application/problem+json"
        assert json.loads(body)["status"] == status


def test_behind_the_proxy_slow_clients_cost_nothing_and_answers_are_gzipped(proxied):
    port, access_log = proxied
    slow = [_slow_client(port) for _ in range(50)]
    try:
        time.sleep(0.5)
        assert max(_healthz_seconds(port) for _ in range(10)) < 1.0
    finally:
        for sock in slow:
            sock.close()
    time.sleep(1.2)  # a token back in this address's bucket (1/s), which the first test emptied
    status, headers, body = _get(port, "/openapi.json", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip" and json.loads(gzip.decompress(body))
    time.sleep(0.5)
    assert POSITION not in access_log.read_text(errors="replace")  # the slow clients' query strings


def test_two_instances_have_their_own_control_sockets(committed_db_url, tmp_path):
    """Each ``parking serve`` opens its control socket at a path of its own: two on one machine both keep theirs."""
    upgrade(committed_db_url)
    env = {**os.environ, "DATABASE_URL": committed_db_url}
    first_port, second_port = free_port(), free_port()
    first = running([str(PARKING), "serve", "--port", str(first_port)], tmp_path / "first.log", first_port, env)
    second = running([str(PARKING), "serve", "--port", str(second_port)], tmp_path / "second.log", second_port, env)
    with first, second:
        deadline = time.monotonic() + 10
        paths: list[str] = []
        while time.monotonic() < deadline:
            logs = [(tmp_path / name).read_text(errors="replace") for name in ("first.log", "second.log")]
            paths = [found.group(1) for log in logs if (found := re.search(r"Control socket listening at (\S+)", log))]
            if len(paths) == 2:
                break
            time.sleep(0.2)
        assert len(paths) == 2 and paths[0] != paths[1]
        assert all(Path(path).is_socket() for path in paths)
