"""The rules of one row, built from the row's bay type in the mapping's ``[types]`` table.

Priorities as in ``parking_api.engine.uk`` (lower wins): the blue-badge concession 10, permit classes (permit,
trader, business) 20, other named classes 30, loading 40, everyone 50, prohibitions 60. Each class that may park gets
one rule during the row's times of operation; a type not enforced on bank holidays gets ``except holidays`` spans; the
row's maximum stay binds the classes in ``max_stay_binds`` (a maximum stay that names loading binds only loading).

A row may have several parts (``sign.py``), each a time span with its limit. The first gives every class a rule;
a further part with a limit adds, for the classes that limit binds, a rule with it in the part's own hours (a
further part without a limit gives every class a rule again). At equal priority the shorter maximum stay wins
(``model.py``), so a limit holds in its hours and the bay stays unlimited outside them. The badge concession and a
prohibition cover the hours of all parts.
"""

from __future__ import annotations

import dataclasses

from parking_api.engine.model import Activity, HolidayMode, Rule, Tariff, TimeSpan, UserClass
from parking_api.engine.parse import Duration
from parking_api.engine.uk import (
    PRIORITY_CLASS,
    PRIORITY_EVERYONE,
    PRIORITY_LOADING,
    PRIORITY_PERMIT,
    badge_concession,
    bay_prohibition,
    zone_codes,
)
from parking_api.engine.wording import class_label, say

from .mapping import ROW, BayType, Mapping

_PERMIT_CLASSES = frozenset({UserClass.PERMIT, UserClass.TRADER, UserClass.BUSINESS})


def _priority(cls: UserClass, activity: Activity) -> int:
    if activity is Activity.LOAD:
        return PRIORITY_LOADING
    if cls is UserClass.EVERYONE:
        return PRIORITY_EVERYONE
    if cls in _PERMIT_CLASSES:
        return PRIORITY_PERMIT
    return PRIORITY_CLASS


def build_rules(
    bay: BayType,
    parts: tuple[tuple[tuple[TimeSpan, ...], Duration | None], ...],
    tariffs: tuple[Tariff, ...],
    row_permits: frozenset[str],
    zone: str | None,
    mapping: Mapping,
) -> tuple[Rule, ...]:
    """The rules of one row of bay type ``bay`` (see the module docstring for the priorities and parts)."""
    if not bay.enforced_on_bank_holidays:
        parts = tuple(
            (tuple(dataclasses.replace(s, holidays=HolidayMode.EXCEPT) if s.holidays is HolidayMode.IGNORE else s
                   for s in part_spans), duration)
            for part_spans, duration in parts
        )  # fmt: skip
    spans = tuple(dict.fromkeys(s for part_spans, _d in parts for s in part_spans))  # the bay's hours, all parts
    permit_sources = dict(bay.permits)
    zone_permits = frozenset(c for c in zone_codes(zone) if "-" in c)

    def permits_for(cls: UserClass) -> frozenset[str]:
        out: set[str] = set()
        for token in permit_sources.get(cls, ()):
            if token == ROW:
                out |= row_permits or zone_permits
            else:
                out.add(token)
        return frozenset(out)

    rules: list[Rule] = []
    for n, (part_spans, duration) in enumerate(parts):
        for activity, classes in ((Activity.PARK, bay.park), (Activity.LOAD, bay.load)):
            for cls in classes:
                binds = (
                    duration is not None
                    and cls in bay.max_stay_binds
                    and (duration.binds == "any" or (duration.binds == "loading" and activity is Activity.LOAD))
                )
                if n and duration is not None and not binds:
                    continue  # a further part with a limit only concerns the classes its limit binds
                rules.append(_class_rule(bay, cls, activity, part_spans, duration if binds else None, tariffs,
                                         permits_for(cls)))  # fmt: skip
    if bay.blue_badge and UserClass.BLUE_BADGE not in bay.park:
        green = bool(zone_codes(zone) & mapping.green_badge_zones)
        rules.append(badge_concession(green, spans, None))
    if bay.prohibit is not None:
        rules.append(bay_prohibition(bay.prohibit, spans, bay.label or bay.name))
    rules.sort(key=lambda r: r.priority)
    return tuple(rules)


def _class_rule(bay: BayType, cls: UserClass, activity: Activity, spans: tuple[TimeSpan, ...],
                duration: Duration | None, tariffs: tuple[Tariff, ...], permits: frozenset[str]) -> Rule:  # fmt: skip
    paid = activity is Activity.PARK and cls in bay.pays
    return Rule(
        activity=activity,
        user_classes=frozenset({cls}),
        permits=permits,
        time_spans=spans,
        priority=_priority(cls, activity),
        max_stay=duration.max_stay if duration else None,
        no_return=duration.no_return if duration else None,
        payment=paid,
        tariffs=tariffs if paid else (),
        label=say(class_label(cls, activity, paid, permits)),
    )
