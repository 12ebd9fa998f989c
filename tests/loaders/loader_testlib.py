"""Helpers for the loader tests (imported by them and by conftest.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, pool, text

from loaders.runner import bundled_path
from parking_api.store.db import sqlalchemy_url

HERE = Path(__file__).parent
BAYS_2020 = bundled_path("camden/camden_parking_bays_7hiv-3r9k_2020-02.json")
CPZ = bundled_path("camden/camden_cpz.geojson")
CSV_2023 = HERE / "data" / "camden_parking_bays_csv_sample_2023.csv"


class Db:
    """Plain SQL against a test database, each call in its own short transaction."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def execute(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql), params)

    def snapshot(self) -> dict[str, Any]:
        """Everything a load may change except the run history, to prove a failed load changed nothing."""
        return {
            "places": self.rows(
                "SELECT id, ref, regulation_id, restriction_type, ST_AsEWKT(geom) AS geom, retired_at, updated_at,"
                " last_run_id FROM places ORDER BY id"
            ),
            "zones": self.rows(
                "SELECT id, ref, ST_AsEWKT(geom) AS geom, retired_at, updated_at FROM zones ORDER BY id"
            ),
            "regulations": self.rows("SELECT id, fingerprint FROM regulations ORDER BY id"),
            "sources": self.rows("SELECT * FROM sources ORDER BY id"),
            "suspensions": self.rows("SELECT * FROM suspensions ORDER BY id"),
        }

    def dispose(self) -> None:
        self.engine.dispose()


def bays_2020() -> list[dict[str, Any]]:
    return json.loads(BAYS_2020.read_text(encoding="utf-8"))


def csv_rows(path: Path = CSV_2023) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
