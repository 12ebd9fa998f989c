"""The closed vocabularies the API documents as OpenAPI enums (so that generated clients get enum types): bay
categories, tariff fuel labels and the user classes a rule names."""

from __future__ import annotations

from parking_api.engine.model import UserClass

CATEGORIES = (
    # Camden's bay types (engine/camden.py) and the mapping files' types
    "resident_permit", "permit", "paid", "shared_use_resident", "shared_use_permit", "disabled_blue_badge",
    "disabled_dedicated", "disabled_green_badge", "motorcycle", "loading", "loading_resident", "car_club",
    "ev_charging", "doctor", "taxi_rank", "bus_stop", "bus", "bus_paid", "cycle_hire", "trader", "trader_permit",
    "business", "police", "diplomatic", "free",
    # CurbLR feeds (loaders/curblr/summary.py): the activity or the user class of the rules
    "no_stopping", "no_parking", "no_loading", "restricted", "taxi", "electric", "construction", "goods",
    # a zone's controlled hours answering away from any bay; a place whose publisher gave no type we know
    "zone_default", "unknown", "",
)  # fmt: skip
"""Our canonical class of a bay (``category``); the publisher's own wording is in ``type``."""

TARIFF_FUELS = ("any", "non-diesel", "diesel", "petrol", "electric")
"""The fuel labels a tariff carries (the tariff parser's): ``any`` is one price for every fuel."""

USER_CLASSES = tuple(c.value for c in UserClass)
"""Who a rule is for (``who``)."""
