"""The HTTP layer: blueprints that validate input, call the services and shape responses."""

from __future__ import annotations

from flask import current_app

from parking_api.settings import Settings

SETTINGS_KEY = "parking_settings"


def current_settings() -> Settings:
    """The settings the app was created with (see ``parking_api.app.create_app``)."""
    return current_app.extensions[SETTINGS_KEY]
