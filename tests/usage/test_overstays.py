"""Overstays judged by the rule in force at the time (the hand-written log of ``conftest.py``, and single stays).

In the log: S2 in A1 arrived Saturday 12:30 BST under "12:00-20:00 max stay 2 hours", so it had to leave by
14:30 and left at 15:30 (60 minutes over); S5 parked in A1 on Sunday at 10:30 GMT while it was suspended
(10:00-12:00); S10 stopped five minutes on the no-stopping kerb C1. S6 (no permit seen, permit-only hours) and S7
(permit in the event) are unverifiable, never overstays.
"""

from __future__ import annotations

from parking_api.engine.evaluate import evaluate
from parking_api.engine.model import Activity, Authority, Driver, Place, Regulation, Rule, Suspension, UserClass
from parking_api.usage.judge import OK, OVERSTAY, UNVERIFIABLE, judge

from .conftest import A1, B1, local

LONDON = Authority(name="handtown", holiday_country=None, holiday_subdiv=None)


def test_overstays_are_listed_with_the_rule_in_words(api, council):
    response = api.get("/v1/usage/overstays", query_string={"from": "2026-10-24", "to": "2026-10-26"},
                       headers=council)  # fmt: skip
    assert response.status_code == 200
    rows = response.get_json()["rows"]
    got = [(r["ref"], r["started_at"], r["ended_at"], r["kind"], r["allowed_until"], r["overstay_minutes"])
           for r in rows]  # fmt: skip
    assert got == [
        ("C1", "2026-10-24T10:00:00+01:00", "2026-10-24T10:05:00+01:00", "not_allowed", None, 5.0),
        ("A1", "2026-10-24T12:30:00+01:00", "2026-10-24T15:30:00+01:00", "max_stay", "2026-10-24T14:30:00+01:00", 60.0),
        ("A1", "2026-10-25T10:30:00+00:00", "2026-10-25T11:00:00+00:00", "suspended", None, 30.0),
    ]
    assert "2 hours" in rows[1]["rule"]
    assert "suspended" in rows[2]["rule"]
    assert "no stopping" in rows[0]["rule"].lower()


def test_the_listed_until_is_the_engines_until(api, council):
    rows = api.get("/v1/usage/overstays", query_string={"from": "2026-10-24", "to": "2026-10-25", "zone": "HT-A"},
                   headers=council).get_json()["rows"]  # fmt: skip
    place = Place(source="handtown", ref="A1", kind="bay", regulation=A1, zone="HT-A")
    engine_until = evaluate(place, Driver(), local("2026-10-24 12:30"), LONDON).until
    assert [r["allowed_until"] for r in rows] == [engine_until.isoformat()]


def test_overstays_csv_matches_json(api, council):
    query = {"from": "2026-10-24", "to": "2026-10-26"}
    as_json = api.get("/v1/usage/overstays", query_string=query, headers=council).get_json()["rows"]
    text = api.get("/v1/usage/overstays", query_string=query, headers={**council, "Accept": "text/csv"}).get_data(
        as_text=True
    )
    lines = text.strip().splitlines()
    assert len(lines) == 1 + len(as_json)
    assert lines[0].split(",")[:6] == ["source", "ref", "zone", "road", "started_at", "ended_at"]


def _place(regulation: Regulation, suspensions: tuple[Suspension, ...] = ()) -> Place:
    return Place(source="handtown", ref="X", kind="bay", regulation=regulation, suspensions=suspensions, zone="HT-A")


def test_the_max_stay_in_force_at_arrival_decides():
    # 09:30 under "08:00-12:00 max 1 hour": until 10:30, so 10:45 is over; 13:00 under "max 2 hours": 14:45 is fine
    morning = judge(_place(A1), LONDON, started_at=local("2026-10-27 09:30"), ended_at=local("2026-10-27 10:45"))
    assert (morning.verdict, morning.kind, morning.allowed_until) == (OVERSTAY, "max_stay", local("2026-10-27 10:30"))
    afternoon = judge(_place(A1), LONDON, started_at=local("2026-10-27 13:00"), ended_at=local("2026-10-27 14:45"))
    assert (afternoon.verdict, afternoon.allowed_until) == (OK, local("2026-10-27 15:00"))
    evening = judge(_place(A1), LONDON, started_at=local("2026-10-27 20:30"), ended_at=local("2026-10-28 07:00"))
    assert evening.verdict == OK


def test_permit_only_bays_and_reported_permits_are_unverifiable():
    in_hours = judge(_place(B1), LONDON, started_at=local("2026-10-27 09:00"), ended_at=local("2026-10-27 18:00"))
    assert (in_hours.verdict, in_hours.kind) == (UNVERIFIABLE, "permit_only")
    badge = judge(_place(A1), LONDON, started_at=local("2026-10-27 09:00"), ended_at=local("2026-10-27 15:00"),
                  badge="blue")  # fmt: skip
    assert (badge.verdict, badge.kind) == (UNVERIFIABLE, "permit_or_badge")
    after_hours = judge(_place(B1), LONDON, started_at=local("2026-10-27 20:30"), ended_at=local("2026-10-27 23:00"))
    assert after_hours.verdict == OK


def test_a_car_club_bay_by_another_car_is_an_overstay():
    club = Regulation(rules=(Rule(Activity.PARK, user_classes=frozenset({UserClass.CAR_CLUB}), label="car club"),),
                      category="car_club")  # fmt: skip
    start, end = local("2026-10-27 09:00"), local("2026-10-27 10:00")
    assert judge(_place(club), LONDON, started_at=start, ended_at=end, vehicle_type="car").kind == "not_allowed"
    assert judge(_place(club), LONDON, started_at=start, ended_at=end, vehicle_type="car_club").verdict == OK
    # no vehicle type in the events: it may have been a car-club car, which a sensor cannot tell
    assert judge(_place(club), LONDON, started_at=start, ended_at=end).verdict == UNVERIFIABLE


def test_a_suspension_that_begins_during_a_stay_ends_it():
    suspended = (Suspension(local("2026-10-27 21:00"), local("2026-10-28 06:00"), "filming"),)
    verdict = judge(_place(A1, suspended), LONDON, started_at=local("2026-10-27 20:10"),
                    ended_at=local("2026-10-27 22:00"))  # fmt: skip
    assert (verdict.verdict, verdict.kind, verdict.allowed_until) == (OVERSTAY, "suspended", local("2026-10-27 21:00"))

