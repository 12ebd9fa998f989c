"""The fingerprint of a load: a digest of everything its result depends on, so that an identical reload is free.

A council reloads its whole borough nightly, usually an unchanged file. A load's result is a function of the file's
bytes, the kind, the source name, the options that shape the rules (time zone, holiday calendar, inclusive ends,
lenient, the green-badge zones of the settings), the mapping file's bytes, and the code and libraries that read the
file and build the rules. All of them go into the digest; when it equals that of the source's last successful load
of the same table, a reload would write nothing, so the runner records the run without staging it again. Anything
not known to be irrelevant is included: a false "changed" only costs a full load, a false "unchanged" would be wrong.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from .base import LoadOptions

CHUNK = 1 << 20
_ROOT = Path(__file__).resolve().parent.parent
# the code a load's result depends on: the converters, the rules they build, the staging and swap SQL, the schema
_STORE = _ROOT / "parking_api" / "store"
_CODE = (_ROOT / "loaders", _ROOT / "parking_api" / "engine", _STORE / "load", _STORE / "migrations" / "versions")
_CODE_FILES = (_STORE / "records.py",)
_LIBRARIES = ("holidays", "shapely", "psycopg2-binary", "psycopg2")
_code_digest: str | None = None


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (memory stays flat in the file's size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def code_digest() -> str:
    """SHA-256 over the source of the loaders, the engine, the load store and the migrations, and the versions of the
    libraries that read geometry and holidays: a change to any of them may change what a file loads as."""
    global _code_digest
    if _code_digest is None:
        digest = hashlib.sha256()
        files = sorted({p for d in _CODE for p in d.rglob("*") if p.is_file() and p.suffix in (".py", ".json")})
        for path in [*files, *_CODE_FILES]:
            digest.update(str(path.relative_to(_ROOT)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        for name in _LIBRARIES:
            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = "-"
            digest.update(f"{name}={version}\0".encode())
        _code_digest = digest.hexdigest()
    return _code_digest


def load_fingerprint(kind: str, source: str, path: str | Path, options: LoadOptions, database: str) -> str:
    """The digest of one load: ``kind``, ``source``, the file at ``path``, the rule-shaping ``options`` (and the
    mapping file's bytes), the code, and ``database`` (the server's PostGIS/GEOS/PROJ versions, which build and
    repair the geometry). ``options.progress`` is left out: it changes nothing loaded."""
    settings = {
        "kind": kind,
        "source": source,
        "mapping": file_digest(options.mapping) if options.mapping else None,
        "timezone": options.timezone,
        "holidays": options.holidays,
        "inclusive_ends": options.inclusive_ends,
        "lenient": options.lenient,
        "green_badge_zones": sorted(options.green_badge_zones),
        "database": database,
        "code": code_digest(),
        "file": file_digest(path),
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
