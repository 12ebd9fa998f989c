"""What a stay costs: which tariff a driver pays, and the price of the charged minutes of a stay."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from .clock import SECOND
from .model import Fuel, Rule, Tariff
from .timeline import Stretch

_PENNY = Decimal("0.01")
_HOUR = Decimal(3600 * SECOND)
_FUEL_TARIFFS = {
    Fuel.PETROL: ("petrol", "non-diesel", "any"),
    Fuel.ELECTRIC: ("electric", "non-diesel", "any"),
    Fuel.DIESEL: ("diesel", "any"),
    None: ("any",),
}


def tariff_for(tariffs: Sequence[Tariff], fuel: Fuel | None) -> Tariff | None:
    """The tariff a driver pays: petrol and electric pay "non-diesel" (or their own label), diesel "diesel"; a single
    "any" tariff applies to everyone; without a fuel only an "any" tariff can be chosen."""
    by_label = {t.fuel.strip().lower(): t for t in tariffs}
    for label in _FUEL_TARIFFS[fuel]:
        if label in by_label:
            return by_label[label]
    return None


def price(stretches: Sequence[Stretch], rules: Sequence[Rule], lo: int, hi: int, fuel: Fuel | None) -> Decimal | None:
    """The price of [lo, hi): each paid stretch at its winning rule's tariff; None when a paid stretch has no
    tariff for the driver's fuel."""
    total = Decimal(0)
    for a, b, (_allowed, pay, _ms, w, _s) in stretches:
        if not pay or b <= lo or a >= hi:
            continue
        tariff = tariff_for(rules[w].tariffs, fuel)
        if tariff is None:
            return None
        total += tariff.per_hour * Decimal(min(b, hi) - max(a, lo)) / _HOUR
    return total.quantize(_PENNY, rounding=ROUND_HALF_UP)


def tariffs_shown(stretches: Sequence[Stretch], rules: Sequence[Rule], paying_now: int) -> tuple[Tariff, ...]:
    """The tariffs the driver pays: the winning rule's when paying now, else those of the next paid stretch within
    the horizon (a paid bay before its hours still shows its rates, which price the stay's charged minutes)."""
    if paying_now >= 0:
        return rules[paying_now].tariffs
    for _a, _b, (_allowed, pay, _ms, w, _s) in stretches:
        if pay and w >= 0:
            return rules[w].tariffs
    return ()
