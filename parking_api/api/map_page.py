"""``GET /map``: the map page (MapLibre GL JS, vendored under ``parking_api/web/static/vendor``) and its assets.

Everything the page loads comes from this service: the script and its stylesheet, the tiles, the API. A base map
is drawn only when ``PARKING_MAP_STYLE_URL`` names one; without it the page draws the zones and bays on a plain
background, and it has no text labels on the map (so no glyphs or fonts are needed).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, render_template_string, send_from_directory

from parking_api.api import current_settings
from parking_api.api.v1.args import CAMDEN_LAT, CAMDEN_LON
from parking_api.services.authorities import DEFAULT_TIMEZONE

WEB = Path(__file__).resolve().parents[1] / "web"
STATIC = WEB / "static"
STATIC_URL = "/map/static"
ASSET_MAX_AGE = 86400
START_ZOOM = 14

blueprint = Blueprint("map_page", __name__)


@blueprint.get("/map")
def page() -> Response:
    """The map page, with its settings (base-map style, first view, time zone) written into it."""
    settings = current_settings()
    config = {
        "style_url": settings.map_style_url or None,
        "center": [CAMDEN_LON, CAMDEN_LAT],
        "zoom": START_ZOOM,
        "timezone": DEFAULT_TIMEZONE,
    }
    html = render_template_string((WEB / "map.html").read_text(encoding="utf-8"), config=config, static=STATIC_URL)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.get(f"{STATIC_URL}/<path:filename>")
def asset(filename: str) -> Response:
    """The page's script, stylesheet and vendored MapLibre GL JS (with its licence)."""
    return send_from_directory(STATIC, filename, max_age=ASSET_MAX_AGE)
