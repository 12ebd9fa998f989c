"""How a row's sign text (``fields.sign_text``, read by ``signtext.py``) combines with its dedicated columns and its
type, and what happens to the words the reader could not read.

A dedicated column with a value wins over the words (times, maximum stay, tariff, permits); the words fill what the
columns leave empty; the type's own ``max_stay`` / ``no_return`` come last. A row's rules are one or more *parts*,
each a time span with its limit: the bay's hours with the limit that holds whenever it is in force, then one part per
limit the sign (or the type's ``rules``) gives its own hours, such as a blue-badge bay in force at all times whose
4-hour limit applies only Mon–Fri 08:30–18:30.

Unread words that mention hours, a maximum stay or a no-return (and that no dedicated column covers) reject the row,
naming the phrase; with ``--lenient`` the row loads with the phrases in its regulation's ``unread``, so that answers
about it carry a caveat and cannot confirm a stay.

A row without a type (the mapping has no ``fields.restriction_type``), or of a type that leaves them out, takes who
may park and its category from the words; words that name nobody reject the row.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

from loaders.base import RowError
from parking_api.engine.model import Rule, TimeSpan, UserClass
from parking_api.engine.parse import Duration, parse_duration, parse_times
from parking_api.engine.wording import rule_text, say

from .mapping import ROW, BayType
from .signtext import SignReading, phrase_topic

Part = tuple[tuple[TimeSpan, ...], Duration | None]


def _duration(max_stay: str | None, no_return: str | None) -> Duration | None:
    """A type's (or type rule's) maximum stay and no-return texts, checked when the mapping was read, as one
    :class:`Duration`."""
    stay = parse_duration(max_stay)
    back = parse_duration(no_return)
    if stay is None and back is None:
        return None
    return Duration(
        stay.max_stay if stay else None,
        stay.binds if stay else "any",
        back.max_stay if back else (stay.no_return if stay else None),
    )


FROM_WORDS = BayType(name="", category="")
"""The bay type of a row without one (no ``fields.restriction_type``): everything is read from its words."""


def untyped_name(category: str) -> str:
    """How the load report groups rows without a type: by the category read from their words."""
    return f"(no type) {category}"


def bay_from_sign(bay: BayType, sign: SignReading | None, column: str | None) -> BayType:
    """A type that names nobody (no ``park``, ``load`` or ``prohibit``) takes who may park from the row's words:
    payers pay, and in a bay shared by payers and others the maximum stay binds the payers (British practice: a
    permit holder in a shared-use bay is not time-limited). A type without a category (or a row without a type) takes
    the one who may park gives (:func:`category_of`). Words that name nobody reject the row, naming them: such a bay
    is never loaded as if unrestricted."""
    if not (bay.park or bay.load or bay.prohibit is not None):
        bay = _classes_from_sign(bay, sign, column)
    if not bay.category:
        category = category_of(bay, sign.text if sign else "")
        bay = dataclasses.replace(bay, category=category, name=bay.name or untyped_name(category))
    return bay


def _classes_from_sign(bay: BayType, sign: SignReading | None, column: str | None) -> BayType:
    whose = f"the type {bay.name!r} leaves who may park to the sign text, and " if bay.name else ""
    if sign is None:
        what = "no restriction type and no sign text" if not bay.name else f"{whose}the sign text is empty"
        raise RowError(f"{what}: nothing says who may park; not loaded as if unrestricted", column)
    if not (sign.park or sign.load):
        unread = f", unread {', '.join(repr(p) for p in sign.unread)}" if sign.unread else ""
        raise RowError(f"{whose}the sign text names nobody who may park or load: {sign.text!r}{unread}; not loaded"
                       " as if unrestricted", column)  # fmt: skip
    park = tuple(sorted(sign.park, key=lambda c: c.value))
    load = tuple(sorted(sign.load, key=lambda c: c.value))
    payers = frozenset({UserClass.EVERYONE}) if sign.pays and UserClass.EVERYONE in sign.park else frozenset()
    return dataclasses.replace(
        bay,
        park=park,
        load=load,
        pays=payers,
        max_stay_binds=payers if payers and len(park) > 1 else frozenset([*park, *load]),
        permits=tuple(
            (c, (ROW,)) for c in park if c in (UserClass.PERMIT, UserClass.DISABLED_DEDICATED, UserClass.CAR_CLUB)
        ),
    )


_U = UserClass
# The category of a bay reserved for one named class (checked in this order: the more specific first).
_CLASS_CATEGORIES = (
    (_U.DISABLED_DEDICATED, "disabled_dedicated"), (_U.GREEN_BADGE, "disabled_green_badge"),
    (_U.BLUE_BADGE, "disabled_blue_badge"), (_U.CAR_CLUB, "car_club"), (_U.ELECTRIC, "ev_charging"),
    (_U.MOTORCYCLE, "motorcycle"), (_U.DOCTOR, "doctor"), (_U.POLICE, "police"), (_U.DIPLOMATIC, "diplomatic"),
    (_U.TAXI, "taxi"), (_U.CYCLE_HIRE, "cycle_hire"), (_U.CONSTRUCTION, "construction"), (_U.GOODS, "goods"),
)  # fmt: skip


def category_of(bay: BayType, text: str) -> str:
    """The API category (``vocabulary.CATEGORIES``) of a bay from who may park, pay or load, as Camden's types
    read: anyone paying ``paid`` (with permit holders ``shared_use_permit``, ``shared_use_resident`` where the words
    say residents), anyone free ``free``; permit holders ``permit`` / ``resident_permit``; goods loading
    ``loading``; a bay for one class that class's (``car_club``, ``ev_charging``, ``disabled_blue_badge`` …)."""
    if bay.prohibit is not None:
        return bay.prohibit.value
    park, load = set(bay.park), set(bay.load)
    resident = bool(re.search(r"(?i)\bresident", text))
    if _U.EVERYONE in park:
        if park & {_U.PERMIT, _U.TRADER, _U.BUSINESS}:
            return "shared_use_resident" if resident else "shared_use_permit"
        return "paid" if _U.EVERYONE in bay.pays else "free"
    if _U.BUS in park:
        return "bus_paid" if _U.BUS in bay.pays else "bus"
    if _U.PERMIT in park:
        if _U.TRADER in park:
            return "trader_permit"
        if _U.GOODS in load:
            return "loading_resident"
        return "resident_permit" if resident else "permit"
    for cls, category in ((_U.TRADER, "trader"), (_U.BUSINESS, "business"), *_CLASS_CATEGORIES):
        if cls in park:
            return category
    return "loading" if load else "unknown"


def parts(
    bay: BayType,
    spans: tuple[TimeSpan, ...],
    column_duration: Duration | None,
    sign: SignReading | None,
) -> tuple[Part, ...]:
    """The row's parts: the type's ``rules`` if it has them, else the maximum-stay column, else the sign's limits,
    else the type's ``max_stay`` / ``no_return``."""
    if bay.rules:
        return tuple(
            (parse_times(rule.times) if rule.times else spans, _duration(rule.max_stay, rule.no_return))
            for rule in bay.rules
        )
    if column_duration is not None:
        return ((spans, column_duration),)
    if sign is not None and sign.limits:
        base = next((lim for lim in sign.limits if lim.spans is None), None)
        out = [(spans, Duration(base.max_stay, base.binds, base.no_return) if base else None)]
        for lim in sign.limits:
            if lim.spans is not None:
                out.append((lim.spans, Duration(lim.max_stay, lim.binds, lim.no_return)))
        return tuple(out)
    return ((spans, _duration(bay.max_stay, bay.no_return)),)


def unread_words(
    sign: SignReading | None,
    column: str | None,
    covered: frozenset[str],
    lenient: bool,
    flags: Counter[str],
    phrases: Counter[str],
) -> tuple[str, ...]:
    """Count the sign's unread phrases; reject the row for an unsafe one no dedicated column covers (``covered``:
    "times", "max_stay"), unless ``lenient``: then return those phrases, for the regulation's ``unread``."""
    if sign is None or not sign.unread:
        return ()
    flags["mapped_sign_unread"] += 1
    phrases.update(sign.unread)
    unsafe = tuple(p for p in sign.unsafe if phrase_topic(p) not in covered)
    if not unsafe:
        return ()
    if not lenient:
        raise RowError(
            f"unread sign words about hours or a time limit: {unsafe[0]!r} in {sign.text!r}; not loaded as if"
            " unlimited (--lenient loads such rows flagged)",
            column,
        )
    flags["mapped_sign_unread_lenient"] += 1
    return unsafe


def rules_in_words(rules: tuple[Rule, ...]) -> str:
    """A row's rules as a person reads them, for ``--dry-run``: "Blue badge holders may park, at any time; …"."""
    lines = []
    for rule in rules:
        words = say(rule_text(rule))
        if rule.payment and rule.tariffs:
            words += ", " + " / ".join(
                f"{t.per_hour} {t.currency}/h" + ("" if t.fuel == "any" else f" {t.fuel}") for t in rule.tariffs
            )
        lines.append(words)
    return "; ".join(lines)


__all__ = ["FROM_WORDS", "Part", "bay_from_sign", "category_of", "parts", "rules_in_words", "unread_words",
           "untyped_name"]
