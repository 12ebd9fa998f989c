"""A borough file's records, whatever its format: GeoJSON features, CSV rows or a JSON array of objects, each with
its 1-based row number, its raw text for a reject, and each column's value as text."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.base import StructuralError, clip_raw, raw_json
from loaders.files import csv_line, iter_csv, number_text, read_json, read_text

from .mapping import Mapping
from .values import cell_text


@dataclass
class Record:
    """One record of the file: a feature's properties, a CSV row or a JSON object, keyed by column name."""

    row_number: int
    values: dict[str, Any] | None  # None: the row itself is malformed (reason in ``problem``)
    geometry: Any = None  # a GeoJSON feature's geometry member
    feature_id: Any = None
    raw: str = ""
    problem: str = ""


def records(path: str | Path, mapping: Mapping, check_header: Callable[[list[str]], None]) -> Iterator[Record]:
    """The file's records; a CSV file's header goes to ``check_header`` before its first record."""
    if mapping.format == "csv":
        return _csv_records(path, mapping, check_header)
    doc = read_json(path, mapping.encoding)
    if mapping.format == "json-records":
        items = doc
        if mapping.records:
            for part in mapping.records.split("."):
                items = items.get(part) if isinstance(items, dict) else None
        if not isinstance(items, list):
            where = f" at {mapping.records!r}" if mapping.records else ""
            raise StructuralError(f"{path} is not a JSON array of records{where}")
        return (
            Record(i + 1, item if isinstance(item, dict) else None, raw=raw_json(item),
                   problem="" if isinstance(item, dict) else "the record is not a JSON object")
            for i, item in enumerate(items)
        )  # fmt: skip
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise StructuralError(f"{path} is not a GeoJSON FeatureCollection (no features list)")
    return (_feature_record(i + 1, feature) for i, feature in enumerate(features))


def _feature_record(row_number: int, feature: Any) -> Record:
    if not isinstance(feature, dict):
        return Record(row_number, None, raw=raw_json(feature), problem="the feature is not a JSON object")
    props = feature.get("properties")
    return Record(
        row_number,
        props if isinstance(props, dict) else {},
        geometry=feature.get("geometry"),
        feature_id=feature.get("id"),
        raw=raw_json(feature),
    )


def _csv_records(path: str | Path, mapping: Mapping, check_header: Callable[[list[str]], None]) -> Iterator[Record]:
    """The rows of a CSV file in the mapping's encoding and delimiter (decoded whole, so an encoding error fails the
    file before any row is read)."""
    text = read_text(path, mapping.encoding)
    header: list[str] = []

    def check(names: list[str]) -> None:
        header.extend(names)
        check_header(names)

    rows = iter_csv(text.splitlines(keepends=True), str(path), check, delimiter=mapping.delimiter,
                    ends_with_newline=text.endswith(("\n", "\r")))  # fmt: skip
    for number, fields, raw_fields in rows:
        raw = clip_raw(csv_line(raw_fields, mapping.delimiter))
        if fields is None:
            problem = "wrong number of fields for the CSV header: "
            problem += f"the row has {len(raw_fields)} fields, the header {len(header)}"
            yield Record(number, None, raw=raw, problem=problem)
            continue
        yield Record(number, dict(zip(header, fields, strict=True)), raw=raw)


def column_text(record: Record, column: str | None, mapping: Mapping) -> str | None:
    """A column's value as trimmed text read through the mapping's ``[values]`` translations, or the column's
    ``[defaults]`` entry (else None) when absent or one of the mapping's missing values."""
    if column is None:
        return None
    value = record.feature_id if column == "@id" else (record.values or {}).get(column)
    if value is None:
        return mapping.default(column)
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = number_text(value) or ""
    elif isinstance(value, dict | list):
        text = json.dumps(value)
    else:
        text = str(value).strip()
    return cell_text(text, mapping.translations(column), mapping.missing, mapping.default(column))

