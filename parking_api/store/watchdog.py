"""A client-side deadline on every database round trip of a request, so that a frozen server cannot hang workers.

A stopped server refuses connections at once, but a frozen one (SIGSTOP, a hung host, a stalled network) accepts
bytes and never answers: its ``statement_timeout`` cannot fire, and libpq waits for ever. So each request
connection comes from :func:`connection_class`: every ``execute``, ``commit`` and ``rollback`` is registered with
a deadline, and one thread per process shuts down the socket of a call still waiting when its deadline passes.
libpq then reports the connection lost, SQLAlchemy discards it (and the rest of the pool), the request answers 503
with ``Retry-After``, and later requests reconnect by themselves once the server answers again. Connecting is
bounded by libpq's ``connect_timeout`` and waiting for a pooled connection by the pool's timeout (see
:func:`engine_options`).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from psycopg2.extensions import STATUS_BEGIN
from psycopg2.extensions import connection as Psycopg2Connection
from psycopg2.extensions import cursor as Psycopg2Cursor

from parking_api.lograte import Throttle, held_note

log = logging.getLogger(__name__)
_warnings = Throttle(every=5.0)

POLL_SECONDS = 0.1
"""How often the watchdog looks at the calls in progress: the slack on top of a deadline."""


class _Watchdog:
    """The calls in progress in this process (socket and deadline), and the thread that ends the late ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[int, tuple[float, int]] = {}  # token -> (deadline, socket fd)
        self._next = 0
        self._pid = -1

    def arm(self, fd: int, seconds: float) -> int:
        with self._lock:
            if self._pid != os.getpid():  # first use in this process (threads do not survive a fork)
                self._pid = os.getpid()
                self._calls.clear()
                threading.Thread(target=self._run, name="db-watchdog", daemon=True).start()
            self._next += 1
            self._calls[self._next] = (time.monotonic() + seconds, fd)
            return self._next

    def disarm(self, token: int) -> None:
        with self._lock:
            self._calls.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(POLL_SECONDS)
            now = time.monotonic()
            with self._lock:  # held while shutting down: a call cannot finish (and its fd be reused) meanwhile
                late = [token for token, (deadline, _) in self._calls.items() if deadline <= now]
                for token in late:
                    _, fd = self._calls.pop(token)
                    _shut_down(fd)
            if late:
                held = _warnings.allow("late")
                if held is not None:
                    log.warning("database did not answer in time: %d connection(s) dropped%s", len(late),
                                held_note(held))


def _shut_down(fd: int) -> None:
    """Shut the socket down (the blocked call returns at once); the connection's own descriptor stays open."""
    try:
        duplicate = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        duplicate.close()


_WATCHDOG = _Watchdog()


def _bounded(connection: WatchedConnection, call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)``, a round trip on ``connection``, under its deadline. A plain function rather than a context
    manager: it runs on every round trip of every request, and a generator-based one cost several times the
    dictionary insert it wraps."""
    token = _WATCHDOG.arm(connection.fileno(), connection.timeout_seconds)
    try:
        return call(*args)
    finally:
        _WATCHDOG.disarm(token)


class _WatchedCursor(Psycopg2Cursor):
    def execute(self, query: Any, vars: Any = None) -> Any:
        return _bounded(self.connection, super().execute, query, vars)

    def executemany(self, query: Any, vars_list: Any) -> Any:
        return _bounded(self.connection, super().executemany, query, vars_list)


class WatchedConnection(Psycopg2Connection):
    """A psycopg2 connection whose calls that wait on the server are bounded by :attr:`timeout_seconds`."""

    timeout_seconds: float = 5.0

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cursor_factory", _WatchedCursor)
        return super().cursor(*args, **kwargs)

    def commit(self) -> None:
        _bounded(self, super().commit)

    def rollback(self) -> None:
        if self.status != STATUS_BEGIN:  # no transaction open: psycopg2 sends nothing, so there is nothing to bound
            super().rollback()  # (the pool's reset after the session's own rollback is this case)
            return
        _bounded(self, super().rollback)


@lru_cache(maxsize=8)
def connection_class(timeout_ms: int) -> type[WatchedConnection]:
    """The connection class for ``timeout_ms`` (psycopg2's ``connection_factory``)."""
    return type("WatchedConnection", (WatchedConnection,), {"timeout_seconds": timeout_ms / 1000})


def engine_options(timeout_ms: int) -> dict[str, Any]:
    """``create_engine`` options bounding each step of a request's database work by ``timeout_ms``."""
    seconds = timeout_ms / 1000
    return {
        "pool_timeout": seconds,
        "connect_args": {
            "connection_factory": connection_class(timeout_ms),
            "connect_timeout": max(2, math.ceil(seconds)),  # libpq's smallest effective value is 2 s
        },
    }
