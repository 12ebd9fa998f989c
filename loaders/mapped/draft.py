"""``parking mapping draft FILE``: a starting mapping for a borough's bay file, from its columns and their most common
values, so that a council data officer begins from a mapping that already reads the file and only has to say what
each bay type means (the ``[types]`` table) and check the guesses the comments point at.

What is guessed: the format (GeoJSON, a JSON array of records, or CSV with its delimiter and encoding), which column
holds what (by the column's name, confirmed by its values: a reference is unique, times and maximum stays read,
dates are dates, counts are numbers), the geometry (the features' own, a WKT or GeoJSON column, or x/y columns; the
coordinate system from the numbers' range), the file's own "no value" markers (``(None)``), and a first reading of
each bay type from its name. Nothing is loaded; the draft is printed for the officer to edit and check with
``parking load mapped FILE --mapping M --dry-run``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders.base import StructuralError
from loaders.checks import check_timezone
from loaders.files import read_json, read_text
from parking_api.engine.parse import ParseError, parse_duration, parse_times

from .mapping import Mapping
from .records import Record, column_text, records
from .values import parse_local_date

DEFAULT_TIMEZONE = "Europe/London"
# The public-holiday calendar a time zone suggests (checked by the officer: one zone can hold several calendars).
_HOLIDAYS = {"Europe/London": "GB-ENG", "Europe/Belfast": "GB-NIR", "Europe/Dublin": "IE", "Europe/Paris": "FR",
             "Europe/Berlin": "DE", "Europe/Amsterdam": "NL", "Europe/Brussels": "BE",
             "Europe/Madrid": "ES"}  # fmt: skip
_HOLIDAY_NOTE = {"GB-ENG": "England's bank holidays (Scotland: GB-SCT, Wales: GB-WLS, Northern Ireland: GB-NIR)"}

# "No value" spellings found in council files beyond the built-in markers.
_MARKERS = frozenset({"(none)", "(null)", "<null>", "nil", "not applicable", "--", "n.a.", "#n/a", "(blank)"})

# Column names that suggest each field, best first (compared as lower-case words).
_HINTS: dict[str, tuple[str, ...]] = {
    "ref": ("unique identifier", "bay id", "bay ref", "site ref", "reference", "ref", "identifier", "id", "objectid"),
    "restriction_type": ("restriction type", "bay type", "type", "restriction", "category", "designation"),
    "sign_text": ("sign text", "sign wording", "sign", "wording", "regulation", "description", "details"),
    "times": ("times of operation", "operating hours", "hours of operation", "hours", "times", "time", "days"),
    "max_stay": ("maximum stay", "max stay", "time limit", "stay", "duration"),
    "tariff": ("tariff", "charge", "price", "cost", "fee"),
    "permits": ("valid parking permits", "permit zones", "permits", "permit"),
    "road": ("road name", "street name", "street", "road"),
    "zone": ("controlled parking zone", "cpz", "zone"),
    "spaces": ("parking spaces", "no of spaces", "number of spaces", "spaces", "space", "capacity"),
    "length": ("bay length", "length"),
    "date_from": ("start date", "effective from", "valid from", "date from", "from date", "start", "commenced"),
    "date_to": ("end date", "effective to", "valid to", "valid until", "date to", "to date", "expiry", "end"),
}
_XY = (("longitude", "latitude"), ("lon", "lat"), ("lng", "lat"), ("easting", "northing"), ("x", "y"))

# A first reading of a bay type from its name: (words, TOML lines). The first match wins.
_TYPE_GUESSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("bus stop", "bus cage"), 'category = "bus_stop"\nprohibit = "no_stopping"\nlabel = "Bus stop"'),
    (("taxi",), 'category = "taxi_rank"\nprohibit = "no_stopping"\nlabel = "Taxi rank"'),
    (("car club",), 'category = "car_club"\npark = ["car_club"]'),
    (("disabled", "blue badge"), 'category = "disabled_blue_badge"\npark = ["blue_badge"]'),
    (("motorcycle", "motorbike"), 'category = "motorcycle"\npark = ["motorcycle"]'),
    (("loading",), 'category = "loading"\nload = ["goods"]'),
    (("electric", "charging"), 'category = "ev_charging"\npark = ["electric"]'),
    (("doctor",), 'category = "doctor"\npark = ["doctor"]'),
    (("police",), 'category = "police"\npark = ["police"]'),
    (("diplomat",), 'category = "diplomatic"\npark = ["diplomatic"]'),
    (("shared",), 'category = "shared_use_resident"\npark = ["permit", "everyone"]\npays = ["everyone"]\n'
                  'max_stay_binds = ["everyone"]\nenforced_on_bank_holidays = false\nblue_badge = true'),
    (("pay", "paid", "p&d", "meter"), 'category = "paid"\npark = ["everyone"]\npays = true\n'
                                     "enforced_on_bank_holidays = false\nblue_badge = true"),
    (("resident", "permit"), 'category = "resident_permit"\npark = ["permit"]\nenforced_on_bank_holidays = false\n'
                             "blue_badge = true"),
)  # fmt: skip
_MAX_TYPES = 60
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_WKT = re.compile(r"\s*(?:MULTI)?(?:POINT|LINESTRING|POLYGON)\s*(?:Z\s*)?\(", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class Column:
    """One column's values as the draft sees them."""

    name: str
    values: Counter[str] = field(default_factory=Counter)  # present values (trimmed text)
    empty: int = 0  # cells absent, empty or a missing marker
    markers: Counter[str] = field(default_factory=Counter)  # the file's own "no value" spellings

    @property
    def present(self) -> int:
        return sum(self.values.values())


@dataclass
class FileShape:
    """What the draft learnt about the file."""

    format: str
    encoding: str = "utf-8"
    delimiter: str = ","
    records_path: str | None = None
    rows: int = 0
    columns: dict[str, Column] = field(default_factory=dict)
    geometry_types: Counter[str] = field(default_factory=Counter)
    feature_ids: Counter[str] = field(default_factory=Counter)
    first_coordinate: tuple[float, float] | None = None
    texts: list[dict[str, str]] = field(default_factory=list)  # each record's present values, by column


def draft(path: str | Path, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The draft mapping of the file at ``path`` as TOML text (see the module docstring)."""
    timezone = check_timezone(timezone.strip(), "--timezone")
    shape = _read(Path(path))
    fields = _fields(shape)
    return _toml(Path(path).name, shape, fields, timezone)


# --- reading the file --------------------------------------------------------------------------------------------


def _sniff(path: Path) -> tuple[str, str, str | None]:
    """(format, encoding, records path) from the file's first characters and its text."""
    raw = path.read_bytes() if path.is_file() else b""
    if not raw.strip():
        raise StructuralError(f"{path} is empty or not a file")
    encoding = "utf-8"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        encoding = "cp1252"  # Excel's "CSV" on British Windows
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head not in (b"{", b"["):
        return "csv", encoding, None
    doc = read_json(path, encoding)
    if isinstance(doc, dict) and isinstance(doc.get("features"), list):
        return "geojson", encoding, None
    if isinstance(doc, list):
        return "json-records", encoding, None
    if isinstance(doc, dict):
        for key, value in doc.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                return "json-records", encoding, key
    raise StructuralError(f"{path} is JSON but neither a GeoJSON FeatureCollection nor an array of records")


def _read(path: Path) -> FileShape:
    fmt, encoding, records_path = _sniff(path)
    delimiter = ","
    if fmt == "csv":
        first = read_text(path, encoding).splitlines()[0]
        delimiter = max((",", ";", "\t", "|"), key=lambda d: len(next(csv.reader(io.StringIO(first), delimiter=d))))
    shape = FileShape(format=fmt, encoding=encoding, delimiter=delimiter, records_path=records_path)
    probe = Mapping(path="draft", format=fmt, encoding=encoding, delimiter=delimiter, records=records_path)
    for record in records(path, probe, lambda header: _header(shape, header)):
        shape.rows += 1
        if record.values is None:
            continue
        _tally(shape, record, probe)
    return shape


def _header(shape: FileShape, header: list[str]) -> None:
    for name in header:
        shape.columns.setdefault(name, Column(name))


def _tally(shape: FileShape, record: Record, probe: Mapping) -> None:
    assert record.values is not None
    for name in record.values:
        shape.columns.setdefault(name, Column(name))
    row: dict[str, str] = {}
    for name, column in shape.columns.items():
        text = column_text(record, name, probe)
        if text is None:
            column.empty += 1
        elif text.strip().lower() in _MARKERS:
            column.empty += 1
            column.markers[text] += 1
        else:
            column.values[text] += 1
            row[name] = text
    shape.texts.append(row)
    if record.feature_id is not None:
        shape.feature_ids[str(record.feature_id)] += 1
    geometry = record.geometry
    if isinstance(geometry, dict):
        shape.geometry_types[str(geometry.get("type"))] += 1
        if shape.first_coordinate is None:
            numbers = [float(n) for n in _NUMBER.findall(json.dumps(geometry.get("coordinates")))[:2]]
            if len(numbers) == 2:
                shape.first_coordinate = (numbers[0], numbers[1])


# --- which column holds what -------------------------------------------------------------------------------------


def _words(name: str) -> str:
    """``BAY_ID``, ``BayId`` and ``Bay ID`` are the words ``bay id``."""
    return " ".join(re.findall(r"[a-z0-9&]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()))


def _score(hint: str, name: str) -> int:
    words = _words(name)
    if words == hint:
        return 3
    return 2 if re.search(rf"(?:^| ){re.escape(hint)}(?: |$)", words) else 0


def _share(column: Column, read: Any) -> float:
    """The share of the column's present values (its 200 most common) that ``read`` accepts."""
    total = ok = 0
    for value, count in column.values.most_common(200):
        total += count
        try:
            read(value)
            ok += count
        except (ParseError, ValueError):
            pass
    return ok / total if total else 0.0


def _fits(key: str, column: Column, shape: FileShape) -> bool:
    """Whether a column's values look like the field ``key`` (its name already suggests it)."""
    present = column.present
    if present == 0:
        return key not in ("ref", "restriction_type")
    if key == "ref":  # unique but for a few repeats (which the load rejects and reports)
        return len(column.values) >= 0.9 * present and column.empty <= 0.1 * shape.rows
    if key == "restriction_type":  # a few names, not sign wordings with their hours and prices
        digits = sum(c for v, c in column.values.items() if re.search(r"\d", v))
        return len(column.values) <= max(60, shape.rows // 3) and digits < 0.5 * present
    if key == "times":
        return _share(column, parse_times) >= 0.5
    if key == "max_stay":
        return _share(column, parse_duration) >= 0.5
    if key in ("spaces", "length"):
        return _share(column, float) >= 0.8
    if key in ("date_from", "date_to"):
        return _share(column, parse_local_date) >= 0.5
    if key == "sign_text":
        return sum(len(v) * c for v, c in column.values.items()) / present >= 20
    return True


def _fields(shape: FileShape) -> dict[str, str]:
    """Field key -> column, each column used once, best-named first."""
    candidates = []
    for order, (key, hints) in enumerate(_HINTS.items()):
        for name, column in shape.columns.items():
            score = max((_score(h, name) * 100 - rank for rank, h in enumerate(hints)), default=0)
            if score > 0 and _fits(key, column, shape):
                candidates.append((-score, order, key, name))
    chosen: dict[str, str] = {}
    for *_rank, key, name in sorted(candidates):
        if key not in chosen and name not in chosen.values():
            chosen[key] = name
    ids = shape.feature_ids
    if "ref" not in chosen and ids and max(ids.values()) == 1 and sum(ids.values()) == shape.rows:
        chosen["ref"] = "@id"  # a GeoJSON feature's own id
    return {key: chosen[key] for key in _HINTS if key in chosen}


# --- geometry ----------------------------------------------------------------------------------------------------


def _crs(x: float, y: float) -> int | None:
    if -180 <= x <= 180 and -90 <= y <= 90:
        return 4326
    if 0 <= x <= 800_000 and 0 <= y <= 1_400_000:
        return 27700  # the British National Grid
    return None


def _geometry(shape: FileShape, fields: dict[str, str]) -> list[str]:
    """The [[geometry]] entries as TOML lines."""
    sized = "spaces" in fields or "length" in fields
    point_lines = ["search_radius_m = 5  # how far from its point a bay may lie: check"]
    if sized:
        point_lines.append("reach_from_size = true  # or half the bay's length (its spaces x 5 m), at most 25 m")
    if shape.format == "geojson":
        lines = ["[[geometry]]", "feature = true"]
        if shape.first_coordinate and _crs(*shape.first_coordinate) not in (None, 4326):
            lines.append(f"crs = {_crs(*shape.first_coordinate)}  # from the coordinates' range: check")
        if shape.geometry_types.get("Point") or shape.geometry_types.get("MultiPoint"):
            lines += point_lines
        return lines
    entries: list[tuple[tuple[int, bool], list[str]]] = []  # (rank, lines): lines before points, WGS84 first
    for name, column in shape.columns.items():
        sample = [v for v, _ in column.values.most_common(50)]
        if not sample:
            continue
        if all(_WKT.match(v) for v in sample):
            kind = "wkt"
        elif all(v.lstrip().startswith("{") and '"coordinates"' in v for v in sample):
            kind = "geojson"
        else:
            continue
        numbers = [float(n) for n in _NUMBER.findall(sample[0])[:2]]
        crs = _crs(*numbers) if len(numbers) == 2 else None
        points = any(re.match(r'\s*(?:POINT|\{\s*"type"\s*:\s*"Point")', v, re.IGNORECASE) for v in sample)
        entries.append(((1 if points else 0, crs != 4326), [f"{kind} = {_string(name)}", _crs_line(crs),
                                                          *(point_lines if points else [])]))  # fmt: skip
    for x, y in [(x, y) for x in shape.columns for y in shape.columns if _is_pair(x, y, shape)]:
        crs = _crs(_largest(shape.columns[x]), _largest(shape.columns[y]))
        entries.append(((2, crs != 4326), [f"x = {_string(x)}", f"y = {_string(y)}", _crs_line(crs), *point_lines]))
    out: list[str] = []
    for _rank, lines in sorted(entries, key=lambda e: e[0]):
        out += ["", "[[geometry]]", *lines]
    return out[1:] if out else ["# [[geometry]]: no geometry column recognised: give wkt, geojson or x and y"]


def _crs_line(crs: int | None) -> str:
    if crs is None:
        return "# crs = ?  # the coordinates' system: set it (an EPSG code)"
    return f"crs = {crs}" + ("" if crs == 4326 else "  # from the coordinates' range: check")


def _largest(column: Column) -> float:
    """The coordinate of largest size among a column's common values (files write 0 for "no position")."""
    return max((float(v) for v, _ in column.values.most_common(50)), key=abs)


def _is_pair(x: str, y: str, shape: FileShape) -> bool:
    wx, wy = _words(x), _words(y)
    for hx, hy in _XY:
        if (wx == hx or wx.endswith(" " + hx)) and (wy == hy or wy.endswith(" " + hy)):
            if wx.removesuffix(hx) != wy.removesuffix(hy):
                return False  # "Site X" goes with "Site Y", not with "Centre Y"
            return _share(shape.columns[x], float) >= 0.8 and _share(shape.columns[y], float) >= 0.8
    return False


# --- writing the draft -------------------------------------------------------------------------------------------


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _key(text: str) -> str:
    return text if _BARE_KEY.fullmatch(text) else _string(text)


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _summary(shape: FileShape) -> list[str]:
    lines = [f"# The file's columns ({shape.rows} records) and their most common values:"]
    width = min(28, max((len(n) for n in shape.columns), default=0))
    for name, column in shape.columns.items():
        common = ", ".join(f"{_short(v, 32)!r} ({c})" for v, c in column.values.most_common(3))
        extra = f"; empty {column.empty}" if column.empty else ""
        line = f"#   {_short(name, 28):<{width}}  {len(column.values)} distinct{extra}: {common}"
        lines.append(line if len(line) <= 118 else line[:117] + "…")
    return lines


def _guess_type(name: str, *, from_sign: bool) -> tuple[str, bool]:
    words = f" {_words(name)} "
    for needles, lines in _TYPE_GUESSES:
        if any(f" {n} " in words or (n.endswith("&d") and n in words) for n in needles):
            return lines, True
    if from_sign:  # an empty type table: who may park and the category come from the row's words
        return "# who may park and the category: read from each row's sign text (or set category, park …)", False
    return 'category = ""  # our category: paid, resident_permit, loading, … (see the README)\n' \
           "park = []  # who may park: everyone, permit, blue_badge, … (see the README)", False  # fmt: skip


def _toml(filename: str, shape: FileShape, fields: dict[str, str], timezone: str) -> str:
    markers = sorted({m for c in shape.columns.values() for m in c.markers if m.strip().lower() in _MARKERS})
    holidays = _HOLIDAYS.get(timezone)
    out = [
        f"# A draft mapping for {filename}, written by `parking mapping draft`: check every line"
        + (", fill in [types]," if "restriction_type" in fields or "sign_text" not in fields else ","),
        f"# then try it with `parking load mapped {filename} --source NAME --mapping THIS.toml --dry-run`.",
        "#",
        *_summary(shape),
        "",
        "[source]",
        f"format = {_string(shape.format)}",
    ]
    if shape.encoding != "utf-8":
        out.append(f"encoding = {_string(shape.encoding)}  # the file is not UTF-8: check")
    if shape.format == "csv" and shape.delimiter != ",":
        out.append(f"delimiter = {_string(shape.delimiter)}")
    if shape.records_path:
        out.append(f"records = {_string(shape.records_path)}")
    out.append(f"timezone = {_string(timezone)}  # check: the zone of the file's local times")
    if holidays:
        note = _HOLIDAY_NOTE.get(holidays, "the public-holiday calendar")
        out.append(f"holidays = {_string(holidays)}  # check: {note}")
    else:
        out.append('# holidays = "…"  # the public-holiday calendar for "except bank holidays": set it')
    out += ['publisher = ""  # who publishes the file', 'licence = ""', 'attribution = ""']
    if markers:
        out.append(f"also_missing = [{', '.join(_string(m) for m in markers)}]  # the file's own 'no value'")
    out += ["", "[fields]"]
    for key, column in fields.items():
        out.append(f"{key} = {_string(column)}")
    if "restriction_type" not in fields and "sign_text" in fields:
        out.append("# no bay-type column: each row's sign text says who may park, and its category")
    for key in _HINTS:
        if key not in fields and (key == "ref" or (key == "restriction_type" and "sign_text" not in fields)):
            out.append(f'# {key} = "…"  # required: no column was recognised')
    out += _times_notes(shape, fields, markers)
    out += ["", *_geometry(shape, fields), ""]
    out += _types(shape, fields)
    return "\n".join(out).rstrip() + "\n"


def _times_notes(shape: FileShape, fields: dict[str, str], markers: list[str]) -> list[str]:
    """Commented suggestions for a times column whose cells are empty or a marker (such rows are rejected)."""
    column = shape.columns.get(fields.get("times", ""))
    if column is None or not column.empty:
        return []
    out = ["", f"# {column.empty} rows have no {column.name}: they are rejected unless you say what that means, e.g."]
    for marker in sorted(column.markers):
        if marker in markers:
            out += ["# [values.times]", f'# {_string(marker)} = "at any time"']
    return [*out, "# [defaults]", '# times = "Mon-Fri 8.30am-6.30pm"  # the zone\'s controlled hours']


def _types(shape: FileShape, fields: dict[str, str]) -> list[str]:
    column = shape.columns.get(fields.get("restriction_type", ""))
    if column is None and "sign_text" in fields:
        return ["# No [types]: without a type column the loader reads who may park and the category from each row's",
                "# sign text. Check the rules in words with --dry-run."]
    if column is None:
        return ["# [types]: one table per bay type, once fields.restriction_type names the column"]
    out = [f"# One table per value of {column.name}: say who may park, pay or load (see the README for the keys)."]
    kinds = column.values.most_common()
    wording = fields.get("sign_text") or fields.get("times")
    for name, count in kinds[:_MAX_TYPES]:
        lines, guessed = _guess_type(name, from_sign="sign_text" in fields)
        note = f"  # {count} row{'s' if count != 1 else ''}"
        note += "; guessed from the name: check every key" if guessed else ""
        out += ["", f"[types.{_key(name)}]{note}"]
        if wording:
            said = Counter(row[wording] for row in shape.texts if row.get(column.name) == name and wording in row)
            out += [f"# {wording}: {_short(text, 90)!r} ({n})" for text, n in said.most_common(2)]
        out += lines.splitlines()
    if len(kinds) > _MAX_TYPES:
        rest = ", ".join(repr(n) for n, _ in kinds[_MAX_TYPES:])
        out += ["", f"# {len(kinds) - _MAX_TYPES} rarer types not drafted: {_short(rest, 200)}"]
    return out
