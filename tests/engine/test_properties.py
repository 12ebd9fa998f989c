"""Invariants of the evaluator over generated Camden bays, drivers and instants (2026–2027, biased towards clock
changes and bank holidays), checked against an independent wall-clock oracle (``support.oracle``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from parking_api.engine.camden import CAMDEN, CAMDEN_BAY_TYPES
from parking_api.engine.evaluate import Answer, evaluate
from parking_api.engine.model import Place

from .support import ambiguous, bay, driver, oracle, zone_default

ENGINE = settings.get_profile("engine")

TIMES = [
    "at any time", "mon-fri 08:30-18:30", "mon-fri 09:00-18:30, sat 09:30-13:30", "mon-fri 10:00-12:00",
    "mon-sat 08:30-18:30", "mon-sat 09:00-20:00", "mon-fri 08:30-18:30, sat-sun 09:30-17:30", "mon-fri 12:30-14:30",
    "mon-sat 08:30-22:00", "mon-fri 08:30-23:00, sat-sun 09:30-23:00", "mon-fri 08:00-09:00 & 15:00-17:00",
    "mon-sun 10:00-12:00, 14:00-16:00", "mon-sun 22:00-23:00", "mon-sun 06:00-20:00", "sat-sun 09:30-17:30",
    # edges: overnight, whole days, windows in the spring gap and the autumn fold
    "mon-fri 22:00-06:00", "sun 23:00-02:00", "mon-sun 00:00-23:59", "mon-fri 00:00-23:59", "sun 01:30-03:00",
    "sun 00:30-01:30", "sat-sun 01:00-02:00", "mon-sun 08:00-24:00",
]  # fmt: skip
STAYS = ["N/A", "N/A", "2 hours", "1 hour", "1.5 hours", "30 minutes", "4 hours", "2 minutes", "loading 40 minutes"]
CPZ_HOURS = [
    ("09:00-18:30", "09:30-13:30", None), ("08:30-23:00", "09:30-23:00", "09:30-23:00"),
    ("08:30-18:30", "09:30-17:30", None), ("00:00-23:59", "00:00-23:59", "00:00-23:59"), ("10:00-12:00", None, None),
]  # fmt: skip

# Interesting local days: clock changes and bank holidays of 2026 and 2027.
PIVOTS = [
    datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 10, 24, tzinfo=UTC), datetime(2027, 3, 27, tzinfo=UTC),
    datetime(2027, 10, 30, tzinfo=UTC), datetime(2026, 8, 30, tzinfo=UTC), datetime(2026, 12, 24, tzinfo=UTC),
    datetime(2027, 3, 25, tzinfo=UTC),
]  # fmt: skip
START = datetime(2026, 1, 1, tzinfo=UTC)

bays = st.builds(
    bay,
    restriction_type=st.sampled_from(sorted(CAMDEN_BAY_TYPES)),
    times=st.sampled_from(TIMES),
    max_stay=st.sampled_from(STAYS),
    tariff=st.sampled_from(["N/A", "£3.30 (non-diesel) / £4.01 (diesel),"]),
    permits=st.sampled_from(["CA-B", "CA-R;CA-K", "N/A"]),
    zone=st.sampled_from(["CA-B", "CA-C"]),
)
zone_defaults = st.builds(
    lambda hours, zone: zone_default(*hours, zone),
    st.sampled_from(CPZ_HOURS),
    st.sampled_from(["CA-F(n)", "CA-C", "CA-D/E"]),
)
places = st.one_of(bays, bays, zone_defaults)
drivers = st.builds(
    driver,
    permits=st.sampled_from(["", "", "CA-B", "CA-K", "TRADER", "BUSA"]),
    badge=st.sampled_from([None, None, "blue", "green"]),
    vehicle=st.sampled_from(["car", "car", "motorcycle", "goods", "bus", "taxi"]),
    fuel=st.sampled_from([None, "petrol", "diesel", "electric"]),
    activity=st.sampled_from(["park", "park", "load"]),
)
instants = st.one_of(
    st.builds(lambda m: START + timedelta(minutes=m), st.integers(0, 2 * 365 * 24 * 60)),
    st.builds(
        lambda pivot, minutes, seconds: pivot + timedelta(minutes=minutes, seconds=seconds),
        st.sampled_from(PIVOTS),
        st.integers(0, 3 * 24 * 60),
        st.sampled_from([0, 0, 0, 30, 59]),
    ),
)


def allowed_at(place: Place, who, instant: datetime) -> bool | None:
    """The oracle's verdict, or None where a wall reading is ambiguous (the autumn fold)."""
    if ambiguous(instant):
        return None
    return oracle(place.regulation, who, instant)[0]


def samples(lo: datetime, hi: datetime, n: int = 40) -> list[datetime]:
    step = (hi - lo) / n
    return [lo + step * k for k in range(n)]


def _answer(place: Place, who, at: datetime) -> Answer:
    answer = evaluate(place, who, at, CAMDEN)
    assert answer.until is None or answer.allowed_from is None
    return answer


@ENGINE
@given(places, drivers, instants)
def test_can_park_matches_the_wall_clock(place: Place, who, at: datetime) -> None:
    answer = _answer(place, who, at)
    expected = allowed_at(place, who, at)
    if expected is not None:
        assert answer.can_park is expected, answer.reason


@ENGINE
@given(places, drivers, instants)
def test_until_is_the_first_moment_the_driver_must_go(place: Place, who, at: datetime) -> None:
    answer = _answer(place, who, at)
    if not answer.can_park:
        return
    horizon_end = at + timedelta(days=CAMDEN.horizon_days)
    if answer.until is None:
        for moment in samples(at, horizon_end):
            assert allowed_at(place, who, moment) is not False, moment
        return
    assert answer.until > at
    for moment in [*samples(at, answer.until), answer.until - timedelta(seconds=1)]:
        assert allowed_at(place, who, moment) is not False, moment
    before = answer.until - timedelta(seconds=1)
    if not ambiguous(before) and not ambiguous(answer.until):
        still_allowed, binding = oracle(place.regulation, who, answer.until)
        _, binding_before = oracle(place.regulation, who, before)
        assert not still_allowed or binding_before is not None or binding is not None, answer.reason


@ENGINE
@given(places, drivers, instants)
def test_allowed_from_is_the_first_moment_the_driver_may_park(place: Place, who, at: datetime) -> None:
    answer = _answer(place, who, at)
    if answer.can_park:
        return
    end = answer.allowed_from or at + timedelta(days=CAMDEN.horizon_days)
    assert end > at
    for moment in [*samples(at, end), end - timedelta(seconds=1)]:
        assert allowed_at(place, who, moment) is not True, moment
    if answer.allowed_from is not None:
        assert allowed_at(place, who, answer.allowed_from) is not False


@ENGINE
@given(places, drivers, instants)
def test_next_changes_are_real_changes(place: Place, who, at: datetime) -> None:
    answer = _answer(place, who, at)
    previous = (answer.can_park, answer.payment_required_now)
    for change in answer.next_changes:
        assert change.at > at
        assert (change.can_park, change.payment_required) != previous
        previous = (change.can_park, change.payment_required)
        verdict = allowed_at(place, who, change.at)
        if verdict is not None:
            assert verdict is change.can_park, change


@ENGINE
@given(places, drivers, instants, st.integers(1, 600))
def test_stay_and_price_are_consistent(place: Place, who, at: datetime, stay: int) -> None:
    answer = evaluate(place, who, at, CAMDEN, stay=stay)
    assert answer.stay_ok is (
        answer.can_park and (answer.until is None or at + timedelta(minutes=stay) <= answer.until)
    )
    if answer.price is not None:
        assert answer.price >= 0 and answer.price == answer.price.quantize(answer.price.__class__("0.01"))
    if not answer.payment_required_now:
        assert answer.pay_until is None
    elif answer.pay_until is not None:
        assert answer.pay_until > at and (answer.until is None or answer.pay_until <= answer.until)
