"""Every kind of file ``parking load`` reads, declared once: the command line, ``--help`` and the runner read it here.

Each :class:`Kind` names its converter (a module's ``convert(path, options) -> Converted``), the live table its
records go to, the source its rows load under when ``--source`` is not given, the help text of its command, and the
command-line options it reads (each a :class:`~loaders.base.LoadOptions` field of the same name). Adding a kind is
adding one entry to :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from parking_api.store.load.places import PLACES
from parking_api.store.load.suspensions import SUSPENSIONS
from parking_api.store.load.table import TableLoad
from parking_api.store.load.zones import ZONES
from parking_api.store.records import Converted

from . import camden_bays, camden_cpz, curblr, mapped, suspensions
from .base import LoadOptions, UsageError

Option = Literal["mapping", "timezone", "holidays", "inclusive_ends", "lenient"]


@dataclass(frozen=True)
class Kind:
    name: str
    convert: Callable[[str, LoadOptions], Converted]
    target: TableLoad
    help: str
    options: tuple[Option, ...]
    default_source: str | None = None  # None: --source is required


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "camden-bays",
            camden_bays.convert,
            PLACES,
            "Camden Parking Bays: the API JSON or the CSV download (detected). --source defaults to camden.",
            ("timezone", "holidays"),
            default_source="camden",
        ),
        Kind(
            "camden-cpz",
            camden_cpz.convert,
            ZONES,
            "Camden Controlled Parking Zones (GeoJSON): zone polygons and their controlled hours.",
            ("timezone", "holidays"),
            default_source="camden",
        ),
        Kind(
            "suspensions",
            suspensions.convert,
            SUSPENSIONS,
            "Bay suspensions in our documented CSV/JSON form (loaders/README.md). --source is required.",
            ("timezone", "inclusive_ends"),
        ),
        Kind(
            "curblr",
            curblr.convert,
            PLACES,
            "A CurbLR feed (JSON). --source is required.",
            ("timezone", "holidays", "inclusive_ends"),
        ),
        Kind(
            "mapped",
            mapped.convert,
            PLACES,
            "A council file read through a mapping file (--mapping). --source is required.",
            ("mapping", "timezone", "holidays", "lenient"),
        ),
    )
}


def kind_named(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise UsageError(f"unknown kind {name!r}: expected one of {', '.join(KINDS)}")
    return kind
