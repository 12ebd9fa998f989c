"""The reason-code vocabulary: what an answer's ``reason_code`` may be, what its ``reason_params`` may hold, and the
``until_status`` values. A client decides on codes and parameters; the text is the same reason said in words.

The code names the deciding sentence of the reason (``explain.reason`` builds it); the parameters are the values the
text states, in plain types (instants as aware datetimes, durations in minutes, permits and user classes as codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .wording import Phrase

REASON_CODES: Mapping[str, str] = {
    "allowed": "A rule admits this driver (`rule`, `activity`; `max_stay`, `no_return` when limited).",
    "paid": "Paid parking now (`pay_until`, `max_stay`, `no_return` as they apply).",
    "unrestricted": "No rule is in effect now.",
    "holiday": "No rule is in effect now because it is a public holiday (`holiday`; `zone` on a zone default).",
    "outside_zone_hours": "Away from any bay, outside the zone's controlled hours (`zone`).",
    "zone_uncontrolled": "Away from any bay, in a zone without controlled hours (`zone`).",
    "needs": "Rules in effect admit others: the driver would need `needs` (with `permits` for a permit).",
    "prohibited": "A prohibition is in effect (`rule`, `activity`; `loading_allowed`).",
    "reserved": "Rules in effect admit only users no driver profile describes (`rule`, `activity`).",
    "suspended": "The bay or kerb is suspended (`suspension_reason` where given).",
    "no_data": "No loaded data covers the spot.",
}
"""Each code and what it means (the OpenAPI enum and its description)."""

REASON_PARAMS: Mapping[str, str] = {
    "rule": "The deciding rule's label, as published (or generated in English).",
    "activity": "`park` or `load` (what is allowed), or `no_parking`, `no_stopping`, `no_loading` (what is banned).",
    "max_stay": "Maximum stay in minutes.",
    "no_return": "No return within this many minutes.",
    "needs": "What would admit the driver: `permit`, `blue_badge`, `green_badge`, `motorcycle`, `goods`, `bus`, "
    "`taxi`, `electric`, `car_club`, `trader`, `business`, `loading`.",
    "permits": "The permits that would admit the driver.",
    "loading_allowed": "Loading and unloading is allowed despite the prohibition.",
    "also_allowed": "Other users admitted now (badge concessions): each `who` (user classes) and `max_stay`.",
    "holiday": "The public holiday's name.",
    "zone": "The zone code.",
    "suspension_reason": "Why the suspension was made, as the council wrote it.",
    "until": "When the driver must have left.",
    "allowed_from": "When the driver may first park.",
    "pay_until": "When the paid period in effect ends (the text's 'paid parking until'; `payment.pay_until` stops "
    "earlier when the stay must end first).",
    "pay_from": "When payment (again) becomes due before `until`: a reminder should come before it.",
}
"""Each parameter a code may carry (the OpenAPI schema of ``reason_params``)."""

_BY_SENTENCE = {
    "reason.allowed": "allowed",
    "reason.allowed_zone": "allowed",
    "reason.paid": "paid",
    "reason.paid_until": "paid",
    "reason.unrestricted": "unrestricted",
    "reason.unrestricted_holiday": "holiday",
    "reason.unrestricted_holiday_zone": "holiday",
    "reason.unrestricted_outside_zone_hours": "outside_zone_hours",
    "reason.unrestricted_zone_uncontrolled": "zone_uncontrolled",
    "reason.needs": "needs",
    "reason.prohibited": "prohibited",
    "reason.prohibited_may_load": "prohibited",
    "reason.may_not": "reserved",
    "reason.suspended": "suspended",
    "reason.suspended_because": "suspended",
}

UNTIL_STATUSES: Mapping[str, str] = {
    "set": "`until` is when the driver must have left.",
    "not_allowed": "`until` is null because the driver may not park now (see `allowed_from`).",
    "beyond_horizon": "`until` is null because nothing ends the stay within the look-ahead horizon.",
}


@dataclass(frozen=True)
class Reason:
    """A reason as a code, its parameters and its words (said in any catalogue's language)."""

    code: str
    params: Mapping[str, object]
    words: Phrase


def code_of(sentence: Phrase) -> str:
    """The reason code of the reason's deciding sentence (its first phrase)."""
    return _BY_SENTENCE[sentence.code]


def until_status(can_park: bool | None, until: datetime | None) -> str | None:
    """Why ``until`` is what it is (None when nothing is known about the spot)."""
    if can_park is None:
        return None
    if not can_park:
        return "not_allowed"
    return "set" if until is not None else "beyond_horizon"
