"""What every converter is given (:class:`LoadOptions`) and the errors it raises.

One converter per source format (``camden_bays``, ``camden_cpz``, ``suspensions``, ``curblr``, ``mapped``; declared
in ``registry.py``). A converter only reads and maps into the canonical model (``parking_api.engine.model``) and
returns the records and rejects of ``parking_api.store.records``; the runner (``runner.py``) has the store stage,
validate and swap them into PostGIS in one transaction and keep the rejects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from parking_api.settings import Settings
from parking_api.store.records import RAW_LIMIT


class StructuralError(Exception):
    """The file as a whole cannot be read (unparseable, bad encoding, truncated): the run fails, nothing changes."""


class UsageError(Exception):
    """The command was called wrongly (e.g. a CurbLR manifest without a time zone and no --timezone): exit 2."""


class RowError(Exception):
    """A record (or one regulation of it) that cannot be used; ``field`` names where, for the reject, and ``ref`` the
    record's reference when it was read before the fault (its live row then keeps its previous version)."""

    def __init__(self, reason: str, field: str | None = None, ref: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.ref = ref


def clip_raw(text: str) -> str:
    """A reject's raw value, cut to :data:`RAW_LIMIT` characters so one huge record cannot bloat the run's rejects."""
    return text if len(text) <= RAW_LIMIT else text[: RAW_LIMIT - 1] + "…"


def raw_json(obj: Any) -> str:
    """A JSON record as compact text for a reject."""
    try:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        text = repr(obj)
    return clip_raw(text)


@dataclass(frozen=True)
class LoadOptions:
    """What ``parking load`` passes to every converter, as ``convert(path, options)``.

    ``source``: the source name the records are loaded under (``--source``); ``mapping``: a mapping file for the
    ``mapped`` kind (``--mapping``); ``timezone``: an IANA zone overriding the feed's own (``--timezone``);
    ``holidays``: a holiday calendar name such as ``GB-ENG`` (``--holidays``); ``inclusive_ends``: read end times as
    inclusive (``--inclusive-ends``); ``lenient``: load rows whose sign words about hours or a stay limit could not
    be read, flagged, rather than rejecting them (``--lenient``); ``progress``: show a progress bar while reading
    (terminals only);
    ``green_badge_zones``: the Camden zones where blue-badge concessions belong to green badges (from the settings).
    """

    source: str | None = None
    mapping: str | None = None
    timezone: str | None = None
    holidays: str | None = None
    inclusive_ends: bool = False
    lenient: bool = False
    progress: bool = False
    green_badge_zones: tuple[str, ...] = Settings.green_badge_zones
