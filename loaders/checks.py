"""Checks of the time zone and holiday calendar a source is read in, whether they come from the command line
(``--timezone``, ``--holidays``) or from the file or mapping itself: a wrong name is the caller's mistake
(:class:`~loaders.base.UsageError`), found before any record is read.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parking_api.engine.calendar import parse_calendar_spec

from .base import UsageError


def check_timezone(name: str, what: str) -> str:
    """``name`` when it is an IANA time zone; ``what`` says where it was given (``--timezone``, ``source.timezone``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise UsageError(f"{what} {name!r} is not an IANA time zone (e.g. America/Toronto)") from exc
    return name


def check_holidays(spec: str | None) -> str | None:
    """A ``--holidays`` calendar spec (``US-OR``, ``GB-ENG``) trimmed, or None when none is given."""
    if spec is None or not str(spec).strip():
        return None
    try:
        parse_calendar_spec(str(spec))
    except ValueError as exc:
        raise UsageError(f"--holidays: {exc}") from exc
    return str(spec).strip()
