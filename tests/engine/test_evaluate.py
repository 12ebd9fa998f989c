"""The evaluator, table-driven. Every expected value below is worked out by hand from the sign as a driver reads it
(times are London local time; BST is +01:00 until 25 Oct 2026 / 31 Oct 2027, GMT +00:00 after and before 29 Mar 2026
/ 28 Mar 2027)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from parking_api.engine.camden import CAMDEN, CAMDEN_BAY_TYPES
from parking_api.engine.clock import NonexistentLocalTime, localize
from parking_api.engine.evaluate import Answer, evaluate
from parking_api.engine.model import (
    Activity,
    Authority,
    HolidayMode,
    Place,
    Regulation,
    Rule,
    Suspension,
    TimeSpan,
    UserClass,
)
from parking_api.engine.timeline import Change, timeline

from .support import bay, driver, t, zone_default

TARIFF = "£3.30 (non-diesel) / £4.01 (diesel),"

RESIDENT_B = bay("resident permit holders only", "mon-fri 08:30-18:30", permits="CA-B", zone="CA-B")
RESIDENT_C = bay("resident permit holders only", "mon-fri 08:30-18:30", permits="CA-C", zone="CA-C")
RESIDENT_MON_SAT = bay("resident permit holders only", "mon-sat 08:30-18:30", permits="CA-B")
PERMIT_RK = bay("permit holders only", "mon-fri 08:30-18:30", permits="CA-R;CA-K", zone="CA-R")
PAID = bay("paid-for", "mon-sat 08:30-18:30", "2 hours", TARIFF)
PAID_D = bay("paid-for", "mon-sat 08:30-18:30", "2 hours", TARIFF, zone="CA-D")
PAID_ANY_TIME = bay("paid-for", "at any time", "2 hours", TARIFF)
PAID_ALL_DAY = bay("paid-for", "mon-sun 00:00-23:59", "4 hours", TARIFF)
SHARED_RES = bay("paid-for / resident permit holders", "mon-fri 08:30-18:30", "2 hours", TARIFF, "CA-B")
SHARED_PERMIT = bay(
    "paid-for / permit holders", "mon-fri 09:00-18:30, sat 09:30-13:30", "1 hour",
    "£5.70 (non-diesel) / £6.93 (diesel),", "CA-R;CA-K", zone="CA-R",
)  # fmt: skip
BLUE = bay("disabled (blue badge)", "at any time")
BLUE_C = bay("disabled (blue badge)", "at any time", zone="CA-C")
BLUE_LOADING_STAY = bay("disabled (blue badge)", "at any time", "loading 40 minutes", zone="CA-M")
GREEN = bay("disabled (green permit)", "at any time", zone="CA-C")
DEDICATED = bay("disabled (dedicated)", "at any time", permits="157", zone="CA-H")
MOTORCYCLE = bay("solo motorcycles", "mon-sat 08:30-18:30")
LOADING = bay("loading", "mon-sat 08:30-18:30")
LOADING_TWO_WINDOWS = bay("loading", "mon-sun 10:00-12:00, 14:00-16:00")
LOADING_PARKING = bay("loading / parking", "at any time", zone="CA-F")
LOADING_RESIDENT = bay(
    "loading / resident permit holders", "mon-sat 08:30-18:30", "loading 40 minutes", permits="CA-C", zone="CA-C"
)
PERMIT_LOADING_STAY = bay("permit holders only", "mon-fri 08:30-18:30", "loading 40 minutes", permits="CA-R")
CAR_CLUB = bay("car club", "at any time")
EV = bay("electric vehicle recharging", "at any time")
EV_3H = bay("electric vehicle recharging", "at any time", "3 hours", zone="CA-H")
DOCTOR = bay("doctor", "mon-fri 08:00-20:00", zone="CA-D")
TAXI = bay("taxi rank", "mon-sun 22:00-23:00")
BUS_CAGE = bay("bus cage", "at any time")
FREE_BUSES = bay("free (buses)", "mon-fri 08:00-09:00 & 15:00-17:00")
PAID_BUSES = bay(
    "paid-for (buses)", "mon-fri 08:30-18:30, sat 08:30-13:30", "2 hours", "£7.20 p.h. (buses and coaches)", zone="CA-D"
)
CYCLE_HIRE = bay("cycle hire", "at any time")
TRADER = bay("trader", "mon-sat 08:30-18:30", zone="CA-C")
TRADER_PERMIT = bay("trader / permit holders", "at any time", permits="CA-G", zone="CA-G")
BUSINESS_SCHEME = bay("business scheme a", "mon-fri 08:30-18:30, sat 08:30-13:30", permits="BUSA", zone="CA-D")
BUSINESS_A = bay("business a", "mon-sun 07:00-19:00", zone="CA-D")
POLICE = bay("police", "mon-sat 08:30-18:30")
DIPLOMATIC = bay("diplomatic", "at any time")
FREE_2_MIN = bay("free", "at any time", "2 minutes", zone="CA-G")
OVERNIGHT = bay("resident permit holders only", "mon-fri 22:00-06:00", permits="CA-B")
TO_2359 = bay("permit holders only", "mon-sun 08:00-23:59", permits="CA-B")
WEEKDAYS_ALL_DAY = bay("permit holders only", "mon-fri 00:00-23:59", permits="CA-B")
WEEKENDS = bay("resident permit holders only", "sat-sun 09:30-17:30", permits="CA-B")
IN_THE_GAP = bay("resident permit holders only", "sun 01:30-03:00", permits="CA-B")

ZONE_B = zone_default("09:00-18:30", "09:30-13:30", None, "CA-B")
ZONE_C = zone_default("08:30-18:30", "08:30-18:30", None, "CA-C")
ZONE_DE = zone_default("08:30-18:30", "08:30-13:30", None, "CA-D/E")
ZONE_F_NORTH = zone_default("08:30-23:00", "09:30-23:00", "09:30-23:00", "CA-F(n)")
ZONE_F_SOUTH = zone_default("08:30-18:30", "09:30-17:30", None, "CA-F(s)")
ZONE_G_CROWN = zone_default("00:00-23:59", "00:00-23:59", "00:00-23:59", "CA-G")
ZONE_L_SQUARE = zone_default("08:30-18:30", "09:30-17:30", "09:30-17:30", "CA-L(St Leonards Square)")

CAR = driver()
PETROL = driver(fuel="petrol")
PERMIT_B = driver("CA-B")
BLUE_BADGE = driver(badge="blue")
GREEN_BADGE = driver(badge="green")
GOODS_LOADING = driver(vehicle="goods", activity="load")

WED_NOON = "2026-10-21T12:00+01:00"  # an ordinary Wednesday, BST


def check(answer: Answer, expected: dict[str, Any]) -> None:
    """Compare the named fields; datetimes must match as instants *and* carry the expected local offset."""
    for name, want in expected.items():
        got = getattr(answer, name)
        if isinstance(want, str) and name in ("until", "allowed_from", "pay_until", "at"):
            want_dt = datetime.fromisoformat(want)
            assert got is not None, f"{name}: expected {want}, got None ({answer.reason})"
            # timestamps, not ==: PEP 495 makes a fold=1 time unequal to every time in another zone
            assert (got.timestamp(), got.utcoffset()) == (want_dt.timestamp(), want_dt.utcoffset()), (
                f"{name}: {got.isoformat()} != {want}"
            )
        else:
            assert got == want, f"{name}: expected {want!r}, got {got!r} ({answer.reason})"
    assert answer.until is None or answer.allowed_from is None


def ask(place: Place, who, at: str, **kw: Any) -> Answer:
    return evaluate(place, who, t(at), CAMDEN, **kw)


# --- every Camden restriction type in the shared data, for a plain car and for the driver it admits -------------

EVERY_TYPE = [
    ("resident, no permit", RESIDENT_B, CAR, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("resident, right zone", RESIDENT_B, PERMIT_B, {"can_park": True, "until": None, "max_stay": None}),
    ("resident, wrong zone", RESIDENT_B, driver("CA-C"), {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("permit, listed zone", PERMIT_RK, driver("CA-K"), {"can_park": True, "until": None}),
    ("permit, no permit", PERMIT_RK, CAR, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("paid-for", PAID, PETROL, {"can_park": True, "until": "2026-10-21T14:00+01:00", "payment_required_now": True,
                                 "pay_until": "2026-10-21T14:00+01:00", "max_stay": 120}),
    ("shared resident, payer", SHARED_RES, PETROL, {"can_park": True, "until": "2026-10-21T14:00+01:00",
                                                     "payment_required_now": True, "max_stay": 120}),
    ("shared resident, permit", SHARED_RES, PERMIT_B, {"can_park": True, "until": None,
                                                        "payment_required_now": False, "max_stay": None}),
    ("shared resident, wrong permit pays", SHARED_RES, driver("CA-C", fuel="diesel"),
     {"can_park": True, "until": "2026-10-21T14:00+01:00", "payment_required_now": True}),
    ("shared permit, payer", SHARED_PERMIT, PETROL, {"can_park": True, "until": "2026-10-21T13:00+01:00",
                                                      "payment_required_now": True, "max_stay": 60}),
    ("shared permit, permit", SHARED_PERMIT, driver("CA-K"), {"can_park": True, "until": None,
                                                               "payment_required_now": False}),
    ("blue badge bay, car", BLUE, CAR, {"can_park": False, "allowed_from": None}),
    ("blue badge bay, badge", BLUE, BLUE_BADGE, {"can_park": True, "until": None}),
    ("dedicated, car", DEDICATED, CAR, {"can_park": False, "allowed_from": None}),
    ("dedicated, blue badge", DEDICATED, BLUE_BADGE, {"can_park": False, "allowed_from": None}),
    ("green bay, green badge", GREEN, GREEN_BADGE, {"can_park": True, "until": None}),
    ("green bay, blue badge", GREEN, BLUE_BADGE, {"can_park": False, "allowed_from": None}),
    ("motorcycles, car", MOTORCYCLE, CAR, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("motorcycles, motorcycle", MOTORCYCLE, driver(vehicle="motorcycle"), {"can_park": True, "until": None}),
    ("loading, car", LOADING, CAR, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("loading, car loading", LOADING, driver(activity="load"), {"can_park": False}),
    ("loading, goods parking", LOADING, driver(vehicle="goods"), {"can_park": False}),
    ("loading, goods loading", LOADING, GOODS_LOADING, {"can_park": True, "until": None}),
    ("loading/parking, car", LOADING_PARKING, CAR, {"can_park": False, "allowed_from": None}),
    ("loading/parking, goods loading", LOADING_PARKING, GOODS_LOADING, {"can_park": True, "until": None}),
    ("loading/resident, goods loading", LOADING_RESIDENT, GOODS_LOADING,
     {"can_park": True, "until": "2026-10-21T12:40+01:00", "max_stay": 40}),
    ("loading/resident, permit", LOADING_RESIDENT, driver("CA-C"), {"can_park": True, "until": None}),
    ("loading/resident, car", LOADING_RESIDENT, CAR, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("car club", CAR_CLUB, CAR, {"can_park": False, "allowed_from": None}),
    ("ev, petrol", EV, PETROL, {"can_park": False, "allowed_from": None}),
    ("ev, electric", EV, driver(fuel="electric"), {"can_park": True, "until": None}),
    ("doctor", DOCTOR, CAR, {"can_park": False, "allowed_from": "2026-10-21T20:00+01:00"}),
    ("taxi rank outside its hour", TAXI, CAR, {"can_park": True, "until": "2026-10-21T22:00+01:00"}),
    ("bus cage, car", BUS_CAGE, CAR, {"can_park": False, "allowed_from": None}),
    ("bus cage, bus", BUS_CAGE, driver(vehicle="bus"), {"can_park": False, "allowed_from": None}),
    ("free buses outside hours", FREE_BUSES, CAR, {"can_park": True, "until": "2026-10-21T15:00+01:00"}),
    ("free buses, bus", FREE_BUSES, driver(vehicle="bus"), {"can_park": True, "until": None}),
    ("paid buses, car", PAID_BUSES, CAR, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("paid buses, bus", PAID_BUSES, driver(vehicle="bus"),
     {"can_park": True, "until": "2026-10-21T14:00+01:00", "payment_required_now": True}),
    ("cycle hire", CYCLE_HIRE, CAR, {"can_park": False, "allowed_from": None}),
    ("trader, car", TRADER, CAR, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("trader, trader", TRADER, driver("TRADER"), {"can_park": True, "until": None}),
    ("trader/permit, car", TRADER_PERMIT, CAR, {"can_park": False, "allowed_from": None}),
    ("trader/permit, trader", TRADER_PERMIT, driver("TRADER"), {"can_park": True, "until": None}),
    ("trader/permit, permit", TRADER_PERMIT, driver("CA-G"), {"can_park": True, "until": None}),
    ("business scheme a, car", BUSINESS_SCHEME, CAR, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("business scheme a, BUSA", BUSINESS_SCHEME, driver("BUSA"), {"can_park": True, "until": None}),
    ("business a, car", BUSINESS_A, CAR, {"can_park": False, "allowed_from": "2026-10-21T19:00+01:00"}),
    ("business a, BUSA", BUSINESS_A, driver("BUSA"), {"can_park": True}),
    ("police", POLICE, CAR, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("diplomatic", DIPLOMATIC, CAR, {"can_park": False, "allowed_from": None}),
    ("free, 2 minutes", FREE_2_MIN, CAR, {"can_park": True, "until": "2026-10-21T12:02+01:00", "max_stay": 2}),
]  # fmt: skip


@pytest.mark.parametrize(("place", "who", "expected"), [c[1:] for c in EVERY_TYPE], ids=[c[0] for c in EVERY_TYPE])
def test_every_camden_type(place: Place, who, expected: dict[str, Any]) -> None:
    check(ask(place, who, WED_NOON), expected)


def test_the_table_covers_every_type() -> None:
    covered = {case[1].restriction_type for case in EVERY_TYPE}
    assert set(CAMDEN_BAY_TYPES) <= covered


# --- blue and green badges, inside and outside the green-badge area (CA-C, CA-D, CA-E) -----------------------------

BADGES = [
    ("resident CA-B, blue", RESIDENT_B, BLUE_BADGE, WED_NOON, {"can_park": True, "until": None}),
    ("paid CA-B, blue: free", PAID, BLUE_BADGE, WED_NOON,
     {"can_park": True, "until": None, "payment_required_now": False, "max_stay": None}),
    ("shared CA-B, blue", SHARED_RES, BLUE_BADGE, WED_NOON, {"can_park": True, "until": None}),
    ("permit bay, blue: no concession", PERMIT_RK, BLUE_BADGE, WED_NOON, {"can_park": False}),
    ("loading bay, blue", LOADING, BLUE_BADGE, WED_NOON, {"can_park": False}),
    ("motorcycle bay, blue", MOTORCYCLE, BLUE_BADGE, WED_NOON, {"can_park": False}),
    ("trader bay, blue", TRADER, BLUE_BADGE, WED_NOON, {"can_park": False}),
    ("ev bay, blue", EV, BLUE_BADGE, WED_NOON, {"can_park": False}),
    ("car club, blue", CAR_CLUB, BLUE_BADGE, WED_NOON, {"can_park": False}),
    ("resident CA-C, blue: green area", RESIDENT_C, BLUE_BADGE, WED_NOON,
     {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("resident CA-C, green", RESIDENT_C, GREEN_BADGE, WED_NOON, {"can_park": True, "until": None}),
    ("resident CA-B, green counts as blue", RESIDENT_B, GREEN_BADGE, WED_NOON, {"can_park": True, "until": None}),
    ("paid CA-D, blue pays", PAID_D, driver(badge="blue", fuel="petrol"), WED_NOON,
     {"can_park": True, "until": "2026-10-21T14:00+01:00", "payment_required_now": True}),
    ("paid CA-D, green free", PAID_D, GREEN_BADGE, WED_NOON,
     {"can_park": True, "until": None, "payment_required_now": False}),
    ("blue bay in CA-C still admits blue", BLUE_C, BLUE_BADGE, WED_NOON, {"can_park": True, "until": None}),
    ("blue bay: loading stay does not bind badges", BLUE_LOADING_STAY, BLUE_BADGE, WED_NOON,
     {"can_park": True, "until": None, "max_stay": None}),
    ("zone default CA-B, blue: 3 hours", ZONE_B, BLUE_BADGE, WED_NOON,
     {"can_park": True, "until": "2026-10-21T15:00+01:00", "max_stay": 180}),
    ("zone default CA-B, car", ZONE_B, CAR, WED_NOON, {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("zone default CA-C, blue: green area", ZONE_C, BLUE_BADGE, WED_NOON,
     {"can_park": False, "allowed_from": "2026-10-21T18:30+01:00"}),
    ("zone default CA-C, green: 3 hours", ZONE_C, GREEN_BADGE, WED_NOON,
     {"can_park": True, "until": "2026-10-21T15:00+01:00"}),
    ("zone default CA-D/E boundary, blue", ZONE_DE, BLUE_BADGE, WED_NOON, {"can_park": False}),
    ("zone default, 3 hours resume next period", ZONE_F_NORTH, BLUE_BADGE, "2026-10-23T22:00+01:00",
     {"can_park": True, "until": "2026-10-24T12:30+01:00"}),
]  # fmt: skip


@pytest.mark.parametrize(("place", "who", "at", "expected"), [c[1:] for c in BADGES], ids=[c[0] for c in BADGES])
def test_badges(place: Place, who, at: str, expected: dict[str, Any]) -> None:
    check(ask(place, who, at), expected)


# --- time: max stays, period ends, overnight, 23:59, two windows, weekends -------------------------------------

TIMES = [
    # the paid-bay example: enter Mon 17:30, free from 18:30, a new 2-hour count from Tue 08:30
    ("paid 17:30", PAID, PETROL, "2026-10-19T17:30+01:00",
     {"can_park": True, "until": "2026-10-20T10:30+01:00", "payment_required_now": True,
      "pay_until": "2026-10-19T18:30+01:00", "max_stay": 120}),
    ("paid on Sunday: count starts Mon 08:30", PAID, PETROL, "2026-10-18T12:00+01:00",
     {"can_park": True, "until": "2026-10-19T10:30+01:00", "payment_required_now": False, "pay_until": None}),
    ("paid 16:30: period ends as the stay does", PAID, PETROL, "2026-10-19T16:30+01:00",
     {"can_park": True, "until": "2026-10-20T10:30+01:00"}),
    ("max stay over midnight, at any time", EV_3H, driver(fuel="electric"), "2026-10-19T23:00+01:00",
     {"can_park": True, "until": "2026-10-20T02:00+01:00", "max_stay": 180}),
    ("max stay over a 23:59 seam", PAID_ALL_DAY, PETROL, "2026-10-19T22:00+01:00",
     {"can_park": True, "until": "2026-10-20T02:00+01:00"}),
    ("2 minutes over midnight", FREE_2_MIN, CAR, "2026-10-19T23:59+01:00",
     {"can_park": True, "until": "2026-10-20T00:01+01:00"}),
    ("overnight, Friday night", OVERNIGHT, CAR, "2026-10-23T23:00+01:00",
     {"can_park": False, "allowed_from": "2026-10-24T06:00+01:00"}),
    ("overnight, Saturday 05:00 still Friday's window", OVERNIGHT, CAR, "2026-10-24T05:00+01:00",
     {"can_park": False, "allowed_from": "2026-10-24T06:00+01:00"}),
    ("overnight, Saturday night free until Monday 22:00", OVERNIGHT, CAR, "2026-10-24T23:00+01:00",
     {"can_park": True, "until": "2026-10-26T22:00+00:00"}),
    ("overnight, weekday noon", OVERNIGHT, CAR, "2026-10-20T12:00+01:00",
     {"can_park": True, "until": "2026-10-20T22:00+01:00"}),
    ("23:59 end is midnight", TO_2359, CAR, "2026-10-19T12:00+01:00",
     {"can_park": False, "allowed_from": "2026-10-20T00:00+01:00"}),
    ("23:59 end, last minute", TO_2359, CAR, "2026-10-19T23:59:30+01:00",
     {"can_park": False, "allowed_from": "2026-10-20T00:00+01:00"}),
    ("23:59 end, small hours", TO_2359, CAR, "2026-10-20T03:00+01:00",
     {"can_park": True, "until": "2026-10-20T08:00+01:00"}),
    ("mon-fri 00:00-23:59 is one period", WEEKDAYS_ALL_DAY, CAR, "2026-10-19T12:00+01:00",
     {"can_park": False, "allowed_from": "2026-10-24T00:00+01:00"}),
    ("two windows: in the first", LOADING_TWO_WINDOWS, CAR, "2026-10-19T11:00+01:00",
     {"can_park": False, "allowed_from": "2026-10-19T12:00+01:00"}),
    ("two windows: between", LOADING_TWO_WINDOWS, CAR, "2026-10-19T12:30+01:00",
     {"can_park": True, "until": "2026-10-19T14:00+01:00"}),
    ("two windows: after", LOADING_TWO_WINDOWS, CAR, "2026-10-19T16:00+01:00",
     {"can_park": True, "until": "2026-10-20T10:00+01:00"}),
    ("school-run windows: morning", FREE_BUSES, CAR, "2026-10-19T08:30+01:00",
     {"can_park": False, "allowed_from": "2026-10-19T09:00+01:00"}),
    ("school-run windows: Friday afternoon to Monday", FREE_BUSES, CAR, "2026-10-23T17:00+01:00",
     {"can_park": True, "until": "2026-10-26T08:00+00:00"}),
    ("Saturday window, payer", SHARED_PERMIT, PETROL, "2026-10-24T12:00+01:00",
     {"can_park": True, "until": "2026-10-24T13:00+01:00", "payment_required_now": True}),
    ("Saturday window ends before the hour is up", SHARED_PERMIT, PETROL, "2026-10-24T13:00+01:00",
     {"can_park": True, "until": "2026-10-26T10:00+00:00", "pay_until": "2026-10-24T13:30+01:00"}),
    ("weekend bay, Saturday evening", WEEKENDS, CAR, "2026-10-24T18:00+01:00",
     {"can_park": True, "until": "2026-10-25T09:30+00:00"}),
    ("Sunday controls in St Leonards Square", ZONE_L_SQUARE, CAR, "2026-10-25T12:00+00:00",
     {"can_park": False, "allowed_from": "2026-10-25T17:30+00:00"}),
    ("taxi rank in its hour", TAXI, driver(vehicle="taxi"), "2026-10-21T22:30+01:00",
     {"can_park": False, "allowed_from": "2026-10-21T23:00+01:00"}),
]  # fmt: skip


@pytest.mark.parametrize(("place", "who", "at", "expected"), [c[1:] for c in TIMES], ids=[c[0] for c in TIMES])
def test_times(place: Place, who, at: str, expected: dict[str, Any]) -> None:
    check(ask(place, who, at), expected)


# --- zone defaults: two CA-F sub-zones with different hours ----------------------------------------------------

ZONES = [
    ("CA-F(n) Wed 20:00: controlled to 23:00", ZONE_F_NORTH, CAR, "2026-10-21T20:00+01:00",
     {"can_park": False, "allowed_from": "2026-10-21T23:00+01:00", "category": "zone_default"}),
    ("CA-F(s) Wed 20:00: free until Thu 08:30", ZONE_F_SOUTH, CAR, "2026-10-21T20:00+01:00",
     {"can_park": True, "until": "2026-10-22T08:30+01:00"}),
    ("CA-F(n) Sunday: controlled", ZONE_F_NORTH, CAR, "2026-10-25T12:00+00:00",
     {"can_park": False, "allowed_from": "2026-10-25T23:00+00:00"}),
    ("CA-F(s) Sunday: uncontrolled", ZONE_F_SOUTH, CAR, "2026-10-25T12:00+00:00",
     {"can_park": True, "until": "2026-10-26T08:30+00:00"}),
    ("CA-F(s) Saturday to 17:30", ZONE_F_SOUTH, CAR, "2026-10-24T17:00+01:00",
     {"can_park": False, "allowed_from": "2026-10-24T17:30+01:00"}),
    ("zone default, loading allowed", ZONE_F_NORTH, driver(activity="load"), "2026-10-21T20:00+01:00",
     {"can_park": True, "until": None}),
    ("zone default, bank holiday not enforced", ZONE_B, CAR, "2026-08-31T12:00+01:00",
     {"can_park": True, "until": "2026-09-01T09:00+01:00"}),
    ("Crown Estate, blue badge across midnight", ZONE_G_CROWN, BLUE_BADGE, "2026-10-19T22:00+01:00",
     {"can_park": True, "until": "2026-10-20T01:00+01:00"}),
    ("Crown Estate, car: no gap in the week", ZONE_G_CROWN, CAR, "2026-10-19T22:00+01:00",
     {"can_park": False, "allowed_from": None}),
]  # fmt: skip


@pytest.mark.parametrize(("place", "who", "at", "expected"), [c[1:] for c in ZONES], ids=[c[0] for c in ZONES])
def test_zone_defaults(place: Place, who, at: str, expected: dict[str, Any]) -> None:
    check(ask(place, who, at), expected)


def test_zone_default_reason_says_it_is_not_a_bay() -> None:
    answer = ask(ZONE_F_NORTH, CAR, "2026-10-21T20:00+01:00")
    assert "CA-F(n) controlled hours" in answer.reason and "not a marked bay" in answer.reason
    assert answer.caveats and any("loading" in c for c in answer.caveats)
    outside = ask(ZONE_F_SOUTH, CAR, "2026-10-21T20:00+01:00")
    assert outside.reason.startswith("No restriction applies here now") and "not a marked bay" in outside.reason


# --- bank holidays (England), looked up by local date ----------------------------------------------------------

HOLIDAYS = [
    ("Sat 26 Dec 2026 (Boxing Day) and Mon 28 Dec (substitute)", RESIDENT_MON_SAT, CAR, "2026-12-26T12:00+00:00",
     {"can_park": True, "until": "2026-12-29T08:30+00:00"}),
    ("Mon 28 Dec 2026, the observed Boxing Day", RESIDENT_B, CAR, "2026-12-28T10:00+00:00",
     {"can_park": True, "until": "2026-12-29T08:30+00:00"}),
    ("23:30 UTC Sun 30 Aug 2026 is already the bank holiday", RESIDENT_B, CAR, "2026-08-30T23:30+00:00",
     {"can_park": True, "at": "2026-08-31T00:30+01:00", "until": "2026-09-01T08:30+01:00"}),
    ("paid bay on a bank holiday: free, count starts next day", PAID, PETROL, "2026-08-31T12:00+01:00",
     {"can_park": True, "payment_required_now": False, "until": "2026-09-01T10:30+01:00"}),
    ("motorcycle bay is enforced", MOTORCYCLE, CAR, "2026-12-28T12:00+00:00",
     {"can_park": False, "allowed_from": "2026-12-28T18:30+00:00"}),
    ("loading/resident is enforced", LOADING_RESIDENT, CAR, "2026-08-31T12:00+01:00",
     {"can_park": False, "allowed_from": "2026-08-31T18:30+01:00"}),
    ("doctor bay is enforced", DOCTOR, CAR, "2026-12-28T12:00+00:00",
     {"can_park": False, "allowed_from": "2026-12-28T20:00+00:00"}),
]  # fmt: skip


@pytest.mark.parametrize(("place", "who", "at", "expected"), [c[1:] for c in HOLIDAYS], ids=[c[0] for c in HOLIDAYS])
def test_bank_holidays(place: Place, who, at: str, expected: dict[str, Any]) -> None:
    check(ask(place, who, at), expected)


@pytest.mark.parametrize("restriction_type", sorted(CAMDEN_BAY_TYPES))
def test_bank_holiday_enforcement_per_type(restriction_type: str) -> None:
    """On Mon 28 Dec 2026 at noon a plain car may use exactly the bays the council does not enforce that day."""
    not_enforced = {
        "resident permit holders only", "permit holders only", "paid-for", "paid-for / resident permit holders",
        "paid-for / permit holders", "trader", "trader / permit holders", "business scheme a", "business a", "free",
    }  # fmt: skip
    place = bay(restriction_type, "mon-sat 08:30-18:30", permits="CA-B")
    answer = ask(place, CAR, "2026-12-28T12:00+00:00")
    assert answer.can_park is (restriction_type in not_enforced), answer.reason
    ordinary_day = ask(place, CAR, "2026-12-22T12:00+00:00")
    assert ordinary_day.can_park is (restriction_type in {"paid-for", "paid-for / resident permit holders",
                                                          "paid-for / permit holders", "free"})  # fmt: skip


# --- clock changes: 29 Mar and 25 Oct 2026, 28 Mar and 31 Oct 2027 ---------------------------------------------

DST = [
    ("Fri 23 Oct 2026 18:00 BST is still inside the hours", RESIDENT_B, CAR, "2026-10-23T18:00+01:00",
     {"can_park": False, "allowed_from": "2026-10-23T18:30+01:00"}),
    ("Fri 23 Oct 2026 18:00 UTC: until Monday, in GMT", RESIDENT_B, CAR, "2026-10-23T18:00+00:00",
     {"can_park": True, "at": "2026-10-23T19:00+01:00", "until": "2026-10-26T08:30+00:00"}),
    ("Fri 27 Mar 2026 evening: until Monday, in BST", RESIDENT_B, CAR, "2026-03-27T19:00+00:00",
     {"can_park": True, "until": "2026-03-30T08:30+01:00"}),
    ("2 hours across the spring gap are 2 real hours", PAID_ANY_TIME, PETROL, "2026-03-29T00:30+00:00",
     {"can_park": True, "until": "2026-03-29T03:30+01:00"}),
    ("2 hours across the autumn fold end in the second 01:30", PAID_ANY_TIME, PETROL, "2026-10-25T00:30+01:00",
     {"can_park": True, "until": "2026-10-25T01:30+00:00"}),
    ("a window starting in the gap starts when the gap ends", IN_THE_GAP, CAR, "2026-03-29T00:45+00:00",
     {"can_park": True, "until": "2026-03-29T02:00+01:00"}),
    ("inside that window", IN_THE_GAP, CAR, "2026-03-29T02:30+01:00",
     {"can_park": False, "allowed_from": "2026-03-29T03:00+01:00"}),
    ("2027: clocks go forward, Good Friday and Easter Monday", RESIDENT_B, CAR, "2027-03-25T19:00+00:00",
     {"can_park": True, "until": "2027-03-30T08:30+01:00"}),
    ("2027: clocks go back", RESIDENT_B, CAR, "2027-10-29T19:00+01:00",
     {"can_park": True, "until": "2027-11-01T08:30+00:00"}),
    ("2027: 3 hours on a yellow line across the fold", ZONE_G_CROWN, BLUE_BADGE, "2027-10-31T00:30+01:00",
     {"can_park": True, "until": "2027-10-31T02:30+00:00"}),
    ("2027: spring gap on a paid bay", PAID_ANY_TIME, PETROL, "2027-03-28T00:15+00:00",
     {"can_park": True, "until": "2027-03-28T03:15+01:00"}),
]  # fmt: skip


@pytest.mark.parametrize(("place", "who", "at", "expected"), [c[1:] for c in DST], ids=[c[0] for c in DST])
def test_clock_changes(place: Place, who, at: str, expected: dict[str, Any]) -> None:
    check(ask(place, who, at), expected)


def test_next_changes_carry_their_own_offsets() -> None:
    answer = ask(RESIDENT_B, CAR, "2026-10-23T19:00+01:00")
    assert answer.next_changes[:2] == (
        Change(at=t("2026-10-26T08:30+00:00"), can_park=False, payment_required=False),
        Change(at=t("2026-10-26T18:30+00:00"), can_park=True, payment_required=False),
    )
    assert [c.at.utcoffset() for c in answer.next_changes[:2]] == [timedelta(0), timedelta(0)]
    paid = ask(PAID, PETROL, "2026-10-19T17:30+01:00")
    assert [(c.at.isoformat(), c.can_park, c.payment_required) for c in paid.next_changes[:3]] == [
        ("2026-10-19T18:30:00+01:00", True, False),
        ("2026-10-20T08:30:00+01:00", True, True),
        ("2026-10-20T18:30:00+01:00", True, False),
    ]


def test_naive_times_are_london_wall_time() -> None:
    in_fold = evaluate(RESIDENT_B, CAR, datetime(2026, 10, 25, 1, 30), CAMDEN)
    assert in_fold.at.isoformat() == "2026-10-25T01:30:00+01:00"  # the first 01:30
    assert evaluate(RESIDENT_B, CAR, datetime(2026, 10, 21, 12, 0), CAMDEN) == ask(RESIDENT_B, CAR, WED_NOON)
    for gap in (datetime(2026, 3, 29, 1, 30), datetime(2027, 3, 28, 1, 0)):
        with pytest.raises(NonexistentLocalTime):
            evaluate(RESIDENT_B, CAR, gap, CAMDEN)


def test_localize() -> None:
    assert localize(t("2026-06-01T12:00+00:00"), "Europe/London").isoformat() == "2026-06-01T13:00:00+01:00"
    assert localize(datetime(2026, 10, 25, 1, 30), "Europe/London").utcoffset() == timedelta(hours=1)
    with pytest.raises(NonexistentLocalTime):
        localize(datetime(2026, 3, 29, 1, 30), "Europe/London")


# --- suspensions -----------------------------------------------------------------------------------------------

SUSPENDED = bay(
    "resident permit holders only", "mon-fri 08:30-18:30", permits="CA-B",
    suspensions=(Suspension(datetime(2026, 10, 19, 12, 0), datetime(2026, 10, 20, 12, 0), "Crane lifting"),),
)  # fmt: skip


def test_suspension_beats_every_rule() -> None:
    during = ask(SUSPENDED, PERMIT_B, "2026-10-19T13:00+01:00")
    check(during, {"can_park": False, "suspended": True, "allowed_from": "2026-10-20T12:00+01:00"})
    assert during.reason == "This bay is suspended: Crane lifting. You may park from Tue 12:00."
    assert during.trace[0].rule == "suspension" and during.trace[0].won
    assert not any(entry.won for entry in during.trace[1:])
    before = ask(SUSPENDED, PERMIT_B, "2026-10-19T10:00+01:00")
    check(before, {"can_park": True, "suspended": False, "until": "2026-10-19T12:00+01:00"})
    badge = ask(SUSPENDED, BLUE_BADGE, "2026-10-19T20:00+01:00")
    check(badge, {"can_park": False, "suspended": True})


# --- payment and price -----------------------------------------------------------------------------------------

PRICES = [
    ("90 min petrol at £3.30/h", PETROL, 90, {"price": Decimal("4.95"), "stay_ok": True}),
    ("90 min electric pays non-diesel", driver(fuel="electric"), 90, {"price": Decimal("4.95")}),
    ("90 min diesel at £4.01/h, half up", driver(fuel="diesel"), 90, {"price": Decimal("6.02")}),
    ("45 min petrol", PETROL, 45, {"price": Decimal("2.48")}),
    ("no fuel: no price", CAR, 90, {"price": None, "stay_ok": True}),
    ("150 min is past the max stay", PETROL, 150, {"stay_ok": False, "price": Decimal("6.60")}),
    ("blue badge pays nothing", BLUE_BADGE, 90, {"price": Decimal("0.00"), "stay_ok": True}),
]  # fmt: skip


@pytest.mark.parametrize(("who", "stay", "expected"), [c[1:] for c in PRICES], ids=[c[0] for c in PRICES])
def test_prices(who, stay: int, expected: dict[str, Any]) -> None:
    answer = ask(PAID, who, "2026-10-19T09:00+01:00", stay=stay)
    check(answer, expected)


def test_price_details() -> None:
    late = ask(PAID, PETROL, "2026-10-19T18:00+01:00", stay=60)  # only 30 of the 60 minutes are charged
    check(late, {"price": Decimal("1.65"), "stay_ok": True, "pay_until": "2026-10-19T18:30+01:00"})
    whole = ask(PAID, PETROL, "2026-10-19T09:00+01:00")  # no stay: priced up to ``until`` (11:00)
    check(whole, {"price": Decimal("6.60"), "pay_until": "2026-10-19T11:00+01:00"})
    assert [t.fuel for t in whole.tariffs] == ["non-diesel", "diesel"]
    bus = ask(PAID_BUSES, driver(vehicle="bus"), WED_NOON, stay=60)  # one "any" tariff applies without a fuel
    check(bus, {"price": Decimal("7.20")})
    across_gap = ask(PAID_ANY_TIME, PETROL, "2026-03-29T00:30+00:00", stay=120)  # two real hours
    check(across_gap, {"price": Decimal("6.60"), "stay_ok": True})
    free_now = ask(RESIDENT_B, CAR, "2026-10-23T19:00+01:00", stay=60)
    check(free_now, {"price": Decimal("0.00"), "stay_ok": True, "payment_required_now": False})
    refused = ask(RESIDENT_B, CAR, WED_NOON, stay=60)
    check(refused, {"price": None, "stay_ok": False})


def test_paid_bay_before_its_hours_shows_the_tariffs_it_prices_with() -> None:
    # PAID is "mon-sat 08:30-18:30", "2 hours", £3.30 / £4.01. Monday 19 Oct 2026 07:00 BST: free until 08:30, then
    # paying, the 2 hours counted from 08:30: until 10:30; charged 08:30-10:30 = 2 h at £3.30 = £6.60
    early = ask(PAID, PETROL, "2026-10-19T07:00+01:00")
    check(early, {"can_park": True, "until": "2026-10-19T10:30+01:00", "payment_required_now": False,
                  "price": Decimal("6.60")})  # fmt: skip
    rates = [(t.fuel, t.per_hour) for t in early.tariffs]
    assert rates == [("non-diesel", Decimal("3.30")), ("diesel", Decimal("4.01"))]
    # without a fuel the rates are still listed (the price is the caller's to leave out)
    assert [t.fuel for t in ask(PAID, CAR, "2026-10-19T07:00+01:00").tariffs] == ["non-diesel", "diesel"]
    # a resident bay has no tariffs at all
    assert ask(RESIDENT_B, CAR, "2026-10-19T07:00+01:00").tariffs == ()


def test_the_reason_names_the_bank_holiday_that_lifts_a_bay() -> None:
    # RESIDENT_B "mon-fri 08:30-18:30" on Monday 31 Aug 2026 at noon, the late summer bank holiday
    answer = ask(RESIDENT_B, CAR, "2026-08-31T12:00+01:00")
    assert answer.can_park is True
    assert answer.reason.startswith("No restriction applies here now: it is a bank holiday (Late Summer Bank Holiday)")
    # at 20:00 the bay would be free on any Monday: no holiday is mentioned
    assert "bank holiday" not in ask(RESIDENT_B, CAR, "2026-08-31T20:00+01:00").reason


# --- reasons and trace -----------------------------------------------------------------------------------------


def test_reasons() -> None:
    assert ask(RESIDENT_B, CAR, WED_NOON).reason.startswith(
        "Resident permit holders only (CA-B), Mon–Fri 08:30–18:30: you need a CA-B permit."
    )
    assert ask(RESIDENT_B, CAR, WED_NOON).reason.endswith("You may park from 18:30.")
    # paid until 18:30 and again from 08:30 (issue 11 point 7): the reason says both, not "You may stay until …"
    assert ask(PAID, PETROL, "2026-10-19T17:30+01:00").reason == (
        "Paid parking until 18:30, max stay 2 hours. Pay again from Tue 08:30 to stay until Tue 10:30."
    )
    assert ask(PAID, PETROL, "2026-10-19T09:00+01:00").reason.startswith("Paid parking until 18:30, max stay 2 hours.")
    assert ask(RESIDENT_B, CAR, "2026-10-18T12:00+01:00").reason.startswith("No restriction applies here now.")
    assert "no stopping" in ask(BUS_CAGE, CAR, WED_NOON).reason
    assert "blue badge" in ask(BLUE, CAR, WED_NOON).reason


def test_trace_lists_every_rule() -> None:
    answer = ask(SHARED_RES, PERMIT_B, WED_NOON)
    assert [(e.priority, e.in_effect, e.applies, e.won) for e in answer.trace] == [
        (10, True, False, False),  # blue badge concession
        (20, True, True, True),  # resident permit: wins
        (50, True, True, False),  # paid parking applies too but loses on priority
    ]
    assert set(answer.trace[0].to_dict()) == {"rule", "priority", "in_effect", "applies", "won", "note"}
    assert answer.to_dict()["trace"][1]["won"] is True


# --- precedence on hand-built rules ----------------------------------------------------------------------------


def _place(*rules: Rule) -> Place:
    return Place("test", "x", "bay", Regulation(rules=rules, category="test"))


PARK_ALL = Rule(Activity.PARK, priority=5, label="anyone")


def test_no_rule_means_unrestricted() -> None:
    check(ask(_place(), CAR, WED_NOON), {"can_park": True, "until": None, "reason": "No restriction applies here now."})


def test_tie_goes_to_the_prohibition() -> None:
    check(ask(_place(PARK_ALL, Rule(Activity.NO_PARKING, priority=5)), CAR, WED_NOON), {"can_park": False})


def test_tie_goes_to_the_shorter_max_stay_then_payment() -> None:
    answer = ask(_place(Rule(Activity.PARK, priority=5, max_stay=120), Rule(Activity.PARK, priority=5, max_stay=60)),
                 CAR, WED_NOON)  # fmt: skip
    check(answer, {"max_stay": 60, "until": "2026-10-21T13:00+01:00"})
    paid = ask(_place(PARK_ALL, Rule(Activity.PARK, priority=5, payment=True)), CAR, WED_NOON)
    check(paid, {"payment_required_now": True})


def test_no_parking_does_not_forbid_loading() -> None:
    place = _place(Rule(Activity.NO_PARKING, priority=1), Rule(Activity.LOAD, priority=2))
    check(ask(place, CAR, WED_NOON), {"can_park": False})
    check(ask(place, driver(activity="load"), WED_NOON), {"can_park": True})
    check(ask(_place(Rule(Activity.NO_PARKING, priority=1)), driver(activity="load"), WED_NOON), {"can_park": False})
    no_stopping = _place(Rule(Activity.NO_STOPPING, priority=1), Rule(Activity.LOAD, priority=2))
    check(ask(no_stopping, driver(activity="load"), WED_NOON), {"can_park": False})


def test_a_rule_about_another_activity_still_counts_as_in_effect() -> None:
    place = _place(Rule(Activity.LOAD, user_classes=frozenset({UserClass.GOODS}), priority=1))
    check(ask(place, CAR, WED_NOON), {"can_park": False, "allowed_from": None})


def test_lower_priority_number_wins() -> None:
    place = _place(Rule(Activity.PARK, priority=1, payment=True), Rule(Activity.NO_PARKING, priority=2))
    check(ask(place, CAR, WED_NOON), {"can_park": True, "payment_required_now": True})


def test_date_ranges_yearly_ranges_and_holiday_only() -> None:
    festive = _place(Rule(Activity.NO_PARKING, time_spans=(TimeSpan(yearly=(("12-20", "01-05"),)),)))
    check(ask(festive, CAR, "2027-01-02T12:00+00:00"), {"can_park": False, "allowed_from": "2027-01-06T00:00+00:00"})
    check(ask(festive, CAR, "2027-01-10T12:00+00:00"), {"can_park": True})
    dated = _place(Rule(Activity.NO_PARKING, time_spans=(TimeSpan(date_from=date(2026, 10, 22),
                                                                  date_to=date(2026, 10, 23)),)))  # fmt: skip
    check(ask(dated, CAR, WED_NOON), {"can_park": True, "until": "2026-10-22T00:00+01:00"})
    holiday_only = _place(Rule(Activity.NO_PARKING, time_spans=(TimeSpan(holidays=HolidayMode.ONLY),)))
    check(ask(holiday_only, CAR, "2026-08-30T12:00+01:00"),
          {"can_park": True, "until": "2026-08-31T00:00+01:00"})  # fmt: skip


def test_unknown_designated_period_is_never_in_effect_and_noted() -> None:
    rule = Rule(Activity.NO_PARKING, time_spans=(TimeSpan(designated=(("school days", "only"),)),), label="school")
    answer = ask(_place(rule), CAR, WED_NOON)
    check(answer, {"can_park": True})
    assert "school days" in answer.trace[0].note and not answer.trace[0].in_effect
    known = Rule(Activity.NO_PARKING, time_spans=(TimeSpan(designated=(("Christmas Day", "only"),)),))
    check(ask(_place(known), CAR, "2026-12-25T12:00+00:00"), {"can_park": False})


def test_another_authority_zone_and_calendar() -> None:
    portland = Authority(name="portland", timezone="America/Los_Angeles", holiday_country="US", holiday_subdiv="OR")
    rule = Rule(Activity.NO_PARKING, time_spans=(TimeSpan(windows=((480, 1080),), holidays=HolidayMode.EXCEPT),))
    independence_observed = evaluate(_place(rule), CAR, datetime(2026, 7, 3, 12, 0), portland)
    assert independence_observed.can_park and independence_observed.at.utcoffset() == timedelta(hours=-7)
    # Independence Day itself (Saturday 4 July) is a holiday too, like a weekend-dated bank holiday in England
    assert independence_observed.until == datetime.fromisoformat("2026-07-05T08:00-07:00")


# --- timeline --------------------------------------------------------------------------------------------------


def test_timeline_is_merged_and_piecewise() -> None:
    segments = timeline(PAID, PETROL, t("2026-10-19T08:00+01:00"), t("2026-10-19T20:00+01:00"), CAMDEN)
    assert [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M"), s.allowed, s.payment_required, s.max_stay)
            for s in segments] == [
        ("08:00", "08:30", True, False, None),
        ("08:30", "18:30", True, True, 120),
        ("18:30", "20:00", True, False, None),
    ]  # fmt: skip
    assert segments[1].rule is not None and segments[1].rule.payment
    around_the_clock = timeline(EV, driver(fuel="electric"), t("2026-10-19T20:00+01:00"), t("2026-10-21T20:00+01:00"),
                                CAMDEN)  # fmt: skip
    assert len(around_the_clock) == 1
    assert timeline(EV, CAR, t(WED_NOON), t(WED_NOON), CAMDEN) == []


def test_horizon_bounds_the_answer() -> None:
    short = ask(RESIDENT_B, CAR, "2026-10-23T19:00+01:00", horizon=timedelta(days=1))
    check(short, {"can_park": True, "until": None, "next_changes": ()})
    with pytest.raises(ValueError, match="horizon"):
        ask(RESIDENT_B, CAR, WED_NOON, horizon=timedelta(0))
