"""What the council reads and does with a ``council`` key: events back as posted (without plates), suspensions
posted and lifted through the API, and pruning that keeps the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from parking_api.store import events as store

from .conftest import event


def test_events_read_back_as_posted_without_the_plate(api, sensor, council, bay_refs):
    ref = next(bay_refs)
    posted = event(ref, "park_start", vehicle={"type": "car", "plate": "LX19 ABC", "permits": ["CA-B"]}, space="2")
    api.post("/v1/events", json=[posted], headers=sensor)
    body = api.get("/v1/events", query_string={"source": "camden", "ref": ref}, headers=council).get_json()
    assert body["version"] and body["time_zone"] == "Europe/London" and isinstance(body["last_updated"], int)
    (back,) = body["data"]["events"]
    expected = {**posted, "vehicle": {"type": "car", "permits": ["CA-B"]}}
    assert back == expected
    assert "LX19" not in str(body)


def test_since_is_inclusive_until_exclusive_and_next_pages_on(api, sensor, council, bay_refs):
    ref = next(bay_refs)
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    batch = [event(ref, "scheduled_report", base + timedelta(minutes=i), occupied=0) for i in range(5)]
    api.post("/v1/events", json=batch, headers=sensor)
    query = {
        "source": "camden",
        "ref": ref,
        "since": (base + timedelta(minutes=1)).isoformat(),
        "until": (base + timedelta(minutes=4)).isoformat(),
        "limit": 2,
    }
    first = api.get("/v1/events", query_string=query, headers=council).get_json()
    assert [e["event_id"] for e in first["data"]["events"]] == [batch[1]["event_id"], batch[2]["event_id"]]
    assert first["links"]["next"]
    nxt = first["links"]["next"].split("/v1/events", 1)[1]
    second = api.get(f"/v1/events{nxt}", headers=council).get_json()
    assert [e["event_id"] for e in second["data"]["events"]] == [batch[3]["event_id"]]
    assert second["links"]["next"] is None


def test_a_bad_cursor_is_a_400_naming_it(api, council):
    response = api.get("/v1/events", query_string={"cursor": "garbage!"}, headers=council)
    assert response.status_code == 400
    assert response.get_json()["invalid_params"][0]["name"] == "cursor"


def _spot(sql, ref):
    return sql("SELECT ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom)) FROM places WHERE ref = :r", r=ref)[
        0
    ]


def test_a_suspension_posted_by_an_officer_changes_answers_at_once(api, council, sql):
    """Bay 46042958 (Bedford Row, paid, Mon-Fri 08:30-18:30) is open to a paying driver on Monday 2 March 2026 at
    10:00; suspended from 09:00 to 17:00 that day, nobody may park there at 10:00, and the bay's own suspension
    list shows it."""
    at = {"lat": 51.51911819230162, "lon": -0.114817817449271, "at": "2026-03-02T10:00:00Z"}
    assert api.get("/v1/can-i-park", query_string=at).get_json()["can_park"] is True
    created = api.post(
        "/v1/suspensions",
        json={
            "source": "camden",
            "ref": "46042958",
            "start": "2026-03-02T09:00:00",
            "end": "2026-03-02T17:00:00Z",
            "reason": "Crane lift",
        },
        headers=council,
    )
    assert created.status_code == 201, created.get_json()
    suspension = created.get_json()
    assert suspension["origin"] == "api" and suspension["start"] == "2026-03-02T09:00:00+00:00"
    answer = api.get("/v1/can-i-park", query_string=at).get_json()
    assert answer["can_park"] is False and answer["suspended"] is True
    listed = api.get(
        "/v1/suspensions", query_string={"active_at": "2026-03-02T12:00:00Z", "ref": "46042958"}, headers=council
    ).get_json()["suspensions"]
    assert [s["id"] for s in listed] == [suspension["id"]]
    assert api.delete(f"/v1/suspensions/{suspension['id']}", headers=council).status_code == 204
    assert api.get("/v1/can-i-park", query_string=at).get_json()["can_park"] is True
    assert api.delete(f"/v1/suspensions/{suspension['id']}", headers=council).status_code == 404


def test_a_suspension_from_a_file_cannot_be_deleted_through_the_api(api, council, engine, sql):
    from sqlalchemy import text

    with engine.begin() as conn:
        suspension_id = conn.execute(
            text(
                "INSERT INTO suspensions (place_id, source_id, starts_at, ends_at, reason, origin)"
                " SELECT id, source_id, '2026-05-01T08:00Z', '2026-05-01T18:00Z', 'film', 'file' FROM places"
                " WHERE ref = '46047061' RETURNING id"
            )
        ).scalar_one()
    response = api.delete(f"/v1/suspensions/{suspension_id}", headers=council)
    assert response.status_code == 409
    assert response.get_json()["type"] == "/problems/conflict"
    listed = api.get("/v1/suspensions", query_string={"active_at": "2026-05-01T12:00:00Z"}, headers=council).get_json()[
        "suspensions"
    ]
    assert {(s["id"], s["origin"]) for s in listed} >= {(suspension_id, "file")}


def test_a_suspension_must_end_after_it_starts_and_name_a_live_bay(api, council):
    backwards = {"source": "camden", "ref": "46042958", "start": "2026-03-02T17:00Z", "end": "2026-03-02T09:00Z"}
    response = api.post("/v1/suspensions", json=backwards, headers=council)
    assert response.status_code == 400 and response.get_json()["invalid_params"][0]["name"] == "end"
    unknown = {**backwards, "ref": "nope", "end": "2026-03-03T09:00Z"}
    response = api.post("/v1/suspensions", json=unknown, headers=council)
    assert response.status_code == 404 and response.get_json()["type"] == "/problems/unknown-bay"
    missing = api.post("/v1/suspensions", json={"source": "camden"}, headers=council)
    assert missing.status_code == 400
    assert {p["name"] for p in missing.get_json()["invalid_params"]} >= {"ref", "start", "end"}


def test_pruning_removes_raw_events_only(api, sensor, engine, bay_refs, sql):
    ref = next(bay_refs)
    old = datetime(2021, 3, 10, 9, tzinfo=UTC)
    batch = [
        event(ref, "park_start", old, event_session_id="p"),
        event(ref, "park_end", old + timedelta(hours=1), event_session_id="p"),
    ]
    from parking_api.services.events import ingest

    with Session(engine) as session, session.begin():
        ingest(session, batch, now=datetime.now(UTC), plate_key="", oldest=None)
    ids = [e["event_id"] for e in batch]
    with Session(engine) as session, session.begin():
        removed = store.prune(session, datetime(2021, 4, 1, tzinfo=UTC))
    assert removed >= 2
    assert sql("SELECT count(*) FROM events WHERE event_id = ANY(CAST(:i AS uuid[]))", i=ids) == [(0,)]
    assert sql("SELECT to_regclass('events_p202103') IS NULL") == [(True,)]
    assert sql("SELECT count(*) FROM event_ids WHERE event_id = ANY(CAST(:i AS uuid[]))", i=ids) == [(2,)]
    stays = sql(
        "SELECT started_at, ended_at FROM parking_sessions s JOIN places p ON p.id = s.place_id WHERE p.ref = :r",
        r=ref,
    )
    assert stays == [(old, old + timedelta(hours=1))]
    with Session(engine) as session, session.begin():
        again = ingest(session, batch, now=datetime.now(UTC), plate_key="", oldest=None)
    assert again.counts == {"accepted": 0, "duplicate": 2, "rejected": 0}
