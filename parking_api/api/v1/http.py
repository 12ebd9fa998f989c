"""What every v1 endpoint shares at the HTTP level: JSON responses, ETag / If-None-Match, Cache-Control, the
problem-details documentation, the per-app regulation cache, and the service context and driver of a request."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from flask import Flask, Response, current_app, request
from flask_smorest import Api, Blueprint

from parking_api.api import current_settings, jsonio
from parking_api.api.v1 import language
from parking_api.api.v1 import spec as openapi
from parking_api.engine.model import Activity, Badge, Driver, Fuel, Vehicle, normalise_permit
from parking_api.errors import InvalidInput
from parking_api.services import context as service_context
from parking_api.services.context import Context
from parking_api.services.regulations import RegulationCache
from parking_api.services.sources import CoverageCache
from parking_api.store.db import get_session

MAX_AGE = 900
"""Seconds an answer may be cached at most (never past its next change, nor its live counts' refresh, ≤ 15 s): an
answer for an explicit ``at`` or one holding for hours changes only with the data (a load, a suspension posted),
which a client picks up within 15 minutes; ``If-None-Match`` revalidates it cheaply."""
IMMINENT = 2  # seconds; a change closer than this makes the answer uncacheable (no-store)
STATIC_MAX_AGE = 60

PROBLEM_RESPONSE = "PROBLEM"
GEOJSON = "application/geo+json"
_CACHE_KEY = "v1_regulation_cache"
_COVERAGE_KEY = "v1_coverage_cache"


class Fresh(Protocol):
    """What a driver answer says about its own freshness: ``changes`` are the instants at which some part of it
    stops being true; ``live`` says whether it answers for "now" (otherwise it only changes with the data)."""

    @property
    def changes(self) -> list[datetime]: ...

    @property
    def live(self) -> bool: ...


Answered = TypeVar("Answered", bound=Fresh)


def register_spec(api: Api) -> None:
    """Document our problem details (RFC 7807) once per app, and make v1 operations refer to them."""
    from parking_api.api.auth import SECURITY_SCHEME
    from parking_api.api.v1.schemas import ProblemSchema

    spec = api.spec
    openapi.prepare(api)
    if "bearerAuth" not in spec.components.security_schemes:
        spec.components.security_scheme("bearerAuth", SECURITY_SCHEME)
    if "Problem" not in spec.components.schemas:
        spec.components.schema("Problem", schema=ProblemSchema)
    if PROBLEM_RESPONSE not in spec.components.responses:
        spec.components.response(
            PROBLEM_RESPONSE,
            {
                "description": "Problem details (RFC 7807); `invalid_params` names each bad parameter.",
                "content": {"application/problem+json": {"schema": "Problem"}},
            },
        )


def _problem_doc_callback(not_found: set[str], *, keyed: bool = False):
    def callback(doc: dict[str, Any], doc_info: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        responses = doc.setdefault("responses", {})
        if keyed:
            for status in ("401", "403", "429"):
                responses[status] = PROBLEM_RESPONSE
        responses.pop(422, None)
        responses.pop("422", None)
        responses["400"] = PROBLEM_RESPONSE
        responses["default"] = PROBLEM_RESPONSE
        responses["304"] = {"description": "Not modified (the `If-None-Match` ETag still holds)."}
        if doc_info.get("docstring", {}).get("summary", "") in not_found or not_found == {"*"}:
            responses["404"] = PROBLEM_RESPONSE
        return doc

    return callback


def make_blueprint(
    name: str, import_name: str, *, description: str, not_found: bool = False, keyed: bool = False
) -> Blueprint:
    """A v1 blueprint with problem-details docs (``keyed``: its operations need an API key) and the caching
    after-request hook."""
    blp = openapi.Blueprint(name, import_name, url_prefix="/v1", description=description)
    blp._prepare_doc_cbks.append(_problem_doc_callback({"*"} if not_found else set(), keyed=keyed))
    blp.before_request(_plain_query)
    blp.after_request(_conditional)
    blp.after_request(language.localised)  # runs before _conditional: the ETag names the language
    return blp


LIST_PARAMETERS = frozenset({"permit", "properties"})
"""The query parameters that may be repeated; any other given twice is refused rather than silently taking one."""


def _plain_query() -> None:
    """Refuse what a parser would quietly misread: a repeated single-valued parameter (``lat=…&lat=10``) and digits
    from other scripts (``٥١.5``, ``１``), which Python's ``float`` would accept."""
    for name in request.args:
        values = request.args.getlist(name)
        if len(values) > 1 and name not in LIST_PARAMETERS:
            raise InvalidInput(name, "is given more than once; give it once", code="repeated")
        for value in values:
            if any(ch.isdigit() and not ch.isascii() for ch in value):
                raise InvalidInput(name, "digits must be ASCII 0-9", code="invalid_value")


def regulation_cache(app: Flask | None = None) -> RegulationCache:
    app = app or current_app
    cache = app.extensions.get(_CACHE_KEY)
    if cache is None:
        cache = app.extensions.setdefault(_CACHE_KEY, RegulationCache())
    return cache


def coverage_cache(app: Flask | None = None) -> CoverageCache:
    """The process's cache of each source's coverage (recomputed by the database after a load)."""
    app = app or current_app
    return app.extensions.setdefault(_COVERAGE_KEY, CoverageCache())


def request_context() -> Context:
    """The request's context for a service: session, regulation cache, settings and one "now" (which the caching
    headers share)."""
    return Context(get_session(), regulation_cache(), current_settings(), now=service_context.utcnow())


def driver(args: dict[str, Any]) -> Driver:
    """The driver the query parameters describe (validated by :class:`.schemas.DriverArgs`)."""
    return Driver(
        permits=frozenset(normalise_permit(p) for p in args.get("permit") or () if p.strip()),
        badge=Badge(args["badge"]) if args.get("badge") else None,
        vehicle=Vehicle(args.get("vehicle") or "car"),
        fuel=Fuel(args["fuel"]) if args.get("fuel") else None,
        activity=Activity(args.get("activity") or "park"),
    )


def driver_answer(
    ask: Callable[..., Answered],
    present: Callable[[Answered], dict[str, Any]],
    args: dict[str, Any],
    *,
    personal: bool = True,
    **params: Any,
) -> Response:
    """Ask a driver question of :mod:`parking_api.services` the way every such endpoint does (the request's
    context, the driver from ``args``), present the answer and keep it cached no longer than it stays true."""
    context = request_context()
    result = ask(context, driver=driver(args), **params)
    language.negotiate()  # the words of a driver answer are said in the request's language
    body = present(result)
    if "valid_until" in body:
        body["valid_until"] = _valid_until(result.changes, context.now, body.get("at"))
    response = json_response(body, now=context.now, changes=result.changes, live=result.live, personal=personal)
    if params.get("at") is None and "at" in body:
        # Polling "now": the body echoes `at` to the second, so a strong tag would change every request. A weak tag
        # over the answer without `at` lets a client get 304 for as long as the answer itself holds.
        unchanging = {k: v for k, v in body.items() if k != "at"}
        response.set_etag(jsonio.digest(unchanging, current_app), weak=True)
    return response


def _valid_until(changes: Iterable[datetime], now: datetime, at: str | None) -> str | None:
    """The first instant after ``at`` (the answer's own instant) at which some part of the answer stops being true:
    its next change, or its live counts going stale; ISO 8601 in the offset of ``at``."""
    start = datetime.fromisoformat(at) if at else now
    ahead = sorted(t for t in changes if t is not None and t > start)
    return ahead[0].astimezone(start.tzinfo).isoformat(timespec="seconds") if ahead else None


def ttl_seconds(changes: Iterable[datetime], *, live: bool, now: datetime) -> int:
    """How long the body stays true: up to :data:`MAX_AGE`, never past the next change of a live answer (nor the
    refresh of its live counts, which is among ``changes``)."""
    if not live:
        return MAX_AGE
    ahead = [(t - now).total_seconds() for t in changes if t is not None]
    ahead = [s for s in ahead if s > 0]
    return int(min([MAX_AGE, *ahead]))


def json_response(
    body: dict[str, Any],
    *,
    now: datetime,
    changes: Iterable[datetime] = (),
    live: bool = False,
    personal: bool = True,
) -> Response:
    """``body`` with a ``Cache-Control`` that never outlives it: ``changes`` are the instants at which some part of
    it stops being true; ``live`` says whether it answers for "now" (otherwise it only changes with the data).
    GeoJSON bodies (a Feature or FeatureCollection) are served as ``application/geo+json``."""
    response = current_app.json.response(body)
    if body.get("type") in ("Feature", "FeatureCollection"):
        response.mimetype = GEOJSON
    ttl = ttl_seconds(changes, live=live, now=now)
    if ttl < IMMINENT:
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers["Cache-Control"] = f"{'private' if personal else 'public'}, max-age={ttl}"
    return response


def _conditional(response: Response) -> Response:
    """Strong ETag from the body (unless the view set a weak one); ``If-None-Match`` answered with 304 (headers
    kept, no body)."""
    if request.method not in ("GET", "HEAD"):
        return response
    if response.status_code != 200 or response.direct_passthrough or not response.is_json:
        return response
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}"
    if "ETag" not in response.headers:
        response.add_etag()
    return response.make_conditional(request)
