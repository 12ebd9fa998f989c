"""The answer benchmark's reference: a bare Flask endpoint, honest and tiny, on its own.

``GET /nearest?lat&lon`` runs one indexed KNN query for the 5 nearest live bays within 300 m (the partial GiST index
``places_geog_live``) through a psycopg2 connection pool — no ORM, no schema, no engine — and returns their refs and
distances as JSON. It is served by ``bench/run_all.sh`` under the same gunicorn command line as ``parking serve``
(worker class, threads, keep-alive), only the WSGI app differs.

    DATABASE_URL=... gunicorn bench.bench_ref_app:app
"""

from __future__ import annotations

import os
import threading

from flask import Flask, jsonify, request
from psycopg2.pool import ThreadedConnectionPool

SQL = """
SELECT p.ref, p.geom::geography <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS distance_m
  FROM places p
 WHERE p.retired_at IS NULL
   AND ST_DWithin(p.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, 300)
 ORDER BY p.geom::geography <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography
 LIMIT 5
"""

app = Flask(__name__)
_pool: ThreadedConnectionPool | None = None
_lock = threading.Lock()


def pool() -> ThreadedConnectionPool:
    """One pool per worker process, opened on first use (after gunicorn's fork)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadedConnectionPool(1, 16, os.environ["DATABASE_URL"])
        return _pool


@app.get("/nearest")
def nearest():
    try:
        lat, lon = float(request.args["lat"]), float(request.args["lon"])
    except (KeyError, ValueError):
        return jsonify({"error": "lat and lon are required"}), 400
    conns = pool()
    conn = conns.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute(SQL, {"lat": lat, "lon": lon})
            rows = cur.fetchall()
        conn.rollback()
    finally:
        conns.putconn(conn)
    return jsonify({"nearest": [{"ref": ref, "distance_m": float(d)} for ref, d in rows]})


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})
