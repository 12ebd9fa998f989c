"""API keys in the database: created, listed, revoked, and checked with their token bucket in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class KeyCheck:
    """What one request's key check found: the key (``None``: unknown), whether the request may go ahead under
    the key's limit, and the bucket after it."""

    id: str
    name: str
    role: str
    sources: tuple[str, ...] | None
    revoked: bool
    granted: bool
    tokens: float
    burst: int
    rate_per_second: float


def insert(
    session: Session,
    *,
    key_id: str,
    key_hash: str,
    name: str,
    role: str,
    sources: list[str] | None,
    rate: float,
    burst: int,
) -> None:
    session.execute(
        text(
            "INSERT INTO api_keys (id, key_hash, name, role, sources, rate_per_second, burst, tokens)"
            " VALUES (:id, :hash, :name, :role, :sources, :rate, :burst, :burst)"
        ),
        {"id": key_id, "hash": key_hash, "name": name, "role": role, "sources": sources, "rate": rate, "burst": burst},
    )


def listing(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        text(
            "SELECT id, name, role, sources, rate_per_second, burst, created_at, last_used_at, revoked_at"
            " FROM api_keys ORDER BY created_at, id"
        )
    ).mappings()
    return [dict(r) for r in rows]


def revoke(session: Session, key_id: str) -> datetime | None:
    """Revoke a key (idempotent); ``None`` when there is no such key."""
    return session.execute(
        text("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = :id RETURNING revoked_at"),
        {"id": key_id},
    ).scalar_one_or_none()


CHECK_SQL = text(
    """
WITH k AS (
    SELECT id, name, role, sources, revoked_at, burst, rate_per_second,
           least(burst, tokens + extract(epoch FROM clock_timestamp() - tokens_at) * rate_per_second) AS available
      FROM api_keys
     WHERE key_hash = :hash
       FOR UPDATE
),
spent AS (
    UPDATE api_keys a
       SET tokens = k.available - 1, tokens_at = clock_timestamp(), last_used_at = clock_timestamp()
      FROM k
     WHERE a.id = k.id AND k.revoked_at IS NULL AND k.available >= 1
 RETURNING a.tokens
)
SELECT k.id, k.name, k.role, k.sources, k.revoked_at IS NOT NULL AS revoked,
       EXISTS (SELECT 1 FROM spent) AS granted,
       coalesce((SELECT tokens FROM spent), k.available) AS tokens, k.burst, k.rate_per_second
  FROM k
"""
)


def check(session: Session, key_hash: str) -> KeyCheck | None:
    """Find the key by its hash and take one request from its bucket (row-locked: exact across workers)."""
    row = session.execute(CHECK_SQL, {"hash": key_hash}).mappings().first()
    if row is None:
        return None
    return KeyCheck(
        id=row["id"],
        name=row["name"],
        role=row["role"],
        sources=tuple(row["sources"]) if row["sources"] is not None else None,
        revoked=row["revoked"],
        granted=row["granted"],
        tokens=float(row["tokens"]),
        burst=int(row["burst"]),
        rate_per_second=float(row["rate_per_second"]),
    )
