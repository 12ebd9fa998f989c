"""What a cell is read as: the mapping's value translations (``[values]``: ``"(None)" → "at any time"``), its
defaults for empty cells (``[defaults]``) and its missing markers (``source.missing``, extended by
``source.also_missing`` without repeating the built-in ones); and the local dates of ``fields.date_from`` /
``fields.date_to`` (applied in ``dates.py``).

Order, per cell: the trimmed text is translated (matched case- and space-insensitively); if the result is a missing
marker, the column's default is used, else the cell is empty. A default is therefore used for every missing marker,
whichever list it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from parking_api.engine.parse import ParseError, parse_duration, parse_permits, parse_times

from .keys import Checker, extend_path, key_path, type_name

# The fields whose text the mapping checks when it is read, so that a mistyped default or translation is a mapping
# error rather than every row rejected.
_CHECKED: dict[str, Callable[[str], Any]] = {
    "times": parse_times,
    "max_stay": parse_duration,
    "permits": parse_permits,
}
_NO_DEFAULT = ("ref",)  # a default reference would repeat on every row without one


def value_key(text: str) -> str:
    """``(None)``, ``(none)`` and `` ( None ) `` are one cell value for ``[values]``."""
    return re.sub(r"\s+", " ", text.strip().lower())


def parse_values(data: dict[str, Any], fields: dict[str, str], missing: frozenset[str], check: Checker) -> tuple[
    tuple[tuple[str, tuple[tuple[str, str], ...]], ...], tuple[tuple[str, str], ...]
]:  # fmt: skip
    """The ``[values]`` and ``[defaults]`` tables, keyed by the column each field names: ``(translations,
    defaults)``. Every problem goes to ``check`` with its key path."""
    by_column: dict[str, dict[str, str]] = {}
    owner: dict[str, str] = {}  # column -> the field whose translations it carries
    raw = data.get("values")
    if raw is not None and not isinstance(raw, dict):
        check.error("values", f"must be a table of field = {{ cell value = value read }}, not {type_name(raw)}")
        raw = None
    for field, table in (raw or {}).items():
        here = key_path("values", field)
        column = _column(field, here, fields, check)
        if not isinstance(table, dict):
            check.error(here, f'must be a table of cell value = value read (e.g. "(None)" = "at any time"), not '
                              f"{type_name(table)}")  # fmt: skip
            continue
        if column is None:
            continue
        if column in owner:
            check.error(here, f"column {column!r} already has translations under values.{owner[column]}")
            continue
        owner[column] = field
        out: dict[str, str] = {}
        for cell, value in table.items():
            where = extend_path(here, cell)
            if not isinstance(value, str):
                check.error(where, f"must be a string, not {type_name(value)}")
                continue
            if value_key(cell) in out:
                check.error(where, "the same cell value as another key (values compare case- and space-insensitively)")
                continue
            if value_key(value) not in missing:
                _check_text(field, value, where, check)
            out[value_key(cell)] = value.strip()
        by_column[column] = out

    defaults: dict[str, str] = {}
    default_owner: dict[str, str] = {}
    raw = data.get("defaults")
    if raw is not None and not isinstance(raw, dict):
        check.error("defaults", f"must be a table of field = value for empty cells, not {type_name(raw)}")
        raw = None
    for field, value in (raw or {}).items():
        here = key_path("defaults", field)
        column = _column(field, here, fields, check)
        if field in _NO_DEFAULT:
            check.error(here, "a reference cannot have a default (every row without one would share it)")
            continue
        if not isinstance(value, str):
            check.error(here, f"must be a string, not {type_name(value)}")
            continue
        if not value.strip():
            check.error(here, "must not be empty")
            continue
        if column is None:
            continue
        if column in default_owner and defaults[column] != value.strip():
            check.error(here, f"column {column!r} has another default under defaults.{default_owner[column]}")
            continue
        if value_key(value) in missing:
            check.error(here, f"{value!r} is itself a missing marker: the cell would still be empty")
            continue
        _check_text(field, value, here, check)
        defaults[column] = value.strip()
        default_owner[column] = field
    translations = tuple((c, tuple(sorted(t.items()))) for c, t in sorted(by_column.items()))
    return translations, tuple(sorted(defaults.items()))


def _column(field: str, here: str, fields: dict[str, str], check: Checker) -> str | None:
    if field not in fields:
        known = ", ".join(sorted(fields)) or "none"
        check.error(here, f"{field!r} is not a field this mapping names in [fields] (named: {known})")
        return None
    return fields[field]


def _check_text(field: str, value: str, here: str, check: Checker) -> None:
    parse = _CHECKED.get(field)
    if parse is not None:
        try:
            parse(value)
        except ParseError as exc:
            check.error(here, str(exc))
    elif field in ("date_from", "date_to"):
        try:
            parse_local_date(value)
        except ValueError as exc:
            check.error(here, str(exc))


def cell_text(text: str, translations: dict[str, str], missing: frozenset[str], default: str | None) -> str | None:
    """A present cell's trimmed ``text`` read through its column's translations, missing markers and default."""
    text = translations.get(value_key(text), text)
    if text.strip().lower() in missing:
        return default
    return text


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}  # fmt: skip
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*\.?,?\s+(\d{4})")
_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_local_date(text: str) -> date:
    """A local calendar date as councils write it: ``2026-04-01`` (a time after it, as in ``2026-04-01T00:00:00.000``
    exports, is ignored), ``01/04/2026`` (day first, as in Britain), ``1 April 2026``. Raises ValueError."""
    value = text.strip()
    iso = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", value)
    try:
        if iso:
            return date.fromisoformat(iso.group(1))
        numeric = re.fullmatch(_NUMERIC.pattern + r"(?:\s+[0-9:]+(?:\s*[AP]M)?)?", value, re.IGNORECASE)
        if numeric:
            return date(int(numeric.group(3)), int(numeric.group(2)), int(numeric.group(1)))
        words = _DAY_MONTH_YEAR.fullmatch(value.lower())
        if words and words.group(2) in _MONTHS:
            return date(int(words.group(3)), _MONTHS[words.group(2)], int(words.group(1)))
    except ValueError:
        pass
    raise ValueError(f"cannot read the date {text!r}: write 2026-04-01, 01/04/2026 or 1 April 2026")
