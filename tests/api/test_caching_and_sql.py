"""ETag / If-None-Match, Cache-Control that never outlives the answer, and the SQL design: one statement per
``/v1/can-i-park`` request, using the partial GiST index on live places."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Integer

from parking_api.services import context as service_context
from parking_api.store import reads
from parking_api.store.db import get_engine

from .support import ELIZABETH_MEWS, NOWHERE, ROYAL_COLLEGE_STREET


def max_age(response) -> int | None:
    match = re.search(r"max-age=(\d+)", response.headers["Cache-Control"])
    return int(match.group(1)) if match else None


def freeze(monkeypatch, instant: str) -> None:
    frozen = datetime.fromisoformat(instant).astimezone(UTC)
    monkeypatch.setattr(service_context, "utcnow", lambda: frozen)


# --- ETag and 304 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/v1/can-i-park?lat=51.54637465&lon=-0.16208376&at=2026-03-02T10:00:00Z",
        "/v1/bays?lat=51.536533&lon=-0.134474&radius=50&at=2026-03-02T10:00:00Z",
        "/v1/bays/camden/46047061?at=2026-03-02T10:00:00Z",
        "/v1/bays/camden/46047061/schedule?from=2026-03-02T00:00&to=2026-03-03T00:00",
        "/v1/zones",
        "/v1/zones/CA-F",
        "/v1/sources",
    ],
)
def test_etag_and_if_none_match(api, url):
    first = api.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    again = api.get(url)
    assert again.headers["ETag"] == etag  # same body, same tag
    cached = api.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.get_data() == b""
    assert cached.headers["ETag"] == etag
    assert "max-age" in cached.headers["Cache-Control"]
    stale = api.get(url, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_a_different_answer_has_a_different_etag(api):
    a = api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query(at="2026-03-02T10:00:00Z"))
    b = api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query(at="2026-03-02T10:00:00Z", permit="CA-B"))
    assert a.headers["ETag"] != b.headers["ETag"]


def test_problems_carry_no_etag_and_are_not_stored(api):
    response = api.get("/v1/can-i-park", query_string={"lat": 95, "lon": 0})
    assert response.status_code == 400
    assert "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


# --- Cache-Control -----------------------------------------------------------------------------------------------


def test_answers_for_now_expire_at_the_next_change(api, monkeypatch):
    # Monday 18:29:40: the resident bay becomes free at 18:30, 20 s later
    freeze(monkeypatch, "2026-03-02T18:29:40+00:00")
    response = api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query())
    assert response.get_json()["allowed_from"] == "2026-03-02T18:30:00+00:00"
    assert response.headers["Cache-Control"] == "private, max-age=20"


def test_an_imminent_change_is_not_cached(api, monkeypatch):
    freeze(monkeypatch, "2026-03-02T18:29:59+00:00")
    response = api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query())
    assert response.headers["Cache-Control"] == "no-store"


def test_answers_holding_for_hours_are_cached_a_quarter_of_an_hour(api, monkeypatch):
    freeze(monkeypatch, "2026-03-02T12:00:00+00:00")  # next change at 18:30, six and a half hours later
    response = api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query())
    assert response.headers["Cache-Control"] == "private, max-age=900"


def test_an_answer_holding_ten_minutes_is_cached_ten_minutes(api, monkeypatch):
    freeze(monkeypatch, "2026-03-02T18:20:00+00:00")  # the resident bay becomes free at 18:30
    response = api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query())
    assert response.headers["Cache-Control"] == "private, max-age=600"


def test_a_candidates_change_bounds_the_cache_too(api, monkeypatch):
    # Royal College Street, Monday 18:29:30, with a CA-G permit: the resident bay answers (free, nothing changes
    # for a permit holder), but the paid bay listed among the candidates stops charging at 18:30, 30 s later
    freeze(monkeypatch, "2026-03-02T18:29:30+00:00")
    response = api.get("/v1/can-i-park", query_string=ROYAL_COLLEGE_STREET.query(permit="CA-G"))
    body = response.get_json()
    assert body["bay"]["ref"] == "46126601" and body["next_changes"] == []
    assert next(c for c in body["candidates"] if c["ref"] == "46126603")["payment_required"] is True
    assert response.headers["Cache-Control"] == "private, max-age=30"


def test_answers_for_a_given_time_are_cached_a_quarter_of_an_hour(api):
    # the answer for a fixed instant changes only with the data, however close that instant is to a change
    response = api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query(at="2026-03-02T18:29:59Z"))
    assert response.headers["Cache-Control"] == "private, max-age=900"


def test_max_age_never_exceeds_a_quarter_of_an_hour_nor_the_time_to_the_next_change(api):
    now = datetime.now(UTC)
    for where in (ELIZABETH_MEWS, ROYAL_COLLEGE_STREET, NOWHERE):
        response = api.get("/v1/can-i-park", query_string=where.query())
        body = response.get_json()
        age = max_age(response)
        assert age is None or age <= 900
        upcoming = [c["at"] for c in body["next_changes"]] + [body["until"], body["allowed_from"]]
        for instant in filter(None, upcoming):
            seconds = (datetime.fromisoformat(instant) - now).total_seconds()
            assert age is None or age <= max(seconds, 0) + 2


def test_public_data_is_publicly_cacheable(api):
    # zones and sources change only with a load
    assert api.get("/v1/zones").headers["Cache-Control"] == "public, max-age=900"
    assert api.get("/v1/sources").headers["Cache-Control"] == "public, max-age=900"


# --- the SQL -----------------------------------------------------------------------------------------------------


@pytest.fixture
def statements(api_app):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with api_app.app_context():
        engine = get_engine(api_app)
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_can_i_park_is_one_statement_cold_and_warm(api, api_app, statements):
    from parking_api.api.v1.http import regulation_cache

    regulation_cache(api_app).clear()
    for _ in range(2):  # cold cache (definitions shipped), then warm (definitions left out)
        statements.clear()
        response = api.get("/v1/can-i-park", query_string=ROYAL_COLLEGE_STREET.query(at="2026-03-02T10:00:00Z"))
        assert response.status_code == 200
        assert len(statements) == 1, statements
    assert response.get_json()["alternatives"]  # the same statement brought the alternatives


def test_a_regulation_id_reused_by_another_database_is_detected(api, api_app, statements):
    from parking_api.api.v1.http import regulation_cache
    from parking_api.engine.model import Regulation

    cache = regulation_cache(api_app)
    cache.clear()
    api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query(at="2026-03-02T10:00:00Z"))
    reg_id = cache.known_ids()[0]
    cache._put(reg_id, "not-the-fingerprint", Regulation(rules=()))  # as if the id meant something else
    statements.clear()
    body = api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query(at="2026-03-02T10:00:00Z")).get_json()
    assert len(statements) == 2  # the fingerprint mismatch costs one more read, and the answer is still right
    assert body["can_park"] is False and body["allowed_from"] == "2026-03-02T18:30:00+00:00"


def test_bays_is_one_statement(api, statements):
    query = ROYAL_COLLEGE_STREET.query(at="2026-03-02T10:00:00Z", fuel="petrol", stay=120)
    api.get("/v1/bays", query_string=query)  # the first read after a load also computes the sources' coverage
    statements.clear()
    for _ in range(2):
        api.get("/v1/bays", query_string=query)
    assert len(statements) == 2


def test_the_nearby_statement_uses_the_live_places_index(api_app):
    explain = text("EXPLAIN (FORMAT TEXT) " + reads.NEARBY_SQL.text).bindparams(
        bindparam("known", type_=ARRAY(Integer))
    )
    params = {
        "lon": ROYAL_COLLEGE_STREET.lon,
        "lat": ROYAL_COLLEGE_STREET.lat,
        "accuracy": 10.0,
        "point_cap": reads.POINT_REACH_CAP_M,
        "near_radius": 300.0,
        "near_limit": 50,
        "window_start": datetime(2026, 3, 1, tzinfo=UTC),
        "window_end": datetime(2026, 3, 10, tzinfo=UTC),
        "known": [],
        **reads.forecast_params(datetime(2026, 3, 2, 10, tzinfo=UTC)),
    }
    with api_app.app_context(), get_engine(api_app).connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # a 1,000-row table may be scanned; prove the index is usable
        plan = "\n".join(row[0] for row in conn.execute(explain, params))
        conn.rollback()
    assert "places_geog_live" in plan
    assert "zones_geom_live" in plan


def test_polling_now_gets_304_until_the_answer_changes(api):
    """Without `at` the body echoes the second it was asked, so its strong tag would change every request; the weak
    tag over the answer without `at` holds while the answer does, and `valid_until` says until when."""
    import time

    # Elizabeth Mews, a resident bay, with its permit: the answer depends on the hours, not on the second asked
    # (a bay with a maximum stay would not do: "until" moves on with every second of "now")
    query = {"lat": 51.54637465, "lon": -0.16208376, "permit": "CA-B"}
    first = api.get("/v1/can-i-park", query_string=query)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    body = first.get_json()
    assert body["valid_until"] is None or body["valid_until"] > body["at"]
    time.sleep(1.1)
    again = api.get("/v1/can-i-park", query_string=query, headers={"If-None-Match": etag})
    assert again.status_code == 304
    without_permit = {"lat": query["lat"], "lon": query["lon"], "at": "2026-03-02T10:00:00Z"}
    asked_at = api.get("/v1/can-i-park", query_string=without_permit)
    assert not asked_at.headers["ETag"].startswith("W/")
    # Monday 10:00 without a permit: not allowed until 18:30; the paid alternatives nearby must be left earlier
    # (their `until`), and the whole answer holds only until the first of these
    answer = asked_at.get_json()
    assert answer["allowed_from"] == "2026-03-02T18:30:00+00:00"
    firsts = [answer["allowed_from"], *(a["until"] for a in answer["alternatives"] if a["until"])]
    assert answer["valid_until"] == min(firsts)
