"""One map from errors to HTTP problem details (RFC 7807): JSON always, never an HTML page or a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, UnprocessableEntity

from parking_api.errors import DomainError, InvalidInput, NotFound

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


DOMAIN_STATUS: dict[type[DomainError], tuple[int, str]] = {
    InvalidInput: (400, "Invalid parameter"),
    NotFound: (404, "Not found"),
}
"""The one place where domain errors become HTTP: status and title per class (subclasses map as their base)."""


def problem(
    status: int,
    title: str,
    detail: str = "",
    *,
    invalid_params: list[dict[str, str]] | None = None,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    if invalid_params:
        body["invalid_params"] = invalid_params
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in dict(headers or {}).items():
        if name.lower() not in {"content-type", "content-length"}:
            response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def _flatten(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """webargs/marshmallow messages, e.g. {"query": {"lat": ["Must be ..."]}}, as a flat list naming each parameter."""
    out: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in {"query", "json", "form", "headers", "view_args", "files", "path"} and not prefix:
                out.extend(_flatten(value, ""))
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
                out.extend(_flatten(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.append({"name": prefix or "request", "reason": " ".join(messages)})
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            out.extend(_flatten(value, f"{prefix}[{index}]"))
    else:
        out.append({"name": prefix or "request", "reason": str(messages)})
    return out


def _domain_handler(status: int, title: str) -> Callable[[DomainError], Response]:
    def handle(error: DomainError) -> Response:
        params = [{"name": error.name, "reason": error.reason}] if isinstance(error, InvalidInput) else None
        return problem(status, title, error.detail, invalid_params=params)

    return handle


def register(app: Flask) -> None:
    for error_class, (status, title) in DOMAIN_STATUS.items():
        app.register_error_handler(error_class, _domain_handler(status, title))

    @app.errorhandler(UnprocessableEntity)
    def _validation(error: UnprocessableEntity) -> Response:
        # webargs raises 422 with the schema's messages; a bad parameter is a 400 for our clients.
        messages = getattr(error, "data", {}).get("messages", {}) if hasattr(error, "data") else {}
        params = _flatten(messages)
        detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params) or "Invalid request"
        return problem(400, "Invalid parameter", detail, invalid_params=params)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return problem(
            error.code or 500,
            error.name,
            error.description or "",
            headers=error.get_headers() if error.code == 405 else None,
        )

    @app.errorhandler(OperationalError)
    def _database_down(error: DBAPIError) -> Response:
        log.warning("database unavailable: %s", error.orig.__class__.__name__ if error.orig else error)
        return problem(503, "Service unavailable", "The database is unavailable; try again shortly.")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "Internal server error", "An unexpected error occurred; it has been logged.")
