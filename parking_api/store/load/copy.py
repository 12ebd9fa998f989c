"""Rows into PostgreSQL with ``COPY … FROM STDIN``: the fast way to stage hundreds of thousands of records."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from psycopg2.extensions import cursor as Cursor

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if value.__class__ is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_COPY_ESCAPES)


def pg_array(items: Iterable[str]) -> str:
    """A ``text[]`` literal (for a COPY column)."""
    parts = []
    for item in items:
        parts.append('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


class _LineReader(io.TextIOBase):
    """A file-like object over an iterator of COPY lines, for ``cursor.copy_expert``."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buf = ""
        self.error: BaseException | None = None  # raised by the lines (psycopg2 would report it as a cancel)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:  # type: ignore[override]
        try:
            return self._read(size)
        except BaseException as exc:
            self.error = exc
            raise

    def _read(self, size: int | None) -> str:
        if size is None or size < 0:
            rest = self._buf + "".join(self._lines)
            self._buf = ""
            return rest
        parts = [self._buf]
        have = len(self._buf)
        while have < size:
            try:
                line = next(self._lines)
            except StopIteration:
                break
            parts.append(line)
            have += len(line)
        data = "".join(parts)
        self._buf = data[size:]
        return data[:size]


def copy_rows(
    cur: Cursor,
    table: str,
    columns: list[str],
    rows: Iterable[tuple[Any, ...]],
    on_row: Callable[[int], object] | None = None,
) -> None:
    """COPY ``rows`` into ``table``; ``on_row(1)`` is called per row sent (a progress bar's ``update``). An error
    raised while producing the rows (a streamed file found unreadable) is raised as itself, the COPY cancelled."""

    def lines() -> Iterator[str]:
        for row in rows:
            if on_row is not None:
                on_row(1)
            yield "\t".join(copy_text(v) for v in row) + "\n"

    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    reader = _LineReader(lines())
    try:
        cur.copy_expert(sql, reader, size=1 << 20)
    except Exception:
        if reader.error is not None:
            raise reader.error from None
        raise
