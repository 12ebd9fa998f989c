"""Parsers: hand-written expectations for Camden's forms and common UK sign styles, strict errors, and every distinct
value of the real Camden files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parking_api.engine.model import ALL_DAY, ALL_DAYS, HolidayMode, Tariff, TimeSpan
from parking_api.engine.parse import (
    Duration,
    ParseError,
    parse_duration,
    parse_permits,
    parse_tariff,
    parse_times,
    parse_window,
)

WEEKDAYS = frozenset(range(5))
MON_SAT = frozenset(range(6))
SAT = frozenset({5})


def span(days: frozenset[int], *windows: tuple[int, int]) -> TimeSpan:
    return TimeSpan(days=days, windows=tuple(windows))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Camden's own forms
        ("mon-fri 08:30-18:30, sat 09:30-13:30", (span(WEEKDAYS, (510, 1110)), span(SAT, (570, 810)))),
        ("mon-fri 08:00-09:00 & 15:00-17:00", (span(WEEKDAYS, (480, 540), (900, 1020)),)),
        ("mon-sun 10:00-12:00, 14:00-16:00", (span(ALL_DAYS, (600, 720), (840, 960)),)),
        ("at any time", (TimeSpan(),)),
        ("sat-sun 09:30-17:30", (span(frozenset({5, 6}), (570, 1050)),)),
        (
            "mon-fri 08:30-23:00, sat-sun 09:30-23:00",
            (span(WEEKDAYS, (510, 1380)), span(frozenset({5, 6}), (570, 1380))),
        ),
        ("mon-sun 22:00-23:00", (span(ALL_DAYS, (1320, 1380)),)),
        # 12-hour clocks and sign styles
        ("Mon-Sat 8.30am-6.30pm", (span(MON_SAT, (510, 1110)),)),
        ("Mon - Fri 8am - 6pm", (span(WEEKDAYS, (480, 1080)),)),
        ("Monday to Saturday 8.30am to 6.30pm", (span(MON_SAT, (510, 1110)),)),
        ("Mon-Fri 8.30-6.30pm", (span(WEEKDAYS, (510, 1110)),)),
        ("Mon-Fri 10-11am", (span(WEEKDAYS, (600, 660)),)),
        ("Mon-Fri 11-1pm", (span(WEEKDAYS, (660, 780)),)),
        ("noon-midnight", (span(ALL_DAYS, (720, 1440)),)),
        ("midnight-8am", (span(ALL_DAYS, (0, 480)),)),
        ("Mon-Fri 8am-10am and 4pm-6.30pm", (span(WEEKDAYS, (480, 600), (960, 1110)),)),
        ("Mon-Fri 8am-6pm, Sat 9am-1pm", (span(WEEKDAYS, (480, 1080)), span(SAT, (540, 780)))),
        ("Mon-Fri 8am-6pm Sat 9am-1pm", (span(WEEKDAYS, (480, 1080)), span(SAT, (540, 780)))),
        ("8.30am - 6.30pm Mon - Sat", (span(MON_SAT, (510, 1110)),)),
        ("Mon, Wed & Fri 10:00-12:00", (span(frozenset({0, 2, 4}), (600, 720)),)),
        ("Fri-Mon 10:00-11:00", (span(frozenset({4, 5, 6, 0}), (600, 660)),)),
        ("8am-6pm", (span(ALL_DAYS, (480, 1080)),)),
        ("Mon-Fri at any time", (span(WEEKDAYS, ALL_DAY),)),
        # whole days, ends of day, overnight
        ("24 hours", (TimeSpan(),)),
        ("00:00-23:59", (TimeSpan(),)),
        ("mon-fri 00:00-23:59", (span(WEEKDAYS, ALL_DAY),)),
        ("mon-fri 08:00-24:00", (span(WEEKDAYS, (480, 1440)),)),
        ("mon-fri 18:30-00:00", (span(WEEKDAYS, (1110, 1440)),)),
        ("22:00-06:00", (span(ALL_DAYS, (1320, 360)),)),
        ("Mon-Fri 10pm-6am", (span(WEEKDAYS, (1320, 360)),)),
    ],
)
def test_parse_times(text: str, expected: tuple[TimeSpan, ...]) -> None:
    assert parse_times(text) == expected


def test_parse_times_except_bank_holidays() -> None:
    (only,) = parse_times("Mon-Sat 8am-6pm except bank holidays")
    assert only.holidays is HolidayMode.EXCEPT and only.windows == ((480, 1080),)


@pytest.mark.parametrize(
    "text",
    ["", "mon-fri", "soon", "8-6", "mon-fri 08:30", "08:00-08:00", "mon-fri 25:00-26:00", "sat 13pm-2pm",
     "mon-fri 08:30-18:30 sat", "24:00-06:00", "mon-fri 08:61-09:00", "weekdays except sundays 8-6"],
)  # fmt: skip
def test_parse_times_rejects_and_quotes(text: str) -> None:
    with pytest.raises(ParseError) as error:
        parse_times(text)
    assert repr(text) in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 hours", Duration(120)),
        ("1 hour", Duration(60)),
        ("1.5 hours", Duration(90)),
        ("30 minutes", Duration(30)),
        ("2 minutes", Duration(2)),
        ("loading 40 minutes", Duration(40, binds="loading")),
        ("Max stay 2 hours No return within 1 hour", Duration(120, no_return=60)),
        ("Maximum stay 4 hours, no max stay outside these times", Duration(240)),
        ("1 hour 30 minutes", Duration(90)),
        ("1h30", Duration(90)),
        ("90 mins", Duration(90)),
        ("half an hour", Duration(30)),
        ("2 hrs max", Duration(120)),
        ("No return within 2 hours", Duration(None, no_return=120)),
        ("N/A", None),
        ("", None),
        (None, None),
        ("no max stay", None),
    ],
)
def test_parse_duration(text: str | None, expected: Duration | None) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["1.33 hours", "blah 2 hours", "2 months", "2 hours or 3 hours", "soon"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ParseError, match=repr(text).replace(".", r"\.")):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£3.30 (non-diesel) / £4.01 (diesel),",
         (Tariff("non-diesel", Decimal("3.30")), Tariff("diesel", Decimal("4.01")))),
        ("£7.20 p.h. (buses and coaches)", (Tariff("any", Decimal("7.20")),)),
        ("£2.50 petrol / £3.00 diesel / £1.00 electric",
         (Tariff("petrol", Decimal("2.50")), Tariff("diesel", Decimal("3.00")), Tariff("electric", Decimal("1.00")))),
        ("£4.90 per hour", (Tariff("any", Decimal("4.90")),)),
        ("£2.40/hr", (Tariff("any", Decimal("2.40")),)),
        ("£1.20 per 30 mins", (Tariff("any", Decimal("2.40")),)),
        ("50p per hour", (Tariff("any", Decimal("0.50")),)),
        ("N/A", ()),
        (None, ()),
    ],
)  # fmt: skip
def test_parse_tariff(text: str | None, expected: tuple[Tariff, ...]) -> None:
    assert parse_tariff(text) == expected


@pytest.mark.parametrize("text", ["£2 (diesel) / £3 (diesel)", "free after 6pm £2", "£ per hour", "two pounds"])
def test_parse_tariff_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_tariff(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CA-B", {"CA-B"}),
        ("CA_M", {"CA-M"}),
        ("CA-R;CA-K;CA-K;CA-Q", {"CA-R", "CA-K", "CA-Q"}),
        ("cab, ca-d", {"CA-B", "CA-D"}),
        ("BUSA", {"BUSA"}),
        ("ICE", {"ICE"}),
        ("157", {"157"}),
        ("N/A", set()),
        (None, set()),
    ],
)
def test_parse_permits(text: str | None, expected: set[str]) -> None:
    assert parse_permits(text) == frozenset(expected)


def test_parse_permits_rejects() -> None:
    with pytest.raises(ParseError, match="x y!"):
        parse_permits("CA-R;x y!")


def test_parse_window() -> None:
    assert parse_window("08:30-18:30") == (510, 1110)
    assert parse_window("00:00-23:59") == ALL_DAY
    with pytest.raises(ParseError):
        parse_window("mon-fri 08:30-18:30, sat 09:30-13:30")


def test_every_distinct_value_in_the_real_camden_bays_parses(camden_bays: list[dict]) -> None:
    fields = {
        "times_of_operation": parse_times,
        "maximum_stay": parse_duration,
        "tariff": parse_tariff,
        "valid_parking_permits": parse_permits,
    }
    for name, parser in fields.items():
        values = {row.get(name) for row in camden_bays}
        assert len(values) > 3, name
        for value in values:
            parser(value)  # raises ParseError, naming the value, on anything unreadable
    assert len({row["times_of_operation"] for row in camden_bays}) == 31


def test_every_distinct_control_hours_in_the_cpz_file_parses(camden_cpz: list[dict]) -> None:
    values = {p[k] for p in camden_cpz for k in ("control_monday_to_friday", "control_saturday", "control_sunday")}
    assert None in values and "00:00-23:59" in values
    for value in values - {None}:
        parse_window(value)
    assert parse_window("00:00-23:59") == ALL_DAY
