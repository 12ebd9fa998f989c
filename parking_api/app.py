"""The application factory."""

from __future__ import annotations

import logging

from flask import Flask
from flask_cors import CORS
from flask_smorest import Api
from sqlalchemy import Connection

from parking_api.api import SETTINGS_KEY, docs, errors, health, jsonio, limits, map_page, transport
from parking_api.settings import Settings
from parking_api.store import db

API_DESCRIPTION = """\
Kerbside parking rules as an API: *can I park here now, and until when?* for a GPS position, a time and a driver
(permits, blue badge, vehicle), with the reason, the price, the next change and nearby alternatives.

All times are ISO 8601 with the authority's local offset (Europe/London for Camden). Errors are RFC 7807 problem
details. Data: London Borough of Camden, Open Government Licence v3.0.
"""


MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest request body (a batch of 1,000 events is well under it)."""


def create_app(settings: Settings | None = None, *, testing: bool = False, bind: Connection | None = None) -> Flask:
    """Build the app. Without ``settings`` they are read from the environment; tests pass their own (and may
    ``bind`` every session to a connection whose transaction they roll back)."""
    settings = settings if settings is not None else Settings.from_environment()
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Kerbside parking API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=docs.ASSETS_URL,
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},  # never call an outside validator from a public page
        API_SPEC_OPTIONS={"info": {"description": API_DESCRIPTION}},
    )
    app.config["TESTING"] = testing
    app.extensions[SETTINGS_KEY] = settings
    app.json = jsonio.FastJSONProvider(app)
    logging.basicConfig(level=settings.log_level)

    db.init_app(app, settings, bind=bind)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    transport.init_app(app, settings)  # first: its compression is the last thing done to a response
    limits.init_app(app, settings)
    CORS(
        app,
        origins=list(settings.cors_origins),
        methods=["GET", "HEAD", "OPTIONS", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"],
    )
    api = Api(app)
    errors.register(app)  # after Api(): our problem-details handlers replace flask-smorest's
    app.register_blueprint(health.blueprint)
    app.register_blueprint(docs.blueprint)
    app.register_blueprint(map_page.blueprint)
    _register_v1(api)
    app.extensions["smorest_api"] = api
    return app


def _register_v1(api: Api) -> None:
    """The driver API; imported here so that a missing optional part never breaks the probes."""
    from parking_api.api import v1

    v1.register(api)
