"""The sign-text reader on a corpus of British parking-sign wordings, each with what a person reads from the sign,
written by hand: who may park, the bay's hours, each maximum stay / no-return with its own hours, and the tariff.

Sources of the wordings: the parking-place plates of the Traffic Signs Regulations and General Directions 2016
(Schedule 4 and 7 diagrams: "Pay at machine", "Permit holders only", "Disabled badge holders only", "Loading only",
"Max stay", "No return within", "At any time"), Camden's published values (times of operation, maximum stays,
tariffs), the three failing texts of issue 10, and the phrasing councils use in their bay files. Times are written
here in a notation of this test ("Mo-Fr 08:30-18:30; Sa 08:30-13:30", "always"), turned into time spans by
arithmetic below, not by the parser under test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from loaders.mapped.signtext import read_sign
from parking_api.engine.model import HolidayMode, TimeSpan, UserClass

_DAYS = {"Mo": 0, "Tu": 1, "We": 2, "Th": 3, "Fr": 4, "Sa": 5, "Su": 6}


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _spans(notation: str | None) -> tuple[TimeSpan, ...] | None:
    """``"Mo-Fr 08:30-18:30&15:00-17:00; Sa 09:00-13:00"``, ``"always"``, ``"Mo-Sa all"``; ``!hol``: except bank
    holidays."""
    if notation is None:
        return None
    if notation == "always":
        return (TimeSpan(),)
    out = []
    for part in notation.split(";"):
        bits = part.split()
        hol = HolidayMode.EXCEPT if "!hol" in bits else HolidayMode.IGNORE
        days_text, windows_text = bits[0], bits[1]
        days: set[int] = set()
        if days_text == "all":
            days = set(range(7))
        for group in days_text.split(","):
            if group == "all":
                continue
            first, _, last = group.partition("-")
            a, b = _DAYS[first], _DAYS[last or first]
            days |= {(a + i) % 7 for i in range((b - a) % 7 + 1)}
        if windows_text == "all":
            windows = ((0, 1440),)
        else:
            windows = tuple((_minutes(w.split("-")[0]), _minutes(w.split("-")[1])) for w in windows_text.split("&"))
        out.append(TimeSpan(days=frozenset(days), windows=windows, holidays=hol))
    return tuple(out)


E, P, BB, GB, DD = "everyone", "permit", "blue_badge", "green_badge", "disabled_dedicated"
EV, CC, MC, G = "electric", "car_club", "motorcycle", "goods"

# (sign text, what a person reads). Keys: park / load (class names, space-separated), pays, permits (space-separated
# tokens), times, limits [(max stay, no return, own hours or None, binds)], tariffs {fuel: per hour}, unread
# (phrases the reader must report), unsafe (True: words about hours or a stay limit that must not be guessed).
CORPUS: list[tuple[str, dict]] = [
    # --- issue 10's failing texts
    (
        "Pay On-Street Mon-Fri 8.30am-6.30pm and Sat 8.30am-1.30pm Max stay 4 hours",
        dict(park=E, pays=True, times="Mo-Fr 08:30-18:30; Sa 08:30-13:30", limits=[(240, None, None)]),
    ),
    (
        "Disabled Bay - blue badge holders only 4 hours max stay Mon-Fri 8.30am-6.30pm no max stay outside these times",
        dict(park=BB, limits=[(240, None, "Mo-Fr 08:30-18:30")]),
    ),
    ("Permit holders only Mon-Sat 8.30am-6.30pm", dict(park=P, times="Mo-Sa 08:30-18:30")),
    ("Electric vehicles only, charging, max stay 4 hours, no return 2 hours", dict(park=EV, limits=[(240, 120, None)])),
    (
        "High Tariff: Electric Vehicle - £3.90, Petrol - £5.30, Diesel - £6.10",
        dict(tariffs={"electric": "3.90", "petrol": "5.30", "diesel": "6.10"}),
    ),
    ("£2.45 per hour", dict(tariffs={"any": "2.45"})),
    # --- TSRGD 2016 parking-place plates
    ("Pay at machine Mon - Sat 8.30am - 6.30pm", dict(park=E, pays=True, times="Mo-Sa 08:30-18:30")),
    (
        "Pay at machine Mon - Fri 8am - 6pm Max stay 2 hours No return within 1 hour",
        dict(park=E, pays=True, times="Mo-Fr 08:00-18:00", limits=[(120, 60, None)]),
    ),
    ("Pay by phone Mon-Sat 8am-6.30pm", dict(park=E, pays=True, times="Mo-Sa 08:00-18:30")),
    (
        "Pay and display Mon - Sat 9am - 5pm Max stay 3 hours",
        dict(park=E, pays=True, times="Mo-Sa 09:00-17:00", limits=[(180, None, None)]),
    ),
    ("Pay & Display 8am-8pm", dict(park=E, pays=True, times="all 08:00-20:00")),
    ("Permit holders only", dict(park=P)),
    ("Permit holders only Zone F", dict(park=P, permits="F")),
    ("Permit holders only Mon - Fri 8.30am - 6.30pm", dict(park=P, times="Mo-Fr 08:30-18:30")),
    ("Permit holders only at any time", dict(park=P, times="always")),
    ("Permit holders only Zone K Mon-Sat 8.30am-6.30pm", dict(park=P, permits="K", times="Mo-Sa 08:30-18:30")),
    ("Resident permit holders only", dict(park=P)),
    ("Residents permit holders only Mon-Fri 10am-12 noon", dict(park=P, times="Mo-Fr 10:00-12:00")),
    ("Disabled badge holders only", dict(park=BB)),
    ("Disabled badge holders only at any time", dict(park=BB, times="always")),
    ("Disabled badge holders only Mon - Sat 8am - 6.30pm", dict(park=BB, times="Mo-Sa 08:00-18:30")),
    ("Disabled badge holders only Max stay 3 hours No return within 1 hour", dict(park=BB, limits=[(180, 60, None)])),
    ("Loading only", dict(load=G)),
    ("Loading only Mon - Sat 7am - 7pm", dict(load=G, times="Mo-Sa 07:00-19:00")),
    ("Loading only Max stay 20 mins", dict(load=G, limits=[(20, None, None, "loading")])),
    ("Goods vehicles loading only Mon-Fri 7am-10am", dict(load=G, times="Mo-Fr 07:00-10:00")),
    ("Motor cycles only", dict(park=MC)),
    ("Solo motorcycles only at any time", dict(park=MC, times="always")),
    ("Mon - Sat 8am - 6pm 1 hour No return within 2 hours", dict(times="Mo-Sa 08:00-18:00", limits=[(60, 120, None)])),
    (
        "Limited waiting Mon-Fri 8am-6pm 30 mins No return within 1 hour",
        dict(park=E, times="Mo-Fr 08:00-18:00", limits=[(30, 60, None)]),
    ),
    ("Mon-Sat 8am-6pm 30 mins", dict(times="Mo-Sa 08:00-18:00", limits=[(30, None, None)])),
    ("Doctor", dict(park="doctor")),
    ("Doctors only at any time", dict(park="doctor", times="always")),
    ("Police vehicles only", dict(park="police")),
    ("Diplomatic vehicles only", dict(park="diplomatic")),
    ("Taxis", dict(park="taxi")),
    ("Taxi rank at any time", dict(park="taxi", times="always")),
    ("Buses only", dict(park="bus")),
    ("Bus stop Mon-Fri 7am-7pm", dict(park="bus", times="Mo-Fr 07:00-19:00")),
    ("Car club vehicles only", dict(park=CC)),
    ("Car club vehicles only bay ZC123", dict(park=CC, permits="ZC123")),
    ("Car club bay 4410", dict(park=CC, permits="4410")),
    ("Electric vehicles only", dict(park=EV)),
    ("Electric vehicle recharging point", dict(park=EV)),
    ("Electric vehicles only while charging Max stay 4 hours", dict(park=EV, limits=[(240, None, None)])),
    ("At any time", dict(times="always")),
    ("24 hours", dict(times="always")),
    # --- hours in the forms councils write them
    ("8.30am-6.30pm", dict(times="all 08:30-18:30")),
    ("8.30am - 6.30pm Mon - Fri", dict(times="Mo-Fr 08:30-18:30")),
    ("Mon to Sat 8am to 6pm", dict(times="Mo-Sa 08:00-18:00")),
    ("Monday to Friday 8.30am to 6.30pm", dict(times="Mo-Fr 08:30-18:30")),
    ("Monday - Saturday 9am - 5.30pm", dict(times="Mo-Sa 09:00-17:30")),
    ("Mon-Fri 08:30-18:30", dict(times="Mo-Fr 08:30-18:30")),
    ("mon-fri 09:00-18:30, sat 09:30-13:30", dict(times="Mo-Fr 09:00-18:30; Sa 09:30-13:30")),
    ("mon-fri 08:00-09:00 & 15:00-17:00", dict(times="Mo-Fr 08:00-09:00&15:00-17:00")),
    ("mon-sun 10:00-12:00, 14:00-16:00", dict(times="Mo-Su 10:00-12:00&14:00-16:00")),
    ("mon-fri 08:30-18:30, sat-sun 09:30-17:30", dict(times="Mo-Fr 08:30-18:30; Sa-Su 09:30-17:30")),
    ("mon-sat 08:30-22:00", dict(times="Mo-Sa 08:30-22:00")),
    ("mon-sun 22:00-23:00", dict(times="Mo-Su 22:00-23:00")),
    ("Mon-Fri 10am-noon", dict(times="Mo-Fr 10:00-12:00")),
    ("Mon-Fri noon-2pm", dict(times="Mo-Fr 12:00-14:00")),
    ("Mon-Sat 8am-midnight", dict(times="Mo-Sa 08:00-24:00")),
    ("Noon-midnight Mon to Sat", dict(times="Mo-Sa 12:00-24:00")),
    ("Mon-Sun 10pm-6am", dict(times="Mo-Su 22:00-06:00")),
    ("Mon - Fri 8am - 9.30am and 4.30pm - 6.30pm", dict(times="Mo-Fr 08:00-09:30&16:30-18:30")),
    ("Mon-Fri 7-10am & 4-7pm", dict(times="Mo-Fr 07:00-10:00&16:00-19:00")),
    ("Mon-Fri 8.30-6.30pm", dict(times="Mo-Fr 08:30-18:30")),
    ("Mon-Fri 0830-1830", dict(times="Mo-Fr 08:30-18:30")),
    ("Mon-Fri 8.30 a.m. - 6.30 p.m.", dict(times="Mo-Fr 08:30-18:30")),
    ("Mon–Sat 8am–6.30pm", dict(times="Mo-Sa 08:00-18:30")),
    ("Mon-Fri 8.30am-6.30pm Sat 8.30am-1.30pm", dict(times="Mo-Fr 08:30-18:30; Sa 08:30-13:30")),
    ("Mon-Fri 8.30am-6.30pm & Sat 9am-1pm", dict(times="Mo-Fr 08:30-18:30; Sa 09:00-13:00")),
    ("Mon-Sat 8am-6.30pm except bank holidays", dict(times="Mo-Sa 08:00-18:30 !hol")),
    ("Weekdays 9am-5pm", dict(times="Mo-Fr 09:00-17:00")),
    ("Daily 8am-8pm", dict(times="all 08:00-20:00")),
    ("Sat & Sun 10am-4pm", dict(times="Sa-Su 10:00-16:00")),
    ("Mon, Wed, Fri 9am-11am", dict(times="Mo,We,Fr 09:00-11:00")),
    ("Monday to Friday 12 noon - 2pm", dict(times="Mo-Fr 12:00-14:00")),
    ("8am - 6.30pm Monday - Saturday", dict(times="Mo-Sa 08:00-18:30")),
    ("Mon-Sat 7am-midnight Sun 12 noon-midnight", dict(times="Mo-Sa 07:00-24:00; Su 12:00-24:00")),
    ("Mon-Fri 10am-11am", dict(times="Mo-Fr 10:00-11:00")),
    ("Mon-Sun 8.30am-6.30pm", dict(times="Mo-Su 08:30-18:30")),
    # --- maximum stays and no-returns
    ("Max stay 2 hours", dict(limits=[(120, None, None)])),
    ("Max stay 2 hrs", dict(limits=[(120, None, None)])),
    ("2 hrs max stay", dict(limits=[(120, None, None)])),
    ("2 hours max stay", dict(limits=[(120, None, None)])),
    ("Maximum stay 1 hour", dict(limits=[(60, None, None)])),
    ("Maximum stay of 30 minutes", dict(limits=[(30, None, None)])),
    ("Max stay 30 mins", dict(limits=[(30, None, None)])),
    ("30 mins", dict(limits=[(30, None, None)])),
    ("Max stay 1 hr 30 mins", dict(limits=[(90, None, None)])),
    ("Max stay 1.5 hours", dict(limits=[(90, None, None)])),
    ("Max stay 90 mins", dict(limits=[(90, None, None)])),
    ("Max stay 20 minutes", dict(limits=[(20, None, None)])),
    ("4 hours maximum", dict(limits=[(240, None, None)])),
    ("Max 2 hours", dict(limits=[(120, None, None)])),
    ("Max stay 2 hours No return within 1 hour", dict(limits=[(120, 60, None)])),
    ("Max stay 2 hours no return within 2 hours", dict(limits=[(120, 120, None)])),
    ("No return within 2 hours", dict(limits=[(None, 120, None)])),
    ("No return within 1 hr", dict(limits=[(None, 60, None)])),
    ("Max stay 3 hours, no return to this bay within 1 hour", dict(limits=[(180, 60, None)])),
    ("Max stay 1 hour return prohibited within 2 hours", dict(limits=[(60, 120, None)])),
    ("No max stay", dict(no_limit=True)),
    ("Max stay 4 hours Mon-Fri 8.30am-6.30pm", dict(times="Mo-Fr 08:30-18:30", limits=[(240, None, None)])),
    (
        "4 hours max stay Mon-Fri 8.30am-6.30pm no max stay outside these times",
        dict(limits=[(240, None, "Mo-Fr 08:30-18:30")]),
    ),
    (
        "Mon-Fri 8.30am-6.30pm 2 hours max stay, no max stay outside these times",
        dict(limits=[(120, None, "Mo-Fr 08:30-18:30")]),
    ),
    (
        "Blue badge holders only at any time, 3 hours max stay Mon-Sat 8am-6pm",
        dict(park=BB, times="always", limits=[(180, None, "Mo-Sa 08:00-18:00")]),
    ),
    (
        "Mon-Fri 8am-6pm max stay 2 hours, Sat 9am-1pm max stay 4 hours",
        dict(
            times="Mo-Fr 08:00-18:00; Sa 09:00-13:00",
            limits=[(120, None, "Mo-Fr 08:00-18:00"), (240, None, "Sa 09:00-13:00")],
        ),
    ),
    (
        "Loading only max 20 mins Mon-Sat 7am-7pm",
        dict(load=G, times="Mo-Sa 07:00-19:00", limits=[(20, None, None, "loading")]),
    ),
    ("Loading 40 minutes", dict(load=G, limits=[(40, None, None, "loading")])),
    ("Max stay 2 minutes", dict(limits=[(2, None, None)])),
    ("Max stay half an hour", dict(limits=[(30, None, None)])),
    ("Max stay one hour", dict(limits=[(60, None, None)])),
    # --- tariffs in words
    ("£4.90 per hour", dict(tariffs={"any": "4.90"})),
    ("£1.20 per 30 minutes", dict(tariffs={"any": "2.40"})),
    ("£1.20 per 30 mins", dict(tariffs={"any": "2.40"})),
    ("£2.00 for 30 minutes", dict(tariffs={"any": "4.00"})),
    ("£3.30 (non-diesel) / £4.01 (diesel),", dict(tariffs={"non-diesel": "3.30", "diesel": "4.01"})),
    ("£5.70 (non-diesel) / £6.93 (diesel),", dict(tariffs={"non-diesel": "5.70", "diesel": "6.93"})),
    ("£7.20 p.h. (buses and coaches)", dict(park="bus", tariffs={"any": "7.20"})),
    (
        "Low Tariff: Electric Vehicle - £1.90, Petrol - £2.80, Diesel - £3.60",
        dict(tariffs={"electric": "1.90", "petrol": "2.80", "diesel": "3.60"}),
    ),
    (
        "Electric £2.00 / Petrol £3.00 / Diesel £4.00 per hour",
        dict(tariffs={"electric": "2.00", "petrol": "3.00", "diesel": "4.00"}),
    ),
    ("£2.50/hr", dict(tariffs={"any": "2.50"})),
    ("80p per hour", dict(tariffs={"any": "0.80"})),
    ("£1 per hour", dict(tariffs={"any": "1"})),
    (
        "Pay by phone £2.45 per hour Mon-Sat 8am-6.30pm 2 hrs max stay",
        dict(park=E, pays=True, times="Mo-Sa 08:00-18:30", limits=[(120, None, None)], tariffs={"any": "2.45"}),
    ),
    ("Pay at machine £1.20 per 30 minutes", dict(park=E, pays=True, tariffs={"any": "2.40"})),
    (
        "Pay and display Mon-Sat 8am-6pm £3.50 per hour max stay 4 hours",
        dict(park=E, pays=True, times="Mo-Sa 08:00-18:00", limits=[(240, None, None)], tariffs={"any": "3.50"}),
    ),
    (
        "Pay by phone Mon-Fri 9am-5pm Max stay 2 hours Tariff: £3.00 per hour",
        dict(park=E, pays=True, times="Mo-Fr 09:00-17:00", limits=[(120, None, None)], tariffs={"any": "3.00"}),
    ),
    # --- who may park, with codes
    ("CA-B permit holders only 8.30am-6.30pm Mon to Fri", dict(park=P, permits="CA-B", times="Mo-Fr 08:30-18:30")),
    ("Permit holders only CA-B", dict(park=P, permits="CA-B")),
    ("Permit holders only (Zone D)", dict(park=P, permits="D")),
    ("Zone F permit holders only Mon-Fri 8.30am-6.30pm", dict(park=P, permits="F", times="Mo-Fr 08:30-18:30")),
    ("Permit holders only zones A and B", dict(park=P, permits="A B")),
    ("Resident permit holders Zone CA-F at any time", dict(park=P, permits="CA-F", times="always")),
    ("Business permit holders only", dict(park="business")),
    (
        "Permit holders or pay at machine Mon-Sat 8.30am-6.30pm Max stay 2 hours",
        dict(park="permit everyone", pays=True, times="Mo-Sa 08:30-18:30", limits=[(120, None, None)]),
    ),
    (
        "Pay by phone or permit holders Mon-Fri 9am-5pm",
        dict(park="permit everyone", pays=True, times="Mo-Fr 09:00-17:00"),
    ),
    (
        "Shared use: permit holders or pay by phone Mon-Sat 8am-6.30pm",
        dict(park="permit everyone", pays=True, times="Mo-Sa 08:00-18:30"),
    ),
    (  # the zone's code, not "or pay", and the payers still read
        "Shared use: permit holders Zone B or pay by phone Mon-Fri 8.30am-6.30pm",
        dict(park="permit everyone", pays=True, permits="B", times="Mo-Fr 08:30-18:30"),
    ),
    (  # "free" says the badge holders do not pay; it does not open the bay to anyone
        "Permit holders only Mon-Fri 8.30am-6.30pm, blue badge holders free",
        dict(park="permit blue_badge", times="Mo-Fr 08:30-18:30"),
    ),
    ("Permit holders only, free for blue badge holders", dict(park="permit blue_badge")),
    ("Free parking for residents", dict(park=P)),  # residents park free; nobody else
    ("Pay by phone Mon-Sat 8am-6pm, blue badge holders park free", dict(park="everyone blue_badge", pays=True,
                                                                        times="Mo-Sa 08:00-18:00")),
    ("Blue badge holders only", dict(park=BB)),
    ("Blue Badge holders only Max stay 3 hours", dict(park=BB, limits=[(180, None, None)])),
    ("Disabled parking at any time", dict(park=BB, times="always")),
    ("Green badge holders only", dict(park=GB)),
    ("Personalised disabled bay 157", dict(park=DD, permits="157")),
    ("Disabled Bay - blue badge holders only", dict(park=BB)),
    (
        "Electric vehicles charging only Max stay 4 hours No return within 2 hours",
        dict(park=EV, limits=[(240, 120, None)]),
    ),
    ("EV charging only 8am-8pm", dict(park=EV, times="all 08:00-20:00")),
    (
        "Electric vehicles only Mon-Sun 8am-8pm max stay 3 hours",
        dict(park=EV, times="Mo-Su 08:00-20:00", limits=[(180, None, None)]),
    ),
    ("Motorcycles only Mon-Sat 8am-6.30pm", dict(park=MC, times="Mo-Sa 08:00-18:30")),
    ("Solo motorcycles", dict(park=MC)),
    ("Motorcycle parking", dict(park=MC)),
    ("Loading bay", dict(load=G)),
    (
        "Loading and unloading only Mon-Sat 8am-6pm max stay 30 mins",
        dict(load=G, times="Mo-Sa 08:00-18:00", limits=[(30, None, None, "loading")]),
    ),
    ("Goods vehicles only", dict(park=G)),
    ("Doctors bay", dict(park="doctor")),
    ("Medical practitioners only", dict(park="doctor")),
    ("Police only at any time", dict(park="police", times="always")),
    ("Diplomats only", dict(park="diplomatic")),
    ("CD vehicles only", dict(park="diplomatic")),
    ("Taxi rank", dict(park="taxi")),
    ("Hackney carriages only", dict(park="taxi")),
    ("Buses and coaches only", dict(park="bus")),
    (
        "Coach bay Mon-Sun 10am-6pm max stay 2 hours",
        dict(park="bus", times="Mo-Su 10:00-18:00", limits=[(120, None, None)]),
    ),
    ("Free parking", dict(park=E)),
    ("Free parking max stay 2 hours", dict(park=E, limits=[(120, None, None)])),
    ("Car club", dict(park=CC)),
    ("Car Club vehicles only (Zipcar)", dict(park=CC, permits="ZIPCAR")),
    (
        "Pay & display Mon-Sat 8.30am-6.30pm Max stay 4 hours No return within 2 hours",
        dict(park=E, pays=True, times="Mo-Sa 08:30-18:30", limits=[(240, 120, None)]),
    ),
    (
        "Pay at machine 8am-8pm max stay 2 hours",
        dict(park=E, pays=True, times="all 08:00-20:00", limits=[(120, None, None)]),
    ),
    ("Pay by phone 24 hours max stay 4 hours", dict(park=E, pays=True, times="always", limits=[(240, None, None)])),
    ("Pay at machine at any time max stay 1 hour", dict(park=E, pays=True, times="always", limits=[(60, None, None)])),
    # --- as councils' pages and residents' guides quote their signs
    ("RESIDENT PERMIT HOLDERS ONLY CA-B MON-FRI 8am-6pm", dict(park=P, permits="CA-B", times="Mo-Fr 08:00-18:00")),
    ("Resident Permit Holders Only Mon-Fri 11am-1pm", dict(park=P, times="Mo-Fr 11:00-13:00")),
    ("Permit Holders Only - 8am to 6pm", dict(park=P, times="all 08:00-18:00")),
    ("Permit holders only A45", dict(park=P, permits="A45")),
    ("Business permits only", dict(park="business")),
    ("Loading and unloading maximum period of 30 minutes", dict(load=G, limits=[(30, None, None, "loading")])),
    ("20 pence for every 6 minutes", dict(tariffs={"any": "2.00"})),
    ("£1-00 for 30 minutes", dict(tariffs={"any": "2.00"})),
    (
        "Pay by phone 20p per 6 minutes max stay 2 hours",
        dict(park=E, pays=True, limits=[(120, None, None)], tariffs={"any": "2.00"}),
    ),
    ("Pay by phone £2.00 an hour", dict(park=E, pays=True, tariffs={"any": "2.00"})),
    (
        "PAY BY PHONE MON-SAT 8.30AM-6.30PM MAX STAY 2 HOURS NO RETURN WITHIN 1 HOUR",
        dict(park=E, pays=True, times="Mo-Sa 08:30-18:30", limits=[(120, 60, None)]),
    ),
    (
        "Pay & Display / Permit Holders Mon-Sat 8.30am-6.30pm max stay 4 hrs",
        dict(park="everyone permit", pays=True, times="Mo-Sa 08:30-18:30", limits=[(240, None, None)]),
    ),
    (
        "Shared use bay: pay by phone or permit holders zone B Mon-Fri 8am-6.30pm",
        dict(park="everyone permit", pays=True, permits="B", times="Mo-Fr 08:00-18:30"),
    ),
    (
        "Pay at machine 8am-6.30pm Mon-Sat 2 hours max no return 1 hour",
        dict(park=E, pays=True, times="Mo-Sa 08:00-18:30", limits=[(120, 60, None)]),
    ),
    (
        "Pay by phone only Mon-Sat 9am-5pm Max stay 30 minutes",
        dict(park=E, pays=True, times="Mo-Sa 09:00-17:00", limits=[(30, None, None)]),
    ),
    (
        "£1-00 for 30 minutes, £2-00 for 60 minutes, £4-00 for 120 minutes",
        dict(unread=["two prices for the same fuel"]),
    ),
    ("PERMIT HOLDERS PAY BY PHONE MON-SAT 8AM-6PM", dict(park="everyone permit", pays=True, times="Mo-Sa 08:00-18:00")),
    ("PERMIT HOLDERS ONLY CA-F", dict(park=P, permits="CA-F")),
    ("SHARED USE PERMIT HOLDERS OR PAY AT MACHINE", dict(park="everyone permit", pays=True)),
    ("24/7", dict(times="always")),
    ("Disabled badge holders only at all times", dict(park=BB, times="always")),
    ("Permit holders only A1 A2", dict(park=P, permits="A1 A2")),
    ("PERMIT HOLDERS ONLY A1, A2 MON-SAT 8.30AM-6.30PM", dict(park=P, permits="A1 A2", times="Mo-Sa 08:30-18:30")),
    ("Card holders only", dict(unread=["card"])),
    (
        "Pay by phone Mon-Sat 8am-6pm, free parking outside these times",
        dict(park=E, pays=True, times="Mo-Sa 08:00-18:00"),
    ),
    ("No waiting at any time", dict(unsafe=True)),
    # --- wordings the reader must refuse (report, not guess)
    ("Max stay 2 hrs (Mon-Sat) except residents", dict(limits=[(120, None, None)], unsafe=True)),
    ("Max stay varies, see sign", dict(unsafe=True)),
    ("No return same day", dict(unsafe=True)),
    ("Sundays and bank holidays only", dict(unsafe=True)),
    ("Mon-Fri school days 8am-9.30am", dict(unsafe=True)),
    ("Max stay 2 hours Mon-Fri, 4 hours Sat", dict(unsafe=True)),
    ("Max stay 2 hours, max stay 3 hours", dict(unsafe=True)),
    ("Event days only", dict(unsafe=True)),
    ("Mon-Fri 8am", dict(unsafe=True)),
    ("Mon-Fri 8-6", dict(unsafe=True)),
    ("During school term 3pm-4pm", dict(unsafe=True)),
    ("Matchdays 10am-8pm", dict(unsafe=True)),
    ("No parking Mon-Fri 8am-6pm", dict(unsafe=True)),
    ("Pay and display £10 per day", dict(park=E, pays=True, unread=["£10 per day"])),
    ("Permit holders only, visitors welcome", dict(park=P, unread=["visitors welcome"])),
    ("Permit holders except Sundays", dict(unsafe=True)),
    ("No loading Mon-Sat 8am-6pm", dict(unsafe=True)),
    (
        "Pay by phone Mon-Sat 8.30am-6.30pm. Max stay 2 hours. No return within 1 hour.",
        dict(park=E, pays=True, times="Mo-Sa 08:30-18:30", limits=[(120, 60, None)]),
    ),
    ("P&D Mon-Sat 8am-6pm", dict(park=E, pays=True, times="Mo-Sa 08:00-18:00")),
    ("Resident permit holders only 8.30am - 6.30pm", dict(park=P, times="all 08:30-18:30")),
    ("Monday-Friday 0830-1830", dict(times="Mo-Fr 08:30-18:30")),
]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "£ per",
        "-",
        "max",
        "((((",
        "Mon-",
        "8.30am-",
        "no return",
        "£",
        "Zone",
        "12",
        "permit holders only zone",
        "\u00a0",
        "max stay 0 hours",
    ],
)
def test_odd_words_are_reported_never_raised(text: str) -> None:
    read = read_sign(text)
    assert read.limits == () and read.tariffs == ()
    if any(c.isalnum() for c in text) and text.strip().lower() not in ("zone", "permit holders only zone"):
        assert read.unread, text


def _classes(names: str | None) -> frozenset[UserClass]:
    return frozenset(UserClass(n) for n in (names or "").split())


def test_the_corpus_is_big_and_distinct() -> None:
    texts = [t for t, _ in CORPUS]
    assert len(set(texts)) == len(texts)
    assert len(texts) >= 150


@pytest.mark.parametrize(("text", "expect"), CORPUS, ids=[t[:60] for t, _ in CORPUS])
def test_a_person_reads_the_same(text: str, expect: dict) -> None:
    read = read_sign(text)
    if expect.get("unsafe"):
        assert read.unsafe, f"{text!r} must be refused, read as {read}"
    else:
        assert read.unsafe == ()
        assert list(read.unread) == expect.get("unread", [])
    if "park" in expect or not expect.get("unsafe"):
        assert read.park == _classes(expect.get("park"))
        assert read.load == _classes(expect.get("load"))
        assert read.pays is expect.get("pays", False)
        assert read.permits == frozenset((expect.get("permits") or "").split())
    if "times" in expect or not expect.get("unsafe"):
        assert read.times == _spans(expect.get("times"))
    if "limits" in expect or not expect.get("unsafe"):
        limits = [(lim.max_stay, lim.no_return, lim.spans, lim.binds) for lim in read.limits]
        assert limits == [(e[0], e[1], _spans(e[2]), e[3] if len(e) > 3 else "any") for e in expect.get("limits", [])]
    if not expect.get("unsafe"):
        assert {t.fuel: t.per_hour for t in read.tariffs} == {
            fuel: Decimal(v) for fuel, v in expect.get("tariffs", {}).items()
        }
        assert read.no_limit is expect.get("no_limit", False)


def _camden_values() -> list[tuple[str, str]]:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "loaders/data/camden/camden_parking_bays_7hiv-3r9k_2020-02.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    seen = {(key, row[key]) for row in rows for key in ("times_of_operation", "maximum_stay", "tariff")
            if row.get(key) and row[key] != "N/A"}  # fmt: skip
    return sorted(seen)


@pytest.mark.parametrize(("column", "value"), _camden_values())
def test_every_camden_value_reads_as_its_own_column_does(column: str, value: str) -> None:
    """Camden's published values, as words, read as the dedicated-column parsers read them (its answers must not
    move if a council writes them on one line)."""
    from parking_api.engine.parse import parse_duration, parse_tariff, parse_times

    read = read_sign(value)
    assert read.unread == ()
    if column == "times_of_operation":
        assert read.times == parse_times(value)
    elif column == "maximum_stay":
        duration = parse_duration(value)
        assert duration is not None
        assert [(lim.max_stay, lim.no_return, lim.binds) for lim in read.limits] == [
            (duration.max_stay, duration.no_return, duration.binds)
        ]
    else:
        assert read.tariffs == parse_tariff(value)
