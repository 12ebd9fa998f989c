"""What a mapping says about a borough's file: its format, which column holds what, where the geometry is, and how
each of the borough's bay types reads for a driver. Built and checked by ``validate.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parking_api.engine.model import Activity, UserClass

FORMATS = ("geojson", "csv", "json-records")
DEFAULT_MISSING = ("", "n/a", "na", "null", "none", "-")
ROW = "row"  # in a type's ``permits``: the row's permits column (or, when that is empty, the row's zone)


@dataclass(frozen=True)
class GeometrySource:
    """One way to find a row's geometry; a mapping lists several, tried in order."""

    kind: str  # "wkt", "geojson", "feature" or "xy"
    column: str | None = None
    x: str | None = None
    y: str | None = None
    crs: int = 4326
    search_radius_m: float = 0.0
    zero_is_missing: bool = True

    def describe(self) -> str:
        if self.kind == "xy":
            return f"columns {self.x!r}/{self.y!r} (EPSG:{self.crs})"
        if self.kind == "feature":
            return f"the feature's geometry (EPSG:{self.crs})"
        return f"{self.kind} column {self.column!r} (EPSG:{self.crs})"


@dataclass(frozen=True)
class BayType:
    """How one of the borough's bay types reads for a driver."""

    name: str
    category: str
    park: tuple[UserClass, ...] = ()
    pays: frozenset[UserClass] = frozenset()
    max_stay_binds: frozenset[UserClass] = frozenset()
    load: tuple[UserClass, ...] = ()
    enforced_on_bank_holidays: bool = True
    blue_badge: bool = False
    permits: tuple[tuple[UserClass, tuple[str, ...]], ...] = ()  # per class: tokens, or ROW
    prohibit: Activity | None = None
    label: str = ""
    times: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A whole mapping file, validated; ``path`` names it in messages."""

    path: str
    format: str
    encoding: str = "utf-8"
    delimiter: str = ","
    records: str | None = None
    timezone: str | None = None
    holidays: str | None = None
    currency: str | None = None
    publisher: str = ""
    licence: str = ""
    attribution: str = ""
    url: str = ""
    missing: frozenset[str] = frozenset(DEFAULT_MISSING)
    green_badge_zones: frozenset[str] = frozenset()
    fields: tuple[tuple[str, str], ...] = ()
    attributes: tuple[str, ...] = ()
    geometry: tuple[GeometrySource, ...] = ()
    types: tuple[tuple[str, BayType], ...] = ()

    def field(self, name: str) -> str | None:
        return dict(self.fields).get(name)

    def bay_type(self, name: str) -> BayType | None:
        return dict(self.types).get(normalise_type(name))


def normalise_type(text: str) -> str:
    """``Paid-for/Permit holders`` and ``paid-for / permit  holders`` are one bay type."""
    text = re.sub(r"\s*/\s*", " / ", str(text).strip().lower())
    return re.sub(r"\s+", " ", text)

