"""Effective dates: a row's rules apply only from ``fields.date_from`` to ``fields.date_to`` (local dates, both
inclusive; either may be absent). Outside them the rules are not in effect, so the bay carries no rule of its own, and
the engine's schedule, ``until``, ``allowed_from`` and next changes all see the dates (they are the time spans'
``date_from`` / ``date_to``)."""

from __future__ import annotations

import dataclasses
from datetime import date

from loaders.base import RowError
from parking_api.engine.model import Rule, TimeSpan

from .mapping import Mapping
from .records import Record, column_text
from .values import parse_local_date


def row_dates(record: Record, mapping: Mapping) -> tuple[date | None, date | None]:
    """The row's first and last dates of effect; an unreadable date, or an end before the start, rejects the row."""
    out: list[date | None] = []
    for key in ("date_from", "date_to"):
        column = mapping.field(key)
        text = column_text(record, column, mapping)
        try:
            out.append(parse_local_date(text) if text is not None else None)
        except ValueError as exc:
            raise RowError(f"{exc} (fields.{key})", column) from exc
    start, end = out
    if start is not None and end is not None and end < start:
        message = f"the rule ends ({end.isoformat()}) before it starts ({start.isoformat()})"
        raise RowError(message, mapping.field("date_to"))
    return start, end


def within_dates(rules: tuple[Rule, ...], start: date | None, end: date | None) -> tuple[Rule, ...]:
    """The rules in effect only on local days ``start``..``end`` (both inclusive; None: open): each time span is
    narrowed to those dates (a rule in effect at all times gets one all-day span carrying them)."""
    if start is None and end is None:
        return rules

    def narrowed(span: TimeSpan) -> TimeSpan:
        lo = max(d for d in (span.date_from, start) if d is not None) if span.date_from or start else None
        hi = min(d for d in (span.date_to, end) if d is not None) if span.date_to or end else None
        return dataclasses.replace(span, date_from=lo, date_to=hi)

    return tuple(
        dataclasses.replace(rule, time_spans=tuple(narrowed(s) for s in (rule.time_spans or (TimeSpan(),))))
        for rule in rules
    )
