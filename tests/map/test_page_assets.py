"""The map page's files: MapLibre GL JS vendored exactly as the lock pins it, and a page that names only this
service (no CDN, no outside URL) unless a base map is configured."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from parking_api.app import create_app
from parking_api.settings import Settings

WEB = Path(__file__).resolve().parents[2] / "parking_api" / "web"
VENDOR = WEB / "static" / "vendor"


def test_vendored_files_are_the_ones_recorded():
    lines = (VENDOR / "SHA256SUMS").read_text().splitlines()
    recorded = dict(reversed(line.split("  ", 1)) for line in lines)
    assert set(recorded) == {"maplibre-gl/maplibre-gl.js", "maplibre-gl/maplibre-gl.css", "maplibre-gl/LICENSE.txt"}
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_vendored_version_is_the_locked_one():
    lock = json.loads((WEB / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/maplibre-gl"]
    assert locked["integrity"].startswith("sha512-")
    assert json.loads((WEB / "package.json").read_text())["dependencies"]["maplibre-gl"] == locked["version"]
    banner = (VENDOR / "maplibre-gl" / "maplibre-gl.js").read_text(encoding="utf-8")[:300]
    assert re.search(r"/v(\d+\.\d+\.\d+)/LICENSE\.txt", banner).group(1) == locked["version"]
    assert "BSD" in (VENDOR / "maplibre-gl" / "LICENSE.txt").read_text()


@pytest.fixture
def page_client(test_db_url):
    def client(**settings):
        return create_app(Settings(database_url=test_db_url, **settings), testing=True).test_client()

    return client


def test_the_page_names_only_this_service(page_client):
    response = page_client().get("/map")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert re.findall(r"(?:src|href)=\"([^\"]+)\"", html) == [
        "data:,",
        "/map/static/vendor/maplibre-gl/maplibre-gl.css",
        "/map/static/map.css",
        "#",
        "/map/static/vendor/maplibre-gl/maplibre-gl.js",
        "/map/static/map.js",
    ]
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["style_url"] is None
    assert config["timezone"] == "Europe/London"
    response = page_client().get("/map/static/map.js")
    assert not re.search(r"https?://", response.get_data(as_text=True))
    response.close()


def test_a_base_map_is_a_setting(page_client):
    html = page_client(map_style_url="https://tiles.example.org/style.json").get("/map").get_data(as_text=True)
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["style_url"] == "https://tiles.example.org/style.json"


def test_assets_are_served_and_cached(page_client):
    client = page_client()
    script = client.get("/map/static/vendor/maplibre-gl/maplibre-gl.js")
    assert script.status_code == 200
    assert script.mimetype in ("text/javascript", "application/javascript")
    assert "max-age=86400" in script.headers["Cache-Control"]
    script.close()  # a file response: closed, as a server closes it
    licence = client.get("/map/static/vendor/maplibre-gl/LICENSE.txt")
    assert licence.status_code == 200
    licence.close()
    missing = client.get("/map/static/nothing.js")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
