"""Repeated warnings, thinned: during an outage every request fails the same way, and one line per request would
bury the log (thousands of lines in seconds) without saying more than the first one."""

from __future__ import annotations

import threading
import time


class Throttle:
    """Lets one message per ``key`` through every ``every`` seconds and counts the ones it held back."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def allow(self, key: str) -> int | None:
        """``None``: stay quiet; otherwise log now, saying how many were held back since the last line."""
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.every:
                self._held[key] = self._held.get(key, 0) + 1
                return None
            self._last[key] = now
            return self._held.pop(key, 0)


def held_note(held: int) -> str:
    """The suffix of a thinned line: `` (+N like it since the last line)`` or nothing."""
    return f" (+{held} like it since the last line)" if held else ""
