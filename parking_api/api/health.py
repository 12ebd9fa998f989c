"""Liveness and readiness probes for orchestrators and load balancers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from parking_api.api.errors import problem
from parking_api.store.db import get_engine
from parking_api.store.migrate import current_revision, head_revision

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    """The process is up (does not touch the database)."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/readyz")
def readyz() -> Response:
    """The database answers and its schema is at the code's migration head; 503 otherwise."""
    head = head_revision()
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            current = current_revision(conn)
    except SQLAlchemyError as exc:
        detail = f"database unreachable ({exc.__class__.__name__})"
        return problem(503, "not-ready", detail, headers={"Retry-After": "5"})
    if current != head:
        return problem(503, "not-ready", f"database schema is at {current or 'nothing'}, code expects {head}")
    response = jsonify(status="ready", database="ok", schema=current)
    response.headers["Cache-Control"] = "no-store"
    return response
