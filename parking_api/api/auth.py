"""API keys at the HTTP level: ``Authorization: Bearer <key>`` checked for a role, its limit's headers set.

The check (and the request it takes from the key's bucket) is committed at once, so that a limit counts every
request, including those that then fail. Driver endpoints never call this: they stay public.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from parking_api.api import current_settings, limits
from parking_api.api.errors import rate_limit_headers
from parking_api.services import keys
from parking_api.services.keys import Caller
from parking_api.store.db import get_session

SECURITY_SCHEME = {"type": "http", "scheme": "bearer", "description": "An API key from `parking keys create`."}


def bearer_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require(*roles: str) -> Callable:
    """Decorate a view so that it runs only for a key with one of ``roles``; the view finds it in ``g.caller``."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            session = get_session()
            try:
                g.caller = keys.authenticate(
                    session, bearer_key(), roles, enforce_limit=limits.enforced(current_settings())
                )
            finally:
                session.commit()
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]  # per-address limits skip keyed views
        return wrapper

    return decorate


def caller() -> Caller:
    return g.caller


def add_limit_headers(response: Any) -> Any:
    """After a keyed request: the ``RateLimit-*`` headers of its key."""
    found: Caller | None = g.get("caller")
    if found is not None:
        for name, value in rate_limit_headers(found.limit, found.remaining, found.reset).items():
            response.headers.setdefault(name, value)
    return response
