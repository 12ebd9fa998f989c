"""Rules every UK council shares, whatever its own table of bay types says.

Priorities are explicit (lower wins, see ``model.py``): badge concession 10, permits 20, other user classes 30,
loading 40, payers / everyone 50, a zone default's single yellow line 60. So a permit holder in a shared-use bay
parks on the permit (free, no max stay), and a badge holder under the concession parks free with no time limit.
A bay that is a prohibition for everyone (bus stop, taxi rank) ranks 5: alone in its bay the number changes nothing,
but where two bays cover the same spot and are evaluated together, the kerb nobody may stop at outranks the
neighbour's permission (the reading that cannot earn a driver a penalty charge).

The blue-badge concession (a green badge's inside a green-badge area) and the way a zone label names its zone codes
are national, so every converter (Camden's, a mapped borough's) builds them here.
"""

from __future__ import annotations

import re

from .model import Activity, Authority, Rule, TimeSpan, UserClass, normalise_permit
from .wording import concession_label, say

PRIORITY_BAY_PROHIBITION = 5
PRIORITY_CONCESSION = 10
PRIORITY_PERMIT = 20
PRIORITY_CLASS = 30
PRIORITY_LOADING = 40
PRIORITY_EVERYONE = 50
PRIORITY_PROHIBITION = 60

ZONE_DEFAULT_BADGE_MINUTES = 180  # blue badge on a single yellow line: up to three hours, clock displayed


def zone_codes(zone: str | None) -> frozenset[str]:
    """The zone codes a bay's or sub-zone's label names: ``CA-D/E`` -> {CA-D, CA-E}, ``CA-F(n)`` -> {CA-F},
    ``CA-R(a)/K/Q`` -> {CA-R, CA-K, CA-Q}, ``CAB`` -> {CA-B}."""
    if not zone:
        return frozenset()
    plain = re.sub(r"\([^)]*\)", "", zone)
    parts = [p.strip() for p in plain.split("/") if p.strip()]
    codes: set[str] = set()
    prefix = ""
    for part in parts:
        token = normalise_permit(part)
        if "-" in token:
            prefix = token.split("-", 1)[0]
            codes.add(token)
        elif prefix and re.fullmatch(r"[A-Z]", token):
            codes.add(f"{prefix}-{token}")
        else:
            codes.add(token)
    return frozenset(codes)


def in_green_badge_area(zone: str | None, authority: Authority) -> bool:
    """True when any zone the label names is in the authority's green-badge area (the conservative reading for a
    boundary sub-zone such as ``CA-D/E``)."""
    green = {normalise_permit(z) for z in authority.green_badge_zones}
    return bool(zone_codes(zone) & green)


def badge_concession(green: bool, spans: tuple[TimeSpan, ...], max_stay: int | None) -> Rule:
    """The blue-badge concession rule (a green badge's inside the green-badge area), shared by every bay builder:
    free with no time limit in a bay, up to ``max_stay`` with the clock displayed on a yellow line."""
    badge = UserClass.GREEN_BADGE if green else UserClass.BLUE_BADGE
    return Rule(
        activity=Activity.PARK,
        user_classes=frozenset({badge}),
        time_spans=spans,
        priority=PRIORITY_CONCESSION,
        max_stay=max_stay,
        label=say(concession_label(badge, max_stay)),
    )


def bay_prohibition(activity: Activity, spans: tuple[TimeSpan, ...], label: str) -> Rule:
    """What a bay forbids everyone (no stopping, no waiting) during its hours: it outranks every grant in the bay."""
    return Rule(activity=activity, time_spans=spans, priority=PRIORITY_BAY_PROHIBITION, label=label)


def zone_badge_concession(zone: str | None, authority: Authority, spans: tuple[TimeSpan, ...],
                          max_stay: int | None) -> Rule:  # fmt: skip
    """The concession for a place in ``zone``: a green badge's when the zone is in the authority's green-badge area."""
    return badge_concession(in_green_badge_area(zone, authority), spans, max_stay)


def publisher_wording(*parts: str | None) -> str:
    """The publisher's own words for a regulation ("paid-for, mon-fri 08:30-18:30, 2 hours"), N/A parts left out."""
    out = []
    for part in parts:
        if part is None:
            continue
        text = part.strip().rstrip(",").strip()
        if text and text.lower() not in ("n/a", "na"):
            out.append(text)
    return ", ".join(out)
