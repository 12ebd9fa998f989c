"""Reading publisher files: local paths or URLs, UTF-8 text, streamed JSON arrays, whole JSON documents whose
numbers keep their written text, and strict CSV.

Every converter reads its files through here, so a file fails the same way whatever its kind. Everything here raises
:class:`~loaders.base.StructuralError` for a fault of the file as a whole (bad encoding, unparseable JSON, a truncated
final record); a bad row is the converter's business.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from .base import StructuralError

_CHUNK = 1 << 20
_WHITESPACE = " \t\r\n"


def is_url(location: str) -> bool:
    return urllib.parse.urlsplit(str(location)).scheme in ("http", "https")


@contextmanager
def local_copy(location: str, *, timeout: float = 300.0) -> Iterator[str]:
    """A local path for ``location``: the path itself, or a URL downloaded to a temporary file removed afterwards."""
    if not is_url(location):
        if not Path(location).is_file():
            raise StructuralError(f"no such file: {location}")
        yield str(location)
        return
    suffix = Path(urllib.parse.urlsplit(location).path).suffix[:16]
    fd, tmp = tempfile.mkstemp(prefix="parking-load-", suffix=suffix)
    try:
        request = urllib.request.Request(location, headers={"User-Agent": "kerbside-parking-loader"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response, os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(response, out, _CHUNK)
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the response open
            raise StructuralError(f"cannot download {location}: {exc}") from None
        except OSError as exc:  # URLError, timeouts, refused connections
            raise StructuralError(f"cannot download {location}: {exc}") from exc
        yield tmp
    finally:
        Path(tmp).unlink(missing_ok=True)


def _isatty(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):  # replaced or closed streams
        return False


def progress_enabled(wanted: bool) -> bool:
    """A progress bar only on a terminal, never in CI or when output is piped or redirected.

    The bar is drawn on stderr, but the report goes to stdout: ``parking load … > report.txt`` or ``| tee`` is not
    an interactive session, so both streams must be terminals."""
    return bool(wanted) and _isatty(sys.stdout) and _isatty(sys.stderr) and not os.environ.get("CI")


class _ProgressReader(io.RawIOBase):
    """A binary file that advances a tqdm bar by the bytes read."""

    def __init__(self, raw: io.BufferedReader, bar: tqdm) -> None:
        self._raw = raw
        self._bar = bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)
        if n:
            self._bar.update(n)
        return n or 0

    def close(self) -> None:
        self._bar.close()
        self._raw.close()
        super().close()


@contextmanager
def open_text(path: str, *, progress: bool = False, newline: str | None = None) -> Iterator[TextIO]:
    """Open a publisher file as strict UTF-8 text (a byte-order mark is skipped)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed through the wrapper below
    binary: io.BufferedIOBase
    if progress_enabled(progress):
        bar = tqdm(
            total=os.path.getsize(path), unit="B", unit_scale=True, desc=f"reading {Path(path).name}", leave=False
        )
        binary = io.BufferedReader(_ProgressReader(raw, bar), _CHUNK)
    else:
        binary = raw
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline=newline)
    try:
        yield text
    except UnicodeDecodeError as exc:
        raise StructuralError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start} of a chunk)") from exc
    finally:
        text.close()


def first_char(path: str) -> str:
    """The first non-blank character of the file, to tell JSON from CSV; an empty (or blank) file is a
    StructuralError saying so, whatever its name suggests."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
        text = head.decode("utf-8-sig", errors="ignore").lstrip(_WHITESPACE)
        while not text and head:
            head = fh.read(65536)
            text = head.decode("utf-8", errors="ignore").lstrip(_WHITESPACE)
    if not text:
        raise StructuralError("the file is empty: no records")
    return text[:1]


def iter_json_array(fh: TextIO) -> Iterator[Any]:
    """Yield the elements of a top-level JSON array one by one, without reading the whole file into memory.

    A file that is not an array, or whose array is cut short (a truncated final record), raises StructuralError.
    """
    decoder = json.JSONDecoder()
    buf = ""
    pos = 0
    eof = False

    def fill() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        chunk = fh.read(_CHUNK)
        if not chunk:
            eof = True
            return False
        buf = buf[pos:] + chunk
        pos = 0
        return True

    def skip_ws() -> str:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in _WHITESPACE:
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if not fill():
                return ""

    if skip_ws() != "[":
        raise StructuralError("not a JSON array of records")
    pos += 1
    index = 0
    expect_value = True
    while True:
        ch = skip_ws()
        if ch == "":
            raise StructuralError(f"the JSON array is truncated after record {index} (no closing ']')")
        if ch == "]":
            if expect_value and index:
                raise StructuralError(f"the JSON array has a trailing comma after record {index}")
            pos += 1
            break
        if not expect_value:
            if ch != ",":
                raise StructuralError(f"the JSON array is malformed after record {index}: expected ',' or ']'")
            pos += 1
            expect_value = True
            continue
        while True:
            try:
                value, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                if fill():
                    continue
                raise StructuralError(f"the JSON is unreadable or truncated in record {index + 1}: {exc.msg}") from exc
            except RecursionError:
                raise StructuralError(f"record {index + 1} of the JSON array is nested too deeply to read") from None
            # a number cut at the chunk boundary: read on and decode it again
            if end == len(buf) and not eof and isinstance(value, int | float) and fill():
                continue
            break
        pos = end
        index += 1
        expect_value = False
        yield value
    if skip_ws() != "":
        raise StructuralError("unexpected data after the JSON array")


def load_json(fh: TextIO) -> Any:
    try:
        return json.load(fh)
    except json.JSONDecodeError as exc:
        raise StructuralError(f"the JSON is unreadable or truncated: {exc.msg} (line {exc.lineno})") from exc
    except RecursionError:
        raise StructuralError("the JSON is nested too deeply to read") from None


def iter_csv(
    fh: Iterable[str],
    path: str,
    check_header: Callable[[list[str]], None] | None = None,
    *,
    delimiter: str = ",",
    ends_with_newline: bool | None = None,
) -> Iterator[tuple[int, list[str] | None, list[str]]]:
    """Yield ``(row_number, fields, raw_fields)`` for each data record of an RFC 4180 CSV file.

    ``fh`` is the open file (or its lines). ``fields`` is None for a row whose field count differs from the header's
    (a row error). A short final record with no line end, or an unterminated quoted field, is a truncated file:
    StructuralError. ``check_header`` gets the header (stripped names) first and may raise StructuralError when it is
    not the expected format's. Whether the file ends with a line end is read from its last byte unless the caller,
    having decoded the text itself (in an encoding whose line end is not one byte), says so in ``ends_with_newline``.
    """
    reader = csv.reader(fh, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise StructuralError("the CSV file is empty") from None
    except csv.Error as exc:
        raise StructuralError(f"the CSV header is unreadable: {exc}") from exc
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        raise StructuralError("the CSV header repeats a column name")
    if check_header is not None:
        check_header(header)
    width = len(header)
    number = 0
    pending: list[str] | None = None
    try:
        for fields in reader:
            if pending is not None:
                yield number, (pending if len(pending) == width else None), pending
            if not fields or fields == [""]:
                pending = None
                continue  # blank line: not a record
            number += 1
            pending = fields
    except csv.Error as exc:
        raise StructuralError(f"the CSV file is unreadable after record {number}: {exc}") from exc
    if pending is not None:
        if ends_with_newline is None:
            ends_with_newline = _ends_with_newline(path)
        if len(pending) < width and not ends_with_newline:
            raise StructuralError(f"the CSV file is truncated: its final record ({number}) is incomplete")
        yield number, (pending if len(pending) == width else None), pending


def csv_records(
    fh: TextIO, path: str, names: Callable[[list[str]], list[str]]
) -> Iterator[tuple[int, dict[str, str] | None, list[str]]]:
    """:func:`iter_csv` with each record as a dict keyed by ``names(header)`` (which may check the header)."""
    keys: list[str] = []

    def check(header: list[str]) -> None:
        keys.extend(names(header))

    for number, fields, raw in iter_csv(fh, path, check):
        yield number, (None if fields is None else dict(zip(keys, fields, strict=True))), raw


def _ends_with_newline(path: str) -> bool:
    with open(path, "rb") as raw:
        raw.seek(0, os.SEEK_END)
        if raw.tell() == 0:
            return True
        raw.seek(-1, os.SEEK_END)
        return raw.read(1) in (b"\n", b"\r")


def csv_line(fields: list[str], delimiter: str = ",") -> str:
    """A record's fields back as one CSV line, for the raw text of a reject."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(fields)
    return out.getvalue()


class _Number(float):
    """A JSON number that remembers how the file wrote it (``4.90`` must stay ``4.90`` in a reference)."""

    __slots__ = ("text",)

    text: str


def _parse_float(text: str) -> _Number:
    number = _Number(text)
    number.text = text
    return number


def read_text(path: str | Path, encoding: str) -> str:
    """A whole file as text in ``encoding`` (a UTF-8 byte-order mark is skipped); unreadable → StructuralError."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise StructuralError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8-sig" if is_utf8(encoding) else encoding)
    except UnicodeDecodeError as exc:
        raise StructuralError(f"{path} is not {encoding} text (byte {exc.start})") from exc


def is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")


def read_json(path: str | Path, encoding: str = "UTF-8") -> Any:
    """Read a whole JSON file, keeping each non-integer number's original text (see :func:`number_text`)."""
    text = read_text(path, "UTF-8" if is_utf8(encoding) else encoding)
    try:
        return json.loads(text, parse_float=_parse_float)
    except json.JSONDecodeError as exc:
        raise StructuralError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise StructuralError(f"{path} is nested too deeply to read") from exc


def number_text(value: Any) -> str | None:
    """The text of a number as the file wrote it (``73`` → ``"73"``, ``4.9`` → ``"4.9"``), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, _Number):
        return value.text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*", value):
        return value.strip()
    return None
