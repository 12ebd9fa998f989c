"""Public holidays per authority, from the ``holidays`` package, looked up by *local* date.

Camden uses ``holidays.country_holidays("GB", subdiv="ENG")``: it gets England's regional bank holidays right and lists
weekend-dated originals (Saturday 26 December 2026) beside their weekday substitutes (Monday 28 December 2026); both
count as holidays, since the council's notices treat the day itself and the substitute alike. Tables are cached per
(country, subdivision, year) so an evaluation never rebuilds them.

A calendar spec is ``COUNTRY`` or ``COUNTRY-SUBDIV`` (``GB-ENG``, ``US-OR``), as CurbLR loaders take it from
``--holidays``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays

from .model import Authority

# Names of designated periods (CurbLR ``designatedPeriods``) that mean "a public holiday of the calendar".
HOLIDAY_PERIOD_NAMES = frozenset(
    {"holiday", "holidays", "public holiday", "public holidays", "bank holiday", "bank holidays", "legal holiday"}
)


@lru_cache(maxsize=512)
def _year_table(country: str, subdiv: str | None, year: int) -> Mapping[date, str]:
    table = holidays.country_holidays(country, subdiv=subdiv, years=year)
    return {day: str(name) for day, name in table.items() if day.year == year}


def holiday_name(day: date, country: str | None, subdiv: str | None = None) -> str | None:
    """The holiday's name on this local date, or None (also None when the authority has no calendar)."""
    if not country:
        return None
    return _year_table(country, subdiv, day.year).get(day)


def is_holiday(day: date, country: str | None, subdiv: str | None = None) -> bool:
    return holiday_name(day, country, subdiv) is not None


def parse_calendar_spec(spec: str | None) -> tuple[str | None, str | None]:
    """``GB-ENG`` -> ("GB", "ENG"); ``US`` -> ("US", None); empty or ``none`` -> (None, None).

    Raises ValueError (quoting the spec) for a country or subdivision the ``holidays`` package does not know.
    """
    if spec is None or spec.strip().lower() in ("", "none", "off"):
        return None, None
    country, _, subdiv = spec.strip().replace("_", "-").partition("-")
    country = country.upper()
    sub = subdiv.upper() or None
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(f"unknown holiday calendar {spec!r}: no country {country!r}")
    if sub is not None and sub not in {s.upper() for s in supported[country]}:
        raise ValueError(f"unknown holiday calendar {spec!r}: {country} has no subdivision {sub!r}")
    return country, sub


def with_calendar(authority: Authority, spec: str | None) -> Authority:
    """The authority with the holiday calendar a spec names (``--holidays US-OR``)."""
    country, subdiv = parse_calendar_spec(spec)
    return dataclasses.replace(authority, holiday_country=country, holiday_subdiv=subdiv)


@dataclass(frozen=True)
class HolidayCalendar:
    """An authority's calendar: public holidays and the designated periods it can answer for."""

    country: str | None
    subdiv: str | None = None

    @classmethod
    def of(cls, authority: Authority) -> HolidayCalendar:
        """The authority's calendar, one instance per country and subdivision (it is a key of the engine's caches,
        which then compare it by identity)."""
        return _calendar(authority.holiday_country, authority.holiday_subdiv)

    def is_holiday(self, day: date) -> bool:
        return is_holiday(day, self.country, self.subdiv)

    def name(self, day: date) -> str | None:
        return holiday_name(day, self.country, self.subdiv)

    def knows_period(self, period: str, year: int) -> bool:
        """Whether a designated period name can be answered around ``year``: "holiday"-like names, or the name of
        one of the calendar's holidays (``Christmas Day``)."""
        key = period.strip().lower()
        if key in HOLIDAY_PERIOD_NAMES:
            return self.country is not None
        return key in _names(self.country, self.subdiv, year)

    def in_period(self, period: str, day: date) -> bool:
        key = period.strip().lower()
        name = self.name(day)
        if name is None:
            return False
        if key in HOLIDAY_PERIOD_NAMES:
            return True
        return any(part.strip().lower() == key for part in name.split(";"))


@lru_cache(maxsize=64)
def _calendar(country: str | None, subdiv: str | None) -> HolidayCalendar:
    return HolidayCalendar(country, subdiv)


@lru_cache(maxsize=256)
def _names(country: str | None, subdiv: str | None, around: int) -> frozenset[str]:
    if not country:
        return frozenset()
    names: set[str] = set()
    for year in range(around - 1, around + 2):
        for name in _year_table(country, subdiv, year).values():
            names.update(part.strip().lower() for part in name.split(";"))
    return frozenset(names)


__all__ = [
    "HOLIDAY_PERIOD_NAMES",
    "HolidayCalendar",
    "holiday_name",
    "is_holiday",
    "parse_calendar_spec",
    "with_calendar",
]
