"""Regulations are content-addressed: each distinct rule set is inserted once (by fingerprint) and shared by every
place and zone that carries the same signs."""

from __future__ import annotations

import json
from collections.abc import Iterable

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from parking_api.engine.model import Regulation, regulation_to_json


def regulation_ids(cur: Cursor, regulations: Iterable[Regulation]) -> dict[int, int]:
    """Insert each distinct regulation once (by fingerprint) and map ``id(regulation)`` → regulations.id."""
    by_object: dict[int, str] = {}
    by_fp: dict[str, Regulation] = {}
    for reg in regulations:
        key = id(reg)
        if key in by_object:
            continue
        fp = reg.fingerprint()
        by_object[key] = fp
        by_fp.setdefault(fp, reg)
    if not by_fp:
        return {}
    execute_values(
        cur,
        "INSERT INTO regulations (fingerprint, category, description, definition) VALUES %s"
        " ON CONFLICT (fingerprint) DO NOTHING",
        [
            (fp, reg.category[:64], reg.description, json.dumps(regulation_to_json(reg), sort_keys=True))
            for fp, reg in sorted(by_fp.items())  # one order for every load: no deadlock between two loads
        ],
        page_size=500,
    )
    cur.execute("SELECT fingerprint, id FROM regulations WHERE fingerprint = ANY(%s)", (list(by_fp),))
    ids = dict(cur.fetchall())
    return {key: ids[fp] for key, fp in by_object.items()}
