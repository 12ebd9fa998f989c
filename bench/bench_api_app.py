"""The benchmark's app: the real API plus a bare, benchmark-only endpoint on the same stack.

``GET /v1/_bench/nearest?lat&lon`` runs only the indexed nearest-bay query (``reads.nearest_only``: ST_DWithin on
geography + KNN ``<->`` on the partial GiST index) through the same Flask app, request-scoped session, connection
pool and JSON response as ``/v1/can-i-park``. It is registered here only, never in the service, and is not in the
OpenAPI document.

    gunicorn bench.bench_api_app:app
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from parking_api.app import create_app
from parking_api.store import reads
from parking_api.store.db import get_session

bare = Blueprint("bench_bare", __name__)


@bare.get("/v1/_bench/nearest")
def nearest():
    try:
        lat, lon = float(request.args["lat"]), float(request.args["lon"])
    except (KeyError, ValueError):
        return current_app.json.response({"error": "lat and lon are required"}), 400
    row = reads.nearest_only(get_session(), lon=lon, lat=lat)
    return jsonify({"nearest": None if row is None else {"ref": row["ref"], "distance_m": float(row["distance_m"])}})


def build():
    app = create_app()
    app.register_blueprint(bare)
    return app


app = build()
