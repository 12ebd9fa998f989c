"""What a map tile shows: the bays in it with their status for the driver at an instant, and the zones in it.

Tiles are addressed as in the XYZ (slippy map) scheme in Web Mercator: ``z`` from 0 to :data:`MAX_ZOOM`, ``x`` and
``y`` from 0 to 2^z − 1, ``y`` counted from the north. Bays are in tiles from zoom :data:`BAYS_FROM_ZOOM` up (a
tile further out would hold thousands of kerb lines too small to see); zones at every zoom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parking_api.engine.model import Driver
from parking_api.errors import InvalidInput, NotFound
from parking_api.services.context import Context, Evaluated
from parking_api.store import tiles as store

MAX_ZOOM = 22
BAYS_FROM_ZOOM = 14
_MAX_DIGITS = 8  # 2^22 has 7


@dataclass(frozen=True)
class TileAddress:
    z: int
    x: int
    y: int

    def __str__(self) -> str:
        return f"{self.z}/{self.x}/{self.y}"


def tile_address(z: str, x: str, y: str) -> TileAddress:
    """The tile a path names: each part a whole number written in ASCII digits (else :class:`InvalidInput` naming
    it); a tile outside the pyramid (``z`` above :data:`MAX_ZOOM`, ``x`` or ``y`` not below 2^z) is
    :class:`NotFound`, as a tile server answers for a tile it does not have."""
    numbers = {}
    for name, value in (("z", z), ("x", x), ("y", y)):
        if not value or len(value) > _MAX_DIGITS or not (value.isascii() and value.isdigit()):
            raise InvalidInput(name, f"must be a whole number written in digits 0-9, got {value[:20]!r}")
        numbers[name] = int(value)
    address = TileAddress(**numbers)
    if address.z > MAX_ZOOM:
        raise NotFound(f"No tile {address}: zoom levels go from 0 to {MAX_ZOOM}.")
    side = 1 << address.z
    if address.x >= side or address.y >= side:
        raise NotFound(f"No tile {address}: at zoom {address.z}, x and y go from 0 to {side - 1}.")
    return address


@dataclass(frozen=True)
class TileFound:
    """The bays of one tile with their answers at ``at`` (none below :data:`BAYS_FROM_ZOOM`) and its zone rows."""

    address: TileAddress
    at: datetime
    timezone: str
    bays: list[Evaluated]
    zones: list[dict[str, Any]]
    live: bool

    @property
    def changes(self) -> list[datetime]:
        """Every instant at which some bay's status in the tile changes (the tile holds until the earliest)."""
        return [t for item in self.bays for t in item.changes]


def tile(
    context: Context, *, address: TileAddress, at: datetime | None, driver: Driver, stay: int | None = None
) -> TileFound:
    """The bays meeting the tile (with its buffer), each evaluated for ``driver`` at ``at`` (default now) with the
    planned ``stay``, and the zones meeting it."""
    moment = context.moment(at)
    contents, found = context.read_places(
        store.tile_contents,
        moment,
        context.settings.horizon,
        z=address.z,
        x=address.x,
        y=address.y,
        with_bays=address.z >= BAYS_FROM_ZOOM,
    )
    places = contents.places
    tz = found.timezone(places[0]["source"] if places else (contents.zones[0]["source"] if contents.zones else None))
    instant = moment.local(tz)
    bays = [found.evaluate(row, driver, instant, stay=stay) for row in places]
    return TileFound(address, instant, tz, bays, contents.zones, moment.live)


def encode(
    context: Context, address: TileAddress, bays: Sequence[dict[str, Any]], zones: Sequence[dict[str, Any]]
) -> bytes:
    """The tile's Mapbox Vector Tile bytes with the presented properties of its bays and zones (see
    :func:`parking_api.store.tiles.encode`)."""
    return store.encode(context.session, z=address.z, x=address.x, y=address.y, bays=bays, zones=zones)
