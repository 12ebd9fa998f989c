"""API keys: who may post events and read the council's data, and how often.

A key is ``pk_<id>_<secret>``: the id names it in lists and logs, the 256-bit secret makes it unguessable. Only the
SHA-256 of the whole key is stored (a slow password hash buys nothing against a random 256-bit secret), so a
leaked database does not leak keys. Each key carries a token bucket: ``rate`` requests per second sustained, with
bursts up to ``burst``.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from parking_api.errors import NotAuthenticated, NotPermitted, RateLimited
from parking_api.store import keys as store

ROLES = ("council", "sensor", "app")
DEFAULT_RATE = 20.0
DEFAULT_BURST = 200


@dataclass(frozen=True)
class NewKey:
    id: str
    key: str
    name: str
    role: str
    sources: tuple[str, ...] | None


@dataclass(frozen=True)
class Caller:
    """The key a request came with, after its check: role, sources (``None``: all) and what is left of its limit."""

    id: str
    role: str
    sources: tuple[str, ...] | None
    limit: int
    remaining: int
    reset: int

    def may_use(self, source: str) -> bool:
        return self.sources is None or source in self.sources


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(
    session: Session,
    *,
    role: str,
    name: str,
    sources: list[str] | None = None,
    rate: float = DEFAULT_RATE,
    burst: int = DEFAULT_BURST,
) -> NewKey:
    """A new key; the returned ``key`` is the only time the secret exists outside the client."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise ValueError("name must not be empty")
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be above 0 and burst at least 1")
    key_id = secrets.token_hex(6)
    key = f"pk_{key_id}_{secrets.token_urlsafe(32)}"
    cleaned = sorted({s.strip() for s in sources if s.strip()}) if sources else None
    store.insert(
        session,
        key_id=key_id,
        key_hash=hash_key(key),
        name=name.strip(),
        role=role,
        sources=cleaned,
        rate=rate,
        burst=burst,
    )
    return NewKey(key_id, key, name.strip(), role, tuple(cleaned) if cleaned else None)


def listing(session: Session) -> list[dict[str, Any]]:
    return store.listing(session)


def revoke(session: Session, key_id: str) -> bool:
    return store.revoke(session, key_id) is not None


def authenticate(session: Session, key: str | None, roles: tuple[str, ...], *, enforce_limit: bool = True) -> Caller:
    """The caller behind ``key`` if it may use an operation open to ``roles``; one request taken from its limit
    (which ``enforce_limit=False``, for benchmarks, counts but never refuses).

    Raises :class:`NotAuthenticated` (no key, unknown or revoked), :class:`NotPermitted` (wrong role) or
    :class:`RateLimited`."""
    if not key:
        raise NotAuthenticated("This operation needs an API key: send `Authorization: Bearer <key>`.")
    found = store.check(session, hash_key(key))
    if found is None or found.revoked:
        raise NotAuthenticated("The API key is unknown or has been revoked.")
    if found.role not in roles:
        raise NotPermitted(f"A {found.role!r} key may not use this operation (it is for: {', '.join(roles)}).")
    remaining = max(0, math.floor(found.tokens))
    reset = math.ceil(max(0.0, found.burst - found.tokens) / found.rate_per_second)
    if not found.granted and enforce_limit:
        retry_after = max(1, math.ceil((1 - found.tokens) / found.rate_per_second))
        raise RateLimited(
            f"This key may make {found.rate_per_second:g} requests per second (bursts of {found.burst}); "
            f"retry in {retry_after} s.",
            limit=found.burst,
            remaining=0,
            reset=retry_after,
            retry_after=retry_after,
        )
    return Caller(found.id, found.role, found.sources, found.burst, remaining, reset)
