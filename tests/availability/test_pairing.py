"""Pairing starts and ends into stays (pure: no database), whatever order the events come in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from parking_api.occupancy.events import Event, EventType
from parking_api.occupancy.pairing import pair

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
BAY = 7


def ev(kind: EventType, minutes: int, session: str | None = None, space: str | None = None) -> tuple:
    event = Event(uuid.uuid4(), kind, T0 + timedelta(minutes=minutes), "camden", "1", session_id=session, space=space)
    return (event, BAY, None)


START, END = EventType.PARK_START, EventType.PARK_END


def spans(stays) -> list[tuple]:
    def minutes(t):  # -1: missing
        return -1 if t is None else int((t - T0).total_seconds() // 60)

    return sorted((minutes(s.started_at), minutes(s.ended_at)) for s in stays)


def test_a_start_and_its_end_are_one_stay_in_either_order():
    assert spans(pair([], [ev(START, 0, "a"), ev(END, 30, "a")])) == [(0, 30)]
    assert spans(pair([], [ev(END, 30, "a")])) == [(-1, 30)]
    stays = pair([], [ev(END, 30, "a")])
    assert spans(pair(stays, [ev(START, 0, "a")])) == [(0, 30)]


def test_a_session_reported_twice_is_one_stay():
    assert spans(pair([], [ev(START, 0, "a"), ev(START, 5, "a"), ev(END, 30, "a")])) == [(0, 30)]


def test_a_new_car_on_a_space_closes_the_stay_whose_departure_was_missed():
    assert spans(pair([], [ev(START, 0, space="3"), ev(START, 40, space="3")])) == [(0, 40), (40, -1)]


def test_without_sessions_or_spaces_several_cars_may_share_a_bay():
    stays = pair([], [ev(START, 0), ev(START, 10), ev(END, 20)])
    assert spans(stays) == [(0, -1), (10, 20)]  # an end closes the latest stay open before it


def test_an_end_never_closes_a_stay_that_started_after_it():
    assert spans(pair([], [ev(START, 50, "a"), ev(END, 20, "a")])) == [(-1, 20), (50, -1)]
