"""Serve the Swagger UI assets from the installed package, so /docs renders without network access."""

from __future__ import annotations

from flask import Blueprint, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

ASSETS_URL = "/docs/assets/"

blueprint = Blueprint("docs_assets", __name__)


@blueprint.get(f"{ASSETS_URL}<path:filename>")
def asset(filename: str) -> Response:
    response = send_from_directory(swagger_ui_path, filename, max_age=86400)
    return response
