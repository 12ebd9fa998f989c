"""One map from errors to HTTP problem details (RFC 7807): JSON always, never an HTML page or a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, json
from marshmallow import validate
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, UnprocessableEntity

from parking_api.errors import (
    Conflict,
    DomainError,
    InvalidBody,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RateLimited,
    TooLarge,
    UnknownBay,
    UnknownSuspension,
    UnknownZone,
)
from parking_api.lograte import Throttle, held_note

log = logging.getLogger(__name__)
_outage_warnings = Throttle(every=5.0)

PROBLEM_JSON = "application/problem+json"


PROBLEMS: dict[str, tuple[str, str]] = {
    "invalid-parameter": ("Invalid parameter", "A query parameter or body field has a value the operation cannot "
                          "take; `invalid_params` names each one (`name`, `reason`, `code`)."),
    "invalid-body": ("Invalid body", "The request body is not what the operation takes (e.g. not a JSON array of "
                     "objects); nothing in it was used."),
    "not-found": ("Not found", "No resource at this path."),
    "unknown-bay": ("Unknown bay", "No live bay with this source and reference (it may have been retired by a "
                    "newer file)."),
    "unknown-zone": ("Unknown zone", "No live zone with this code."),
    "unknown-suspension": ("Unknown suspension", "No suspension with this id."),
    "method-not-allowed": ("Method not allowed", "The path exists but not with this HTTP method; `Allow` lists "
                           "the methods it takes."),
    "unauthorized": ("Unauthorized", "This operation needs an API key, sent as `Authorization: Bearer <key>`; the "
                     "key was missing, unknown or revoked."),
    "forbidden": ("Forbidden", "The API key is valid but its role or its sources do not allow this operation."),
    "conflict": ("Conflict", "The request contradicts the data's current state."),
    "payload-too-large": ("Payload too large", "The body carries more items than one request may (1,000 events)."),
    "request-too-large": ("Request too large", "The request's body or headers are larger than the service accepts."),
    "rate-limited": ("Too many requests", "The key (or client) has used its requests for now; `Retry-After` says "
                     "when to try again, and the `RateLimit-*` headers describe the limit."),
    "database-unavailable": ("Service unavailable", "The database is unavailable; try again shortly "
                             "(`Retry-After`)."),
    "not-ready": ("Not ready", "The service is up but its database is unreachable or not migrated."),
    "internal-error": ("Internal server error", "An unexpected error; it has been logged."),
    "http-error": ("HTTP error", "The request could not be served as sent."),
    "malformed-request": ("Malformed request", "The request is not valid HTTP/1.1 (request line, headers, framing "
                          "or an unsupported transfer coding); nothing in it was used."),
}
"""Every problem ``type`` the service returns (``/problems/<slug>``): its title and what it means, served at that
path so that a client's developer can read it."""

DOMAIN_STATUS: dict[type[DomainError], tuple[int, str]] = {
    InvalidInput: (400, "invalid-parameter"),
    InvalidBody: (400, "invalid-body"),
    UnknownBay: (404, "unknown-bay"),
    UnknownZone: (404, "unknown-zone"),
    UnknownSuspension: (404, "unknown-suspension"),
    NotFound: (404, "not-found"),
    NotAuthenticated: (401, "unauthorized"),
    NotPermitted: (403, "forbidden"),
    Conflict: (409, "conflict"),
    TooLarge: (413, "payload-too-large"),
    RateLimited: (429, "rate-limited"),
}
"""The one place where domain errors become HTTP: status and problem type per class (the most specific class that
matches wins, so subclasses may map on their own or as their base)."""

HTTP_SLUGS = {
    400: "invalid-parameter",
    404: "not-found",
    405: "method-not-allowed",
    413: "request-too-large",
    414: "request-too-large",
    431: "request-too-large",
    429: "rate-limited",
    503: "database-unavailable",
}


def problem(
    status: int,
    slug: str,
    detail: str = "",
    *,
    invalid_params: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    title: str | None = None,
) -> Response:
    """A problem-details response of type ``/problems/<slug>`` (one of :data:`PROBLEMS`)."""
    title = title or PROBLEMS[slug][0]
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail or title}
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


def _field_named(schema: Any, name: str) -> Any:
    fields = getattr(schema, "fields", None) or {}
    for attribute, field in fields.items():
        if (field.data_key or attribute) == name:
            return field
    return None


def _coded(param: dict[str, Any], schema: Any) -> dict[str, Any]:
    """A parameter's entry with a ``code`` for programs (``required``, ``unknown_parameter``, ``out_of_range`` with
    ``min``/``max``, ``not_allowed`` with ``allowed``, ``invalid_value``), read off the field that refused it."""
    reason = param["reason"]
    field = _field_named(schema, param["name"].split(".")[0].split("[")[0])
    if field is None:
        code = "unknown_parameter" if "unknown parameter" in reason else "invalid_value"
        return {**param, "code": code}
    if "Missing data for required field" in reason:
        return {**param, "code": "required"}
    validators = getattr(field, "validators", None) or []
    inner = getattr(field, "inner", None)  # a list parameter: its items' validators too
    validators = [*validators, *(getattr(inner, "validators", None) or [])]
    for validator in validators:
        if isinstance(validator, validate.Range) and reason.startswith("Must be"):
            bounds = {k: v for k, v in (("min", validator.min), ("max", validator.max)) if v is not None}
            return {**param, "code": "out_of_range", **bounds}
        if isinstance(validator, validate.OneOf) and reason.startswith("Must be one of"):
            return {**param, "code": "not_allowed", "allowed": list(validator.choices)}
    return {**param, "code": "invalid_value"}


def _domain_handler(status: int, slug: str) -> Callable[[DomainError], Response]:
    def handle(error: DomainError) -> Response:
        params = None
        if isinstance(error, InvalidInput):
            params = [{"name": error.name, "reason": error.reason, "code": error.code}]
        headers: dict[str, str] = {}
        if isinstance(error, NotAuthenticated):
            headers["WWW-Authenticate"] = 'Bearer realm="parking"'
        if isinstance(error, RateLimited):
            headers.update(rate_limit_headers(error.limit, error.remaining, error.reset))
            headers["Retry-After"] = str(error.retry_after)
        return problem(status, slug, error.detail, invalid_params=params, headers=headers)

    return handle


def rate_limit_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    """The ``RateLimit-*`` headers (IETF draft): the burst, what is left of it, seconds until it is full again."""
    return {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(remaining), "RateLimit-Reset": str(reset)}


def register(app: Flask) -> None:
    for error_class, (status, slug) in DOMAIN_STATUS.items():
        app.register_error_handler(error_class, _domain_handler(status, slug))

    @app.errorhandler(UnprocessableEntity)
    def _validation(error: UnprocessableEntity) -> Response:
        # webargs raises 422 with the schema's messages; a bad parameter is a 400 for our clients.
        data = getattr(error, "data", None) or {}
        params = [_coded(p, data.get("schema")) for p in _flatten(data.get("messages", {}))]
        detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params) or "Invalid request"
        return problem(400, "invalid-parameter", detail, invalid_params=params)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        code = error.code or 500
        return problem(
            code,
            HTTP_SLUGS.get(code, "http-error"),
            error.description or "",
            headers=error.get_headers() if code == 405 else None,
            title=error.name,
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def _database_down(error: Exception) -> Response:
        cause = getattr(error, "orig", None) or error
        held = _outage_warnings.allow("database")  # one line per few seconds, however many requests fail
        if held is not None:
            log.warning("database unavailable: %s%s", cause.__class__.__name__, held_note(held))
        return problem(
            503, "database-unavailable", "The database is unavailable; try again shortly.", headers={"Retry-After": "5"}
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "internal-error", "An unexpected error occurred; it has been logged.")
