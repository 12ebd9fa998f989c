"""CurbLR's words → ours: activities, user classes, days, and the category each class gives a regulation; plus the
small readers every part shares (CurbLR keys are case-insensitive, and names come with ``_``, ``-`` or spaces)."""

from __future__ import annotations

import re
from typing import Any

from parking_api.engine.model import Activity, UserClass

ACTIVITY_WORDS: dict[str, Activity] = {
    "parking": Activity.PARK,
    "park": Activity.PARK,
    "no parking": Activity.NO_PARKING,
    "loading": Activity.LOAD,
    "no loading": Activity.NO_LOADING,
    "standing": Activity.LOAD,
    "stopping": Activity.LOAD,
    "no standing": Activity.NO_STOPPING,
    "no stopping": Activity.NO_STOPPING,
}

# CurbLR class names (lower case, ``_``/``-`` read as spaces) → our user classes. Anything else → OTHER.
USER_CLASS_WORDS: dict[str, UserClass] = {
    "everyone": UserClass.EVERYONE,
    "all": UserClass.EVERYONE,
    "any": UserClass.EVERYONE,
    "general": UserClass.EVERYONE,
    "public": UserClass.EVERYONE,
    "passenger": UserClass.EVERYONE,
    "passengers": UserClass.EVERYONE,
    "passenger loading": UserClass.EVERYONE,
    "permit": UserClass.PERMIT,
    "permits": UserClass.PERMIT,
    "permit holder": UserClass.PERMIT,
    "permit holders": UserClass.PERMIT,
    "resident": UserClass.PERMIT,
    "residents": UserClass.PERMIT,
    "resident permit": UserClass.PERMIT,
    "residential permit": UserClass.PERMIT,
    "residential": UserClass.PERMIT,
    "handicap": UserClass.BLUE_BADGE,
    "handicapped": UserClass.BLUE_BADGE,
    "disabled": UserClass.BLUE_BADGE,
    "disability": UserClass.BLUE_BADGE,
    "accessible": UserClass.BLUE_BADGE,
    "ada": UserClass.BLUE_BADGE,
    "blue badge": UserClass.BLUE_BADGE,
    "green badge": UserClass.GREEN_BADGE,
    "car share": UserClass.CAR_CLUB,
    "carshare": UserClass.CAR_CLUB,
    "car club": UserClass.CAR_CLUB,
    "motorcycle": UserClass.MOTORCYCLE,
    "motorcycles": UserClass.MOTORCYCLE,
    "motorbike": UserClass.MOTORCYCLE,
    "commercial": UserClass.GOODS,
    "truck": UserClass.GOODS,
    "trucks": UserClass.GOODS,
    "delivery": UserClass.GOODS,
    "freight": UserClass.GOODS,
    "goods": UserClass.GOODS,
    "commercial vehicle": UserClass.GOODS,
    "bus": UserClass.BUS,
    "buses": UserClass.BUS,
    "tour bus": UserClass.BUS,
    "coach": UserClass.BUS,
    "transit": UserClass.BUS,
    "taxi": UserClass.TAXI,
    "taxis": UserClass.TAXI,
    "cab": UserClass.TAXI,
    "police": UserClass.POLICE,
    "diplomat": UserClass.DIPLOMATIC,
    "diplomatic": UserClass.DIPLOMATIC,
    "electric": UserClass.ELECTRIC,
    "electric vehicle": UserClass.ELECTRIC,
    "ev": UserClass.ELECTRIC,
    "bikeshare": UserClass.CYCLE_HIRE,
    "bike share": UserClass.CYCLE_HIRE,
    "cycle hire": UserClass.CYCLE_HIRE,
    "construction": UserClass.CONSTRUCTION,
    "doctor": UserClass.DOCTOR,
    "medical": UserClass.DOCTOR,
    "trader": UserClass.TRADER,
    "business": UserClass.BUSINESS,
}
# A ``transit`` class whose subclasses name a rail vehicle is not a bus any driver could be.
RAIL_SUBCLASSES = frozenset({"streetcar", "tram", "light rail", "rail"})
DIMENSION_KEYS = ("maxheight", "minheight", "maxlength", "minlength", "maxweight", "minweight")

DAYS = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}

CATEGORY_BY_CLASS = (
    (UserClass.BLUE_BADGE, "disabled_blue_badge"),
    (UserClass.GREEN_BADGE, "disabled_green_badge"),
    (UserClass.DISABLED_DEDICATED, "disabled_dedicated"),
    (UserClass.TAXI, "taxi"),
    (UserClass.BUS, "bus"),
    (UserClass.CAR_CLUB, "car_club"),
    (UserClass.MOTORCYCLE, "motorcycle"),
    (UserClass.ELECTRIC, "electric"),
    (UserClass.CYCLE_HIRE, "cycle_hire"),
    (UserClass.POLICE, "police"),
    (UserClass.DIPLOMATIC, "diplomatic"),
    (UserClass.DOCTOR, "doctor"),
    (UserClass.CONSTRUCTION, "construction"),
    (UserClass.TRADER, "trader"),
    (UserClass.BUSINESS, "business"),
    (UserClass.PERMIT, "permit"),
    (UserClass.GOODS, "goods"),
)


def lower_keys(obj: Any) -> dict[str, Any]:
    """A dict's keys lower-cased (CurbLR fields are case-insensitive; Montréal writes ``UserClasses``)."""
    if not isinstance(obj, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in obj.items():
        out.setdefault(str(key).lower(), value)
    return out


def words(text: Any) -> str:
    """A name compared as CurbLR feeds mean it: ``No_Parking``, ``no-parking`` and ``no  parking`` are one."""
    return re.sub(r"\s+", " ", str(text).replace("_", " ").replace("-", " ")).strip().lower()


def as_list(value: Any) -> list[Any]:
    """A field that feeds write as one value or a list of them, as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]

