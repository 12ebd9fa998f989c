"""Holiday calendars: England's bank holidays by local date, weekend originals and substitutes, calendar specs."""

from __future__ import annotations

from datetime import date

import pytest

from parking_api.engine.calendar import HolidayCalendar, is_holiday, parse_calendar_spec, with_calendar
from parking_api.engine.camden import CAMDEN


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 8, 31), True),  # late summer bank holiday (Monday)
        (date(2026, 8, 30), False),  # the Sunday before
        (date(2026, 12, 25), True),  # Christmas Day (Friday)
        (date(2026, 12, 26), True),  # Boxing Day falls on a Saturday: the day itself counts ...
        (date(2026, 12, 28), True),  # ... and so does the Monday substitute
        (date(2026, 12, 29), False),
        (date(2026, 4, 6), True),  # Easter Monday, a regional holiday in England
        (date(2027, 3, 26), True),  # Good Friday 2027
        (date(2027, 3, 29), True),  # Easter Monday 2027, the day after the clocks change
        (date(2027, 12, 27), True),  # Christmas Day 2027 (a Saturday) observed on Monday
        (date(2027, 12, 28), True),  # Boxing Day 2027 (a Sunday) observed on Tuesday
    ],
)
def test_england_bank_holidays(day: date, expected: bool) -> None:
    assert HolidayCalendar.of(CAMDEN).is_holiday(day) is expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("GB-ENG", ("GB", "ENG")),
        ("US-OR", ("US", "OR")),
        ("us", ("US", None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_calendar_spec(spec: str | None, expected: tuple[str | None, str | None]) -> None:
    assert parse_calendar_spec(spec) == expected


@pytest.mark.parametrize("spec", ["XX-YY", "GB-XYZ"])
def test_unknown_calendar_spec_is_an_error_quoting_it(spec: str) -> None:
    with pytest.raises(ValueError, match=spec):
        parse_calendar_spec(spec)


def test_oregon_calendar_for_curblr_sources() -> None:
    portland = with_calendar(CAMDEN, "US-OR")
    assert (portland.holiday_country, portland.holiday_subdiv) == ("US", "OR")
    assert is_holiday(date(2026, 7, 3), "US", "OR")  # Independence Day (a Saturday) observed on Friday
    assert not is_holiday(date(2026, 8, 31), "US", "OR")
    assert not HolidayCalendar(None).is_holiday(date(2026, 12, 25))


def test_designated_periods() -> None:
    calendar = HolidayCalendar("GB", "ENG")
    assert calendar.knows_period("bank holidays", 2026)
    assert calendar.knows_period("Christmas Day", 2026)
    assert not calendar.knows_period("school days", 2026)
    assert calendar.in_period("Christmas Day", date(2026, 12, 25))
    assert calendar.in_period("public holiday", date(2026, 12, 28))
    assert not calendar.in_period("Christmas Day", date(2026, 12, 26))
