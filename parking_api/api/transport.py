"""The HTTP plumbing around the app: the client's address behind a trusted proxy, no CORS for ``Origin: null``,
and gzip for the large text answers (a 2 km page of bays shrinks about ninefold, the docs assets too)."""

from __future__ import annotations

import gzip
import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from parking_api.settings import Settings, SettingsError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

COMPRESSIBLE = frozenset(
    {
        "application/json",
        "application/geo+json",
        "application/problem+json",
        "application/vnd.oai.openapi+json",
        "application/javascript",
        "text/javascript",
        "text/css",
        "text/html",
        "text/csv",
        "text/plain",
        "image/svg+xml",
    }
)
MIN_COMPRESS_BYTES = 1024
"""Smaller bodies are sent as they are: gzip's header and the CPU would cost more than they save."""


def proxy_networks(settings: Settings) -> tuple[Network, ...]:
    """``PARKING_TRUSTED_PROXIES`` as networks; a bad entry is a :class:`SettingsError` naming it."""
    networks = []
    for item in settings.trusted_proxies:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise SettingsError(
                f"PARKING_TRUSTED_PROXIES must list IP addresses or networks (e.g. 172.16.0.0/12), got {item!r}"
            ) from exc
    return tuple(networks)


class TrustedProxies:
    """WSGI middleware: from a trusted proxy, the last ``X-Forwarded-For`` entry (the address the proxy saw) is
    the client's; from anyone else the header is ignored, so a client cannot pick its own address."""

    def __init__(self, app: Callable, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)

    def _trusted(self, address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("HTTP_ORIGIN", "").strip().lower() == "null":
            del environ["HTTP_ORIGIN"]  # sandboxed frames and file:// pages: no CORS grant, nothing echoed
        if self.networks and self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


@lru_cache(maxsize=16)
def _gzipped(body: bytes) -> bytes:
    """Static files, by content: each is compressed once per worker."""
    return gzip.compress(body, compresslevel=6, mtime=0)


def _compress(response: Response) -> Response:
    """gzip a compressible answer when the client accepts it; ``Vary: Accept-Encoding`` either way, and a strong
    ETag becomes weak (the compressed bytes are another representation of the same content)."""
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    if response.status_code != 200 or "Content-Encoding" in response.headers or request.method == "HEAD":
        return response  # a partial (206) or empty answer stays as it is; errors are small
    if "gzip" not in request.accept_encodings or request.accept_encodings["gzip"] <= 0:
        return response
    if response.is_streamed and not response.direct_passthrough:
        return response
    static = response.direct_passthrough
    response.direct_passthrough = False  # a static file (the docs assets): read into memory, compressed once
    body = response.get_data()
    if len(body) < MIN_COMPRESS_BYTES:
        return response
    response.set_data(_gzipped(body) if static else gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    tag, weak = response.get_etag()
    if tag and not weak:
        response.set_etag(tag, weak=True)
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Install the proxy handling (outermost) and the compression (last thing done to a response)."""
    app.wsgi_app = TrustedProxies(app.wsgi_app, proxy_networks(settings))  # type: ignore[method-assign]
    app.after_request(_compress)
