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
    reach_from_size: bool = False  # a point's reach: half the bay's length (or its spaces x 5 m), at most 25 m

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
    max_stay: str | None = None  # the type's own maximum stay and no-return, when the row gives none
    no_return: str | None = None
    rules: tuple[TypeRule, ...] = ()  # several rules, each with its own times, maximum stay and no-return


@dataclass(frozen=True)
class TypeRule:
    """One of a type's rules (``rules = [{ times = "at any time" }, { times = "…", max_stay = "4 hours" }]``): a
    time limit that applies only in set hours of a bay in force at other times too. Empty keys take the row's."""

    times: str | None = None
    max_stay: str | None = None
    no_return: str | None = None


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
    # Per column, from ``[values]`` and ``[defaults]`` (see ``values.py``): (cell value key, value read) pairs, and
    # the value an empty cell is read as.
    values: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    defaults: tuple[tuple[str, str], ...] = ()

    def field(self, name: str) -> str | None:
        return dict(self.fields).get(name)

    def translations(self, column: str) -> dict[str, str]:
        return dict(dict(self.values).get(column, ()))

    def default(self, column: str) -> str | None:
        return dict(self.defaults).get(column)

    def bay_type(self, name: str) -> BayType | None:
        return dict(self.types).get(normalise_type(name))


def normalise_type(text: str) -> str:
    """``Paid-for/Permit holders`` and ``paid-for / permit  holders`` are one bay type."""
    text = re.sub(r"\s*/\s*", " / ", str(text).strip().lower())
    return re.sub(r"\s+", " ", text)

