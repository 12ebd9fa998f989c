"""How ``parking serve`` runs gunicorn: threaded workers that a slow client cannot starve, errors that gunicorn
answers itself as problem+json, and logs without request lines (they carry GPS positions).

A worker is gunicorn's ``gthread`` worker with these changes:

* a new connection's request head (line and headers) is gathered without holding a thread: a thread takes the
  request only once the blank line that ends the head has arrived, and a client that has not sent it within
  :data:`HEAD_TIMEOUT` seconds is dropped (gthread alone gives such a client a thread and holds it forever);
* after that a client gets :data:`IO_TIMEOUT` seconds per read or write (a slow body, a client that stops
  reading, a slow request on a kept-alive connection), then its thread is freed;
* what gunicorn answers before the app sees the request (414 request line too long, 431 headers too large, 400
  malformed request, bad ``Content-Length``...) is ``application/problem+json``, like every other error;
* those errors are logged by class only, never with the raw request line, and thinned during a flood.

In production a buffering reverse proxy sits in front (``docker-compose.yml``, ``proxy/nginx.conf``): it reads
whole requests before handing them on, so slow clients never reach a worker at all.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import time
from datetime import timedelta
from typing import Any

from gunicorn import util
from gunicorn.config import Config
from gunicorn.http import errors as http_errors
from gunicorn.http.wsgi import Response, default_environ
from gunicorn.workers.gthread import _DEFER, ThreadWorker

from parking_api.lograte import Throttle, held_note

HEAD_TIMEOUT = 10.0
"""Seconds a new connection may take to send its request line and headers."""

IO_TIMEOUT = 30.0
"""Seconds one read of the request's body, or one write of the answer, may take (a 250 KB page to a slow mobile
link must fit in it)."""

KEEPALIVE = 5
"""Seconds an idle kept-alive connection stays open: long enough for a page of requests, short enough that idle
clients cost little."""

_warnings = Throttle(every=5.0)


class _ClientSocket(socket.socket):
    """A client socket whose blocking mode has a deadline: gunicorn sets ``setblocking(True)`` before it reads a
    request, and this makes that an :data:`IO_TIMEOUT`; an expired read or write looks like a reset connection,
    which the worker closes quietly."""

    __slots__ = ()

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(IO_TIMEOUT)
        else:
            super().setblocking(False)

    def recv(self, *args: Any) -> bytes:
        try:
            return super().recv(*args)
        except TimeoutError as exc:
            raise ConnectionResetError(errno.ECONNRESET, "client too slow") from exc

    def recv_into(self, *args: Any) -> int:
        try:
            return super().recv_into(*args)
        except TimeoutError as exc:
            raise ConnectionResetError(errno.ECONNRESET, "client too slow") from exc

    def sendall(self, *args: Any) -> None:
        try:
            super().sendall(*args)
        except TimeoutError as exc:
            raise ConnectionResetError(errno.ECONNRESET, "client too slow") from exc


# (exception class, status, reason phrase, problem slug): the most specific class first
_ANSWERS: list[tuple[type[Exception], int, str, str]] = [
    (http_errors.InvalidResponseHeader, 500, "Internal Server Error", "internal-error"),
    (http_errors.InvalidResponseHeaderName, 500, "Internal Server Error", "internal-error"),
    (http_errors.ConfigurationProblem, 500, "Internal Server Error", "internal-error"),
    (http_errors.LimitRequestLine, 414, "URI Too Long", "request-too-large"),
    (http_errors.LimitRequestHeaders, 431, "Request Header Fields Too Large", "request-too-large"),
    (http_errors.UnsupportedTransferCoding, 501, "Not Implemented", "malformed-request"),
    (http_errors.ExpectationFailed, 417, "Expectation Failed", "malformed-request"),
    (http_errors.ForbiddenProxyRequest, 403, "Forbidden", "malformed-request"),
    (http_errors.ParseException, 400, "Bad Request", "malformed-request"),
]

_DETAILS = {
    414: "The request line (path and query string) is longer than the service accepts.",
    431: "The request's headers are more or larger than the service accepts.",
    501: "The request uses a transfer coding the service does not implement.",
    417: "The request's Expect header cannot be met.",
    403: "The request came through a proxy the service does not trust.",
    400: "The request is not valid HTTP (request line, headers or framing); nothing in it was used.",
    500: "An unexpected error occurred; it has been logged.",
}


def answer_for(exc: BaseException) -> tuple[int, str, str]:
    """Status, reason phrase and problem slug of what gunicorn could not serve."""
    for cls, status, reason, slug in _ANSWERS:
        if isinstance(exc, cls):
            return status, reason, slug
    return 500, "Internal Server Error", "internal-error"


def problem_bytes(status: int, reason: str, slug: str) -> bytes:
    """The whole HTTP response: problem+json, and the connection closed (the request's framing is not trusted)."""
    body = json.dumps(
        {"type": f"/problems/{slug}", "title": reason, "status": status, "detail": _DETAILS.get(status, reason)}
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
        f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


HEAD_LIMIT = 64 * 1024
"""Bytes of a request head gathered before the parser takes over (it refuses heads this large with 414/431)."""


class ParkingWorker(ThreadWorker):
    """gunicorn's threaded worker with client deadlines and problem+json errors (see the module's docstring)."""

    def handle(self, conn: Any) -> Any:
        if type(conn.sock) is socket.socket:
            conn.sock.__class__ = _ClientSocket  # same layout: only the methods above change
        if not conn.initialized and not self.cfg.is_ssl:  # TLS bytes are not a request head
            state = _gather_head(conn)
            if state is not True:
                return state
            conn.init()
            conn.parser.unreader.unread(conn.head)
        return super().handle(conn)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        status, reason, slug = answer_for(exc)
        peer = addr[0] if isinstance(addr, tuple) and addr else "unix"
        if status >= 500:
            # the class only: a request line or header value may carry a position
            held = _warnings.allow("internal")
            if held is not None:
                self.log.error("error handling a request: %s%s", exc.__class__.__name__, held_note(held))
        else:
            held = _warnings.allow("invalid")  # one key: many peers must not grow the table
            if held is not None:
                self.log.warning("invalid request from %s: %s%s", peer, exc.__class__.__name__, held_note(held))
        try:
            util.write_nonblock(client, problem_bytes(status, reason, slug))
        except Exception:
            self.log.debug("failed to send an error response")
        if req is None and isinstance(exc, (http_errors.InvalidHeader, http_errors.InvalidHeaderName)):
            req = exc.req  # the request whose headers failed, for the access log (path only, as always)
        if req is not None:
            environ = default_environ(req, client, self.cfg)
            environ["REMOTE_ADDR"] = peer
            resp = Response(req, client, self.cfg)
            resp.status = f"{status} {reason}"
            resp.response_length = 0
            self.log.access(resp, req, environ, timedelta(0))


def _gather_head(conn: Any) -> Any:
    """Read what a new connection has sent so far without waiting: ``True`` once the request's head (line and
    headers) is complete, gthread's "defer" (back to the poller, no thread held) while it is not, ``False`` (close)
    when the client hung up or took longer than :data:`HEAD_TIMEOUT` to send it."""
    if not hasattr(conn, "head"):
        conn.head = b""
        conn.head_deadline = time.monotonic() + HEAD_TIMEOUT
    socket.socket.setblocking(conn.sock, False)
    try:
        while len(conn.head) < HEAD_LIMIT:
            chunk = socket.socket.recv(conn.sock, HEAD_LIMIT)
            if not chunk:
                return False
            conn.head += chunk
    except (BlockingIOError, InterruptedError):
        pass
    except OSError:
        return False
    if b"\r\n\r\n" in conn.head or b"\n\n" in conn.head or len(conn.head) >= HEAD_LIMIT:
        return True
    if time.monotonic() > conn.head_deadline:
        return False
    conn.data_ready = False
    return _DEFER


ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
"""The path without the query string: no GPS positions in the access log."""


def control_socket_path() -> str:
    """This instance's control socket (``gunicornc``): named after the master's process id, in gunicorn's own
    directory, so two instances on one machine never share one."""
    directory = os.path.dirname(Config().settings["control_socket"].get())
    return os.path.join(directory, f"parking-{os.getpid()}.ctl")


def gunicorn_argv(
    host: str, port: int, *, workers: int, threads: int, timeout: int, control_socket: str | None
) -> list[str]:
    """The gunicorn command line of ``parking serve``."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        f"{__name__}.ParkingWorker",
        "--threads",
        str(threads),
        "--keep-alive",
        str(KEEPALIVE),
        "--timeout",
        str(timeout),
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--access-logfile",
        "-",
    ]
    argv += ["--control-socket", control_socket] if control_socket else ["--no-control-socket"]
    return [*argv, "parking_api.wsgi:app"]
