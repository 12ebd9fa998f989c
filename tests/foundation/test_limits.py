"""Per-address rate limits (token buckets in memory), the client's address behind a trusted proxy, CORS and
``Origin: null``, and gzip — through the Flask test client, each app with the limit the test sets."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy.orm import Session

from parking_api.api.limits import AddressLimiter, Policy, client_key
from parking_api.app import create_app
from parking_api.services import keys
from parking_api.settings import Settings, SettingsError

PUBLIC = "/problems/"  # a public page that needs no database


def _app(db_connection, url: str, **settings):
    return create_app(Settings(database_url=url, **settings), testing=True, bind=db_connection)


def test_the_bucket_fills_at_the_rate_up_to_the_burst():
    """10 requests/s with bursts of 100: a fresh client gets 100 at once, then one per tenth of a second."""
    limiter = AddressLimiter(Policy(rate=10, burst=100))
    first = [limiter.take("a", now=1000.0) for _ in range(100)]
    assert all(d.granted for d in first)
    assert first[0].remaining == 99 and first[-1].remaining == 0
    refused = limiter.take("a", now=1000.0)
    assert not refused.granted and refused.retry_after == 1  # a whole token takes 0.1 s, rounded up to 1 s
    assert refused.reset == 10  # 100 tokens at 10/s
    assert limiter.take("a", now=1000.1).granted  # one token back after 0.1 s
    assert not limiter.take("a", now=1000.1).granted
    assert limiter.take("b", now=1000.1).granted  # another client has its own bucket
    assert limiter.take("a", now=1030.0).remaining == 99  # full again (capped at the burst), minus this one


def test_ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7") == "192.0.2.7"


def test_a_client_over_its_burst_gets_a_429_problem_with_the_headers(db_connection, test_db_url):
    client = _app(db_connection, test_db_url, rate_limit="1,5").test_client()
    seen = [client.get(PUBLIC) for _ in range(6)]
    assert [r.status_code for r in seen] == [200] * 5 + [429]
    assert [r.headers["RateLimit-Remaining"] for r in seen[:5]] == ["4", "3", "2", "1", "0"]
    limited = seen[5]
    assert limited.content_type == "application/problem+json"
    assert limited.get_json()["type"] == "/problems/rate-limited"
    assert limited.headers["RateLimit-Limit"] == "5"
    assert limited.headers["RateLimit-Remaining"] == "0"
    assert limited.headers["Retry-After"] == "1"  # one token at 1/s
    assert limited.headers["RateLimit-Reset"] == "5"  # the whole burst back in 5 s
    other = client.get(PUBLIC, environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert other.status_code == 200  # counted per address
    assert client.get("/healthz").status_code == 200  # the liveness probe is never limited


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(db_connection, test_db_url):
    app = _app(db_connection, test_db_url, rate_limit="1,3", trusted_proxies=("10.0.0.0/8",))
    client = app.test_client()

    def via_proxy(forwarded_for: str):
        return client.get(PUBLIC, headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.0.0.2"})

    assert [via_proxy("198.51.100.7").status_code for _ in range(4)] == [200, 200, 200, 429]
    # another client through the same proxy is not throttled; the proxy appends the address it saw, last
    assert via_proxy("203.0.113.9, 198.51.100.8").status_code == 200


def test_an_untrusted_peer_cannot_choose_its_address(db_connection, test_db_url):
    client = _app(db_connection, test_db_url, rate_limit="1,3", trusted_proxies=("10.0.0.0/8",)).test_client()
    codes = [
        client.get(PUBLIC, headers={"X-Forwarded-For": f"198.51.100.{n}"}, environ_base={"REMOTE_ADDR": "192.0.2.5"})
        for n in range(4)
    ]
    assert [r.status_code for r in codes] == [200, 200, 200, 429]


def _sensor_key(db_connection, burst: int) -> str:
    session = Session(bind=db_connection, join_transaction_mode="create_savepoint")
    try:
        new = keys.create(session, role="sensor", name="limit test", rate=0.01, burst=burst)
        session.commit()
    finally:
        session.close()
    return new.key


def test_keyed_requests_count_on_their_key_not_the_address(db_connection, test_db_url):
    client = _app(db_connection, test_db_url, rate_limit="1,2").test_client()
    key = _sensor_key(db_connection, burst=50)
    posted = [client.post("/v1/events", json=[], headers={"Authorization": f"Bearer {key}"}) for _ in range(5)]
    assert [r.status_code for r in posted] == [200] * 5
    assert posted[-1].headers["RateLimit-Limit"] == "50"  # the key's limit, not the address's
    assert [client.get(PUBLIC).status_code for _ in range(3)] == [200, 200, 429]  # the address's burst untouched


def test_off_lifts_every_limit_keys_included(db_connection, test_db_url):
    client = _app(db_connection, test_db_url, rate_limit="off").test_client()
    public = [client.get(PUBLIC) for _ in range(150)]
    assert {r.status_code for r in public} == {200}
    assert "RateLimit-Limit" not in public[-1].headers
    key = _sensor_key(db_connection, burst=1)
    posted = [client.post("/v1/events", json=[], headers={"Authorization": f"Bearer {key}"}) for _ in range(3)]
    assert [r.status_code for r in posted] == [200, 200, 200]


@pytest.mark.parametrize("value", ["fast", "10", "0,5", "5,0", "-1,10", "nan,10", "10,1.5"])
def test_a_bad_rate_limit_setting_is_refused_by_name(test_db_url, value):
    with pytest.raises(SettingsError, match="PARKING_RATE_LIMIT"):
        create_app(Settings(database_url=test_db_url, rate_limit=value))


def test_a_bad_proxy_setting_is_refused_by_name(test_db_url):
    with pytest.raises(SettingsError, match="PARKING_TRUSTED_PROXIES"):
        create_app(Settings(database_url=test_db_url, trusted_proxies=("nginx",)))


@pytest.mark.parametrize(
    ("origins", "granted_to_null"), [(("*",), "*"), (("https://app.example",), "https://app.example")]
)
def test_cors_never_echoes_origin_null(db_connection, test_db_url, origins, granted_to_null):
    """A sandboxed frame or a file:// page sends ``Origin: null``: it gets what a page with no origin gets (the
    public ``*``, or the one configured origin, which is not its own), never ``null`` echoed back as if it were an
    origin the service trusts."""
    client = _app(db_connection, test_db_url, rate_limit="off", cors_origins=origins).test_client()
    real = client.get("/healthz", headers={"Origin": "https://app.example"})
    assert real.headers["Access-Control-Allow-Origin"] == "https://app.example"
    sandboxed = client.get("/healthz", headers={"Origin": "null"})
    assert sandboxed.status_code == 200
    assert sandboxed.headers.get("Access-Control-Allow-Origin") == granted_to_null
    preflight = client.options("/healthz", headers={"Origin": "null", "Access-Control-Request-Method": "GET"})
    assert preflight.headers.get("Access-Control-Allow-Origin") in (granted_to_null, None)
    assert "null" not in (sandboxed.headers.get("Access-Control-Allow-Origin"), preflight.headers.get(
        "Access-Control-Allow-Origin"))


def test_large_answers_are_gzipped_only_when_asked(db_connection, test_db_url):
    client = _app(db_connection, test_db_url, rate_limit="off").test_client()
    plain = client.get("/openapi.json")
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    packed = client.get("/openapi.json", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    refused = client.get("/openapi.json", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers  # 16 bytes: not worth it
