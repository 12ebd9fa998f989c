"""Documentation served by the service itself: the Swagger UI assets from the installed package (so /docs renders
without network access) and one page per problem type (``/problems/<slug>``, the ``type`` of every error)."""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from parking_api.api.errors import DOMAIN_STATUS, HTTP_SLUGS, PROBLEMS

ASSETS_URL = "/docs/assets/"

blueprint = Blueprint("docs_assets", __name__)


@blueprint.get(f"{ASSETS_URL}<path:filename>")
def asset(filename: str) -> Response:
    response = send_from_directory(swagger_ui_path, filename, max_age=86400)
    return response


def _statuses(slug: str) -> list[int]:
    codes = {status for status, s in DOMAIN_STATUS.values() if s == slug}
    codes |= {code for code, s in HTTP_SLUGS.items() if s == slug}
    return sorted(codes) or [{"not-ready": 503, "internal-error": 500}.get(slug, 400)]


@blueprint.get("/problems/")
@blueprint.get("/problems/<string:slug>")
def problem_page(slug: str | None = None) -> Response:
    """What a problem ``type`` means, for the developer whose client received it."""
    if slug is None:
        items = "".join(
            f'<li><a href="/problems/{s}"><code>{s}</code></a> — {escape(title)}</li>'
            for s, (title, _) in sorted(PROBLEMS.items())
        )
        body = f"<h1>Problem types</h1><ul>{items}</ul>"
        title = "Problem types"
    elif slug in PROBLEMS:
        title, text = PROBLEMS[slug]
        statuses = ", ".join(str(c) for c in _statuses(slug))
        body = (
            f"<h1>{escape(title)}</h1><p><code>type: /problems/{slug}</code> · HTTP {statuses}</p>"
            f"<p>{escape(text)}</p><p>Every error is <code>application/problem+json</code> (RFC 7807): "
            "<code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>, and for bad input "
            '<code>invalid_params</code>. <a href="/problems/">All problem types</a> · <a href="/docs">API docs</a></p>'
        )
    else:
        abort(404)
    page = (
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{escape(title)}</title><body>{body}</body></html>'
    )
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
