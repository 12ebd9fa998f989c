"""API keys: stored hashed, checked for role and sources, each with its own limit kept exact across workers."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from sqlalchemy.orm import Session

from parking_api.app import create_app
from parking_api.services import keys

from .conftest import event


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer pk_nope_nope"}, {"Authorization": "Basic abc"}])
def test_a_missing_or_unknown_key_is_a_401_with_the_bearer_challenge(api, headers):
    for method, path in (("post", "/v1/events"), ("get", "/v1/events"), ("get", "/v1/suspensions")):
        response = getattr(api, method)(path, headers=headers, json=[] if method == "post" else None)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["type"] == "/problems/unauthorized"


def test_a_revoked_key_is_refused_at_once(api, make_key, engine):
    key = make_key("sensor")
    assert api.post("/v1/events", json=[], headers=bearer(key)).status_code == 200
    key_id = key.split("_")[1]
    with Session(engine) as session, session.begin():
        assert keys.revoke(session, key_id)
    assert api.post("/v1/events", json=[], headers=bearer(key)).status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("council", "post", "/v1/events"),
        ("app", "get", "/v1/events"),
        ("sensor", "get", "/v1/events"),
        ("sensor", "post", "/v1/suspensions"),
        ("app", "get", "/v1/suspensions"),
    ],
)
def test_the_wrong_role_is_a_403(api, make_key, role, method, path):
    response = getattr(api, method)(path, headers=bearer(make_key(role)), json=[] if method == "post" else None)
    assert response.status_code == 403
    assert response.get_json()["type"] == "/problems/forbidden"


def test_driver_endpoints_stay_public(api):
    assert api.get("/v1/bays", query_string={"lat": 51.5405, "lon": -0.1430}).status_code == 200
    assert api.get("/v1/can-i-park", query_string={"lat": 51.5405, "lon": -0.1430}).status_code == 200


def test_a_key_limited_to_other_sources_has_its_events_rejected(api, make_key, bay_refs):
    key = make_key("sensor", sources=["islington"])
    body = api.post("/v1/events", json=[event(next(bay_refs))], headers=bearer(key)).get_json()
    assert body["counts"] == {"accepted": 0, "duplicate": 0, "rejected": 1}
    assert "islington" not in body["results"][0]["reason"] and "camden" in body["results"][0]["reason"]


def test_a_council_key_of_another_source_may_not_read_this_one(api, make_key):
    key = make_key("council", sources=["islington"])
    response = api.get("/v1/events", query_string={"source": "camden"}, headers=bearer(key))
    assert response.status_code == 403
    # without a source it reads only its own sources: none of Camden's events
    own = api.get("/v1/events", headers=bearer(key)).get_json()
    assert own["data"]["events"] == []


def test_only_a_hash_of_the_key_is_stored(engine, sql):
    with Session(engine) as session, session.begin():
        new = keys.create(session, role="app", name="hash check")
    rows = sql("SELECT * FROM api_keys WHERE id = :i", i=new.id)
    assert len(rows) == 1
    stored = " ".join(str(v) for v in rows[0])
    secret = new.key.rsplit("_", 1)[1]
    assert new.key not in stored and secret not in stored
    assert hashlib.sha256(new.key.encode()).hexdigest() in stored


def test_the_limit_is_enforced_with_its_headers(api, make_key):
    key = make_key("sensor", rate=0.01, burst=3)
    seen = [api.post("/v1/events", json=[], headers=bearer(key)) for _ in range(4)]
    assert [r.status_code for r in seen] == [200, 200, 200, 429]
    assert [r.headers["RateLimit-Remaining"] for r in seen[:3]] == ["2", "1", "0"]
    assert all(r.headers["RateLimit-Limit"] == "3" for r in seen)
    limited = seen[3]
    assert limited.get_json()["type"] == "/problems/rate-limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["RateLimit-Remaining"] == "0"


def test_the_limit_is_shared_by_every_worker(settings, make_key):
    """Two apps with their own engines and pools (as two gunicorn workers have) draw on one bucket."""
    key = make_key("sensor", rate=0.01, burst=4)
    first, second = create_app(settings, testing=True), create_app(settings, testing=True)
    try:
        codes = []
        for app in (first, second, first, second, first):
            codes.append(app.test_client().post("/v1/events", json=[], headers=bearer(key)).status_code)
        assert codes == [200, 200, 200, 200, 429]
    finally:
        for app in (first, second):
            engine = app.extensions.get("parking_engine")
            if engine is not None:
                engine.dispose()


def test_keys_cli_create_list_revoke(loaded_db_url):
    env = {"DATABASE_URL": loaded_db_url, "PATH": "/usr/bin:/bin"}

    def parking(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "parking_api.cli", *args], env=env, capture_output=True, text=True, timeout=60
        )

    created = parking("keys", "create", "--role", "sensor", "--name", "Acme sensors", "--sources", "camden", "--json")
    assert created.returncode == 0, created.stderr
    new = json.loads(created.stdout)
    assert new["role"] == "sensor" and new["sources"] == ["camden"] and new["key"].startswith(f"pk_{new['id']}_")
    listed = parking("keys", "list", "--json")
    rows = {row["id"]: row for row in json.loads(listed.stdout)}
    assert rows[new["id"]]["name"] == "Acme sensors" and rows[new["id"]]["revoked_at"] is None
    assert new["key"] not in listed.stdout
    assert parking("keys", "revoke", new["id"]).returncode == 0
    rows = {row["id"]: row for row in json.loads(parking("keys", "list", "--json").stdout)}
    assert rows[new["id"]]["revoked_at"] is not None
    missing = parking("keys", "revoke", "nosuchkey")
    assert missing.returncode == 1 and "no key" in missing.stderr
    bad = parking("keys", "create", "--role", "admin", "--name", "x")
    assert bad.returncode == 2


def test_the_openapi_document_declares_the_bearer_scheme(api):
    spec = api.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    post = spec["paths"]["/v1/events"]["post"]
    assert post["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "429"} <= set(post["responses"])
    assert "security" not in spec["paths"]["/v1/can-i-park"]["get"]
