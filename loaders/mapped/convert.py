"""Converting a borough file row by row through a mapping: each row's bay type, times, maximum stay, tariff and
permits read into rules, its geometry found, and bad rows rejected with the column they concern."""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from loaders.base import LoadOptions, RowError, UsageError
from loaders.checks import check_holidays, check_timezone
from parking_api.engine.model import Regulation, Tariff, TimeSpan
from parking_api.engine.parse import ParseError, parse_duration, parse_permits, parse_tariff, parse_times
from parking_api.engine.uk import publisher_wording
from parking_api.store.records import Converted, PlaceRecord, Reject, SourceMeta

from .dates import row_dates, within_dates
from .geometry import geometry
from .keys import key_path
from .mapping import BayType, Mapping
from .records import Record, column_text, records
from .rules import build_rules
from .sign import FROM_WORDS, bay_from_sign, parts, rules_in_words, unread_words, untyped_name
from .signtext import SignReading, read_sign
from .validate import load_mapping

_T = TypeVar("_T")
_Text = TypeVar("_Text")


def _row(record: Record, mapping: Mapping, flags: Counter[str], options: LoadOptions,
         unread: dict[str, Counter[str]]) -> PlaceRecord:  # fmt: skip
    """One row as a place; a value that makes the row unusable raises RowError naming its column. Sign text
    (``fields.sign_text``) fills what the dedicated columns leave empty (``sign.py``)."""
    if record.values is None:
        raise RowError(record.problem or "the row is malformed")
    ref, type_text, bay = _identity(record, mapping)
    sign_col = mapping.field("sign_text")
    sign_text = column_text(record, sign_col, mapping)
    sign = read_sign(sign_text) if sign_text else None
    bay = bay_from_sign(bay, sign, sign_col)
    times_col = mapping.field("times")
    times_text = bay.times or column_text(record, times_col, mapping)
    stay_col = mapping.field("max_stay")
    stay_text = column_text(record, stay_col, mapping)
    covered = frozenset(k for k, text in (("times", times_text), ("max_stay", stay_text)) if text is not None)
    unsafe = unread_words(sign, sign_col, covered, options.lenient, flags, unread.setdefault(bay.name, Counter()))
    spans = _spans(times_text, times_col, sign)
    duration = _parsed(parse_duration, stay_text, stay_col)
    row_parts = parts(bay, spans, duration, sign)
    if any(d is not None for _s, d in row_parts) and not any(c in bay.max_stay_binds for c in (*bay.park, *bay.load)):
        flags["mapped_max_stay_binds_nobody"] += 1  # a maximum stay nobody in this type is bound by
    tariff_text = column_text(record, mapping.field("tariff"), mapping)
    tariffs = _tariffs(tariff_text, bay, mapping, flags, sign)
    permits_col = mapping.field("permits")
    permits_text = column_text(record, permits_col, mapping)
    row_permits = _parsed(parse_permits, permits_text, permits_col)
    if permits_text is None and sign is not None:
        row_permits = sign.permits

    zone = column_text(record, mapping.field("zone"), mapping)
    rules = build_rules(bay, row_parts, tariffs, row_permits, zone, mapping)
    rules = within_dates(rules, *row_dates(record, mapping))
    wkt, srid, quality, radius = geometry(record, mapping, flags)
    attributes: dict[str, Any] = {}
    for column in mapping.attributes:
        value = column_text(record, column, mapping)
        if value is not None:
            attributes[column] = value
    regulation = Regulation(
        rules=rules,
        category=bay.category,
        description=publisher_wording(
            type_text, sign_text, times_text, stay_text, tariff_text, permits_text and f"permits {permits_text}"
        ),
        unread=unsafe,
    )
    spaces_text = column_text(record, mapping.field("spaces"), mapping)
    spaces = _measure(spaces_text, flags, "mapped_spaces_unreadable", whole=True)
    length = _measure(column_text(record, mapping.field("length"), mapping), flags, "mapped_length_unreadable")
    return PlaceRecord(
        row_number=record.row_number,
        ref=ref,
        regulation=regulation,
        geometry_wkt=wkt,
        geometry_srid=srid,
        geom_quality=quality,
        restriction_type=type_text,
        road=column_text(record, mapping.field("road"), mapping),
        zone=zone,
        spaces=None if spaces is None else int(spaces),
        length_m=None if length is None else round(length, 2),
        search_radius_m=radius,
        attributes=attributes,
        flags=[],
    )


def _identity(record: Record, mapping: Mapping) -> tuple[str, str, BayType]:
    """The row's reference, its restriction type as written, and that type's entry in the mapping."""
    ref_col = mapping.field("ref")
    ref = column_text(record, ref_col, mapping)
    if ref is None:
        raise RowError(f"no reference: column {ref_col!r} (fields.ref) is empty", ref_col)
    type_col = mapping.field("restriction_type")
    if type_col is None:
        return ref, "", FROM_WORDS  # no type column: the sign's words say who may park, and the category
    type_text = column_text(record, type_col, mapping)
    if type_text is None:
        raise RowError(f"no restriction type: column {type_col!r} is empty", type_col)
    bay = mapping.bay_type(type_text)
    if bay is None:
        raise RowError(f"restriction type {type_text!r} is not in the mapping's [types]", type_col)
    return ref, type_text, bay


def _spans(times_text: str | None, times_col: str | None, sign: SignReading | None) -> tuple[TimeSpan, ...]:
    if times_text is None and sign is not None and sign.times is not None:
        return sign.times  # the column (where there is one) is empty: the sign's words give the hours
    if times_text is None:
        if times_col is not None:
            raise RowError(f"no times of operation: column {times_col!r} is empty", times_col)
        times_text = "at any time"  # the mapping has no times column: its bays are always in force
    return _parsed(parse_times, times_text, times_col)


def _parsed(parse: Callable[[_Text], _T], text: _Text, column: str | None) -> _T:
    """``parse(text)``; a value the parser cannot read rejects the row, naming its column."""
    try:
        return parse(text)
    except ParseError as exc:
        raise RowError(str(exc), column) from exc


def _tariffs(text: str | None, bay: BayType, mapping: Mapping, flags: Counter[str],
             sign: SignReading | None) -> tuple[Tariff, ...]:  # fmt: skip
    """The row's tariff (its column, else the sign's words) in the mapping's currency. An unreadable one leaves the
    bay paid without a price (flagged): "pay here" cannot earn a driver a penalty charge."""
    tariffs: tuple[Tariff, ...] = ()
    try:
        tariffs = parse_tariff(text)
    except ParseError:
        flags["mapped_tariff_unreadable"] += 1
    if text is None and sign is not None:
        tariffs = sign.tariffs
    if mapping.currency:
        tariffs = tuple(dataclasses.replace(t, currency=mapping.currency) for t in tariffs)
    if tariffs and not bay.pays:
        flags["mapped_tariff_unused"] += 1
    return tariffs


def _measure(text: str | None, flags: Counter[str], flag: str, *, whole: bool = False) -> float | None:
    """A non-negative number from a column (a whole one for a count, below 10^8 for a length), or None; an
    unreadable value counts ``flag`` rather than rejecting the row, since the bay's rules do not depend on it."""
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not number >= 0 or not (number.is_integer() if whole else number < 1e8):
        flags[flag] += 1
        return None
    return number


def _meta(mapping: Mapping, options: LoadOptions) -> SourceMeta:
    tz = options.timezone or mapping.timezone
    if not tz:
        raise UsageError("no time zone: set source.timezone in the mapping or give --timezone")
    tz = check_timezone(str(tz).strip(), "--timezone" if options.timezone else "source.timezone")
    holidays = check_holidays(options.holidays)
    return SourceMeta(
        publisher=mapping.publisher,
        licence=mapping.licence,
        attribution=mapping.attribution,
        url=mapping.url,
        timezone=tz,
        holidays=holidays or mapping.holidays,
    )


def _check_columns(mapping: Mapping, seen: set[str], header: list[str] | None) -> None:
    """A column the mapping names that the file never has is a mapping mistake (UsageError with the key path)."""
    problems = []
    available = set(header) if header is not None else seen
    what = "the CSV header" if header is not None else "any record"
    named: list[tuple[str, str]] = [(key_path("fields", k), v) for k, v in mapping.fields]
    named += [(key_path("fields", "attributes", i), c) for i, c in enumerate(mapping.attributes)]
    for i, source in enumerate(mapping.geometry):
        for key in ("column", "x", "y"):
            column = getattr(source, key)
            if column:
                named.append((key_path("geometry", i, "wkt" if key == "column" and source.kind == "wkt" else
                                       "geojson" if key == "column" else key), column))  # fmt: skip
    for path, column in named:
        if column == "@id" and header is None:
            continue
        if column not in available:
            close = difflib.get_close_matches(column, sorted(available), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{path}: column {column!r} is not in {what}{hint}")
    if problems:
        raise UsageError(f"--mapping {mapping.path} does not fit the file:\n  " + "\n  ".join(problems))


def convert(path: str | Path, options: LoadOptions) -> Converted:
    """Convert one borough file through ``options.mapping`` (a TOML mapping)."""
    return convert_with(path, load_mapping(options.mapping), options)


def convert_with(path: str | Path, mapping: Mapping, options: LoadOptions) -> Converted:
    """Convert one file through an already-loaded mapping."""
    meta = _meta(mapping, options)
    is_csv = mapping.format == "csv"
    rows = records(path, mapping, lambda header: _check_columns(mapping, set(), header))
    flags: Counter[str] = Counter()
    out = Converted(meta=meta, flags=flags)
    seen_columns: set[str] = set()
    seen_refs: dict[str, int] = {}
    for record in rows:
        out.read += 1
        if record.values:
            seen_columns.update(record.values)
        try:
            place = _row(record, mapping, flags, options, out.unread_phrases)
        except RowError as bad:
            ref = column_text(record, mapping.field("ref"), mapping)
            out.rejects.append(Reject(record.row_number, bad.reason, record.raw, bad.field, ref))
            continue
        first = seen_refs.get(place.ref)
        if first is not None:
            out.rejects.append(
                Reject(record.row_number, f"duplicate reference {place.ref!r} (first at row {first})", record.raw,
                       mapping.field("ref"), place.ref)
            )  # fmt: skip
            continue
        seen_refs[place.ref] = record.row_number
        out.places.append(place)
        bay = mapping.bay_type(place.restriction_type) if place.restriction_type else None
        name = bay.name if bay is not None else untyped_name(place.regulation.category)
        out.rules_by_type.setdefault(name, Counter())[rules_in_words(place.regulation.rules)] += 1
    if not is_csv and out.read:
        _check_columns(mapping, seen_columns, None)
    return out
