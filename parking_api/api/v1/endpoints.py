"""The list of v1 blueprints the app registers."""

from parking_api.api.v1 import bays, can_i_park, events, sources, suspensions, tiles, usage, zones

BLUEPRINTS: list = [
    can_i_park.blueprint,
    bays.blueprint,
    zones.blueprint,
    sources.blueprint,
    events.blueprint,
    suspensions.blueprint,
    tiles.blueprint,
    usage.blueprint,
]
