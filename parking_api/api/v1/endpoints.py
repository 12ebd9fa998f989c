"""The list of v1 blueprints (filled in as endpoints land)."""

BLUEPRINTS: list = []
