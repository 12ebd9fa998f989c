"""An in-process LRU of parsed regulations, keyed by database id and checked by fingerprint.

Regulations are content-addressed and immutable, so a parsed :class:`~parking_api.engine.model.Regulation` can be
kept for the life of the process. The repository's statements ship a regulation's JSON only for ids the cache does
not hold (the cache passes its ids along); each row always carries the fingerprint, so an id that a rebuilt database
gave to another regulation is detected and fetched again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from parking_api.engine.model import Regulation, regulation_from_json


class RegulationCache:
    def __init__(self, maxsize: int = 2048) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[int, tuple[str, Regulation]] = OrderedDict()
        self._lock = threading.Lock()

    def known_ids(self) -> list[int]:
        with self._lock:
            return list(self._items)

    def _get(self, reg_id: int, fingerprint: str) -> Regulation | None:
        with self._lock:
            item = self._items.get(reg_id)
            if item is None or item[0] != fingerprint:
                return None
            self._items.move_to_end(reg_id)
            return item[1]

    def _put(self, reg_id: int, fingerprint: str, regulation: Regulation) -> None:
        with self._lock:
            self._items[reg_id] = (fingerprint, regulation)
            self._items.move_to_end(reg_id)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def resolve(
        self,
        rows: Iterable[dict[str, Any]],
        fetch: Callable[[Sequence[int]], list[dict[str, Any]]],
    ) -> dict[int, Regulation]:
        """Parsed regulations for rows ``{id, fingerprint, definition | None}``; ``fetch(ids)`` reads the rows whose
        definition was left out but which the cache no longer holds (rare: eviction or a rebuilt database)."""
        out: dict[int, Regulation] = {}
        missing: list[int] = []
        for row in rows:
            reg_id, fingerprint, definition = int(row["id"]), str(row["fingerprint"]), row.get("definition")
            if definition is not None:
                regulation = self._get(reg_id, fingerprint) or regulation_from_json(definition)
                self._put(reg_id, fingerprint, regulation)
                out[reg_id] = regulation
                continue
            cached = self._get(reg_id, fingerprint)
            if cached is None:
                missing.append(reg_id)
            else:
                out[reg_id] = cached
        if missing:
            for row in fetch(missing):
                regulation = regulation_from_json(row["definition"])
                self._put(int(row["id"]), str(row["fingerprint"]), regulation)
                out[int(row["id"])] = regulation
        return out

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
