"""Suspensions as council officers manage them through the API (``origin = 'api'``); files' own are in
:mod:`parking_api.store.load.suspensions` and are replaced by the next file of their source."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_COLUMNS = """su.id, s.name AS source, p.ref, su.starts_at, su.ends_at, su.reason, su.origin, su.created_at,
              s.timezone"""


def insert(session: Session, *, place_id: int, source_id: int, start: datetime, end: datetime, reason: str) -> int:
    return session.execute(
        text(
            "INSERT INTO suspensions (place_id, source_id, starts_at, ends_at, reason, origin)"
            " VALUES (:place, :source, :start, :end, :reason, 'api') RETURNING id"
        ),
        {"place": place_id, "source": source_id, "start": start, "end": end, "reason": reason},
    ).scalar_one()


def one(session: Session, suspension_id: int) -> dict[str, Any] | None:
    row = (
        session.execute(
            text(
                f"SELECT {_COLUMNS} FROM suspensions su JOIN places p ON p.id = su.place_id"
                " JOIN sources s ON s.id = su.source_id WHERE su.id = :id"
            ),
            {"id": suspension_id},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def active(
    session: Session, *, at: datetime, sources: Sequence[str] | None, source: str | None, ref: str | None
) -> list[dict[str, Any]]:
    """The suspensions in force at ``at`` on live bays (file-loaded and API ones alike), by start."""
    rows = session.execute(
        text(
            f"""SELECT {_COLUMNS}
                  FROM suspensions su
                  JOIN places p ON p.id = su.place_id AND p.retired_at IS NULL
                  JOIN sources s ON s.id = su.source_id
                 WHERE su.starts_at <= :at AND su.ends_at > :at
                   AND (CAST(:sources AS text[]) IS NULL OR s.name = ANY(CAST(:sources AS text[])))
                   AND (CAST(:source AS text) IS NULL OR s.name = :source)
                   AND (CAST(:ref AS text) IS NULL OR p.ref = :ref)
                 ORDER BY su.starts_at, su.id
                 LIMIT 10000"""
        ),
        {"at": at, "sources": list(sources) if sources is not None else None, "source": source, "ref": ref},
    ).mappings()
    return [dict(r) for r in rows]


def delete(session: Session, suspension_id: int) -> None:
    session.execute(text("DELETE FROM suspensions WHERE id = :id"), {"id": suspension_id})
