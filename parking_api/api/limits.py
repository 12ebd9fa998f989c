"""Per-address rate limits on the public endpoints: a token bucket per client address, in memory.

Each worker process counts on its own (no database round trip on a driver request), so with W workers a client
may get up to W times the burst before every worker has refused it; the sustained rate per worker is what
``PARKING_RATE_LIMIT`` says. Behind the documented proxy the address is the client's (``X-Forwarded-For`` from a
trusted proxy, see :mod:`parking_api.api.transport`). IPv6 clients are counted per /64, the block one subscriber
usually holds. Keyed endpoints are not counted here: their key's own limit, exact across workers, applies
(``parking_api.api.auth``). ``off`` disables both.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request

from parking_api.api.errors import rate_limit_headers
from parking_api.errors import RateLimited
from parking_api.settings import Settings, SettingsError

_LIMITER_KEY = "parking_address_limiter"
UNLIMITED_PATHS = frozenset({"/healthz"})
"""Never counted: the liveness probe, which orchestrators and load balancers poll."""


@dataclass(frozen=True)
class Policy:
    rate: float
    """Requests per second sustained."""
    burst: int
    """Requests a fresh client may make at once."""


def policy(settings: Settings) -> Policy | None:
    """The per-address limit, or ``None`` when ``PARKING_RATE_LIMIT`` is ``off``."""
    raw = settings.rate_limit.strip().lower()
    if raw == "off":
        return None
    rate_text, _, burst_text = raw.partition(",")
    try:
        rate, burst = float(rate_text), int(burst_text)
    except ValueError:
        rate, burst = -1.0, 0
    if not (0 < rate < math.inf and burst >= 1):
        raise SettingsError(
            f"PARKING_RATE_LIMIT must be RATE,BURST (requests per second, requests in a burst; e.g. 10,100) or off, "
            f"got {settings.rate_limit!r}"
        )
    return Policy(rate, burst)


def enforced(settings: Settings) -> bool:
    """Whether any limit applies (``off`` lifts the API keys' limits too)."""
    return settings.rate_limit.strip().lower() != "off"


def check_settings(settings: Settings) -> None:
    """Raise :class:`SettingsError` for a rate limit or proxy setting the app could not start with."""
    from parking_api.api.transport import proxy_networks

    policy(settings)
    proxy_networks(settings)


@dataclass(frozen=True)
class Decision:
    granted: bool
    remaining: int
    reset: int
    """Seconds until the bucket is full again."""
    retry_after: int


class AddressLimiter:
    """Token buckets by client address, shared by the threads of one process."""

    def __init__(self, policy: Policy, max_clients: int = 100_000) -> None:
        self.policy = policy
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> Decision:
        """One request from ``client``'s bucket, if there is one left."""
        rate, burst = self.policy.rate, self.policy.burst
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, when = self._buckets.get(client, (float(burst), now))
            tokens = min(float(burst), tokens + max(0.0, now - when) * rate)
            granted = tokens >= 1.0
            if granted:
                tokens -= 1.0
            if client not in self._buckets and len(self._buckets) >= self.max_clients:
                self._forget_full(now)
            self._buckets[client] = (tokens, now)
        retry_after = 0 if granted else max(1, math.ceil((1.0 - tokens) / rate))
        reset = math.ceil((burst - tokens) / rate)
        return Decision(granted, math.floor(tokens), reset, retry_after)

    def _forget_full(self, now: float) -> None:
        """Drop the clients whose bucket has refilled (they are as good as new); all of them if none has."""
        full_after = self.policy.burst / self.policy.rate
        self._buckets = {c: (t, w) for c, (t, w) in self._buckets.items() if now - w < full_after}
        if len(self._buckets) >= self.max_clients:
            self._buckets.clear()


def client_key(address: str | None) -> str:
    """The bucket of an address: the address itself, or its /64 for IPv6."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _keyed_view() -> bool:
    """Whether this request goes to an operation that takes an API key (``auth.require`` marks those)."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    target = getattr(view_class, request.method.lower(), None) if view_class is not None else view
    return getattr(target, "required_roles", None) is not None


def _limit() -> None:
    limiter: AddressLimiter = current_app.extensions[_LIMITER_KEY]
    if request.path in UNLIMITED_PATHS or _keyed_view():
        return
    decision = limiter.take(client_key(request.remote_addr))
    g.address_limit = decision
    if not decision.granted:
        rate, burst = limiter.policy.rate, limiter.policy.burst
        raise RateLimited(
            f"This address may make {rate:g} requests per second (bursts of {burst}); "
            f"retry in {decision.retry_after} s.",
            limit=burst,
            remaining=0,
            reset=decision.reset,
            retry_after=decision.retry_after,
        )


def _headers(response: Response) -> Response:
    decision: Decision | None = g.get("address_limit")
    if decision is not None and decision.granted:
        limit = current_app.extensions[_LIMITER_KEY].policy.burst
        for name, value in rate_limit_headers(limit, decision.remaining, decision.reset).items():
            response.headers.setdefault(name, value)
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Count the app's public requests per address (nothing when the limit is ``off``)."""
    found = policy(settings)
    if found is None:
        return
    app.extensions[_LIMITER_KEY] = AddressLimiter(found)
    app.before_request(_limit)
    app.after_request(_headers)
