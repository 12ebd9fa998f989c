"""``POST /v1/events``: every event gets its result in order, duplicates and late or lonely events are handled, and
what was accepted is stored exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import event


def post(api, headers, events):
    return api.post("/v1/events", json=events, headers=headers)


def availability(api, ref):
    response = api.get(f"/v1/bays/camden/{ref}/availability")
    assert response.status_code == 200
    return response.get_json()


def spaces_of(sql, ref) -> int:
    return sql("SELECT coalesce(spaces, 1) FROM places WHERE ref = :r", r=ref)[0][0]


def test_a_batch_is_answered_event_by_event_in_order(api, sensor, bay_refs):
    ref = next(bay_refs)
    good = event(ref)
    batch = [
        good,
        {"event_id": "not-a-uuid", "event_type": "park_start"},
        event("no-such-bay"),
        event(ref, "scheduled_report"),  # no occupied count
        dict(good),  # the same event again in one batch
    ]
    response = post(api, sensor, batch)
    assert response.status_code == 200
    body = response.get_json()
    assert [r["status"] for r in body["results"]] == ["accepted", "rejected", "rejected", "rejected", "duplicate"]
    assert [r["event_id"] for r in body["results"]] == [e["event_id"] for e in batch]
    assert body["counts"] == {"accepted": 1, "duplicate": 1, "rejected": 3}
    reasons = [r["reason"] for r in body["results"]]
    assert reasons[0] is None
    assert "event_id" in reasons[1] and "UUID" in reasons[1]
    assert "no-such-bay" in reasons[2]
    assert "occupied" in reasons[3]


def test_replaying_a_batch_stores_nothing_twice(api, sensor, bay_refs, sql):
    ref = next(bay_refs)
    start = datetime.now(UTC) - timedelta(minutes=3)
    batch = [
        event(ref, "park_start", start, event_session_id="a"),
        event(ref, "park_end", start + timedelta(minutes=2), event_session_id="a"),
    ]
    first = post(api, sensor, batch).get_json()
    again = post(api, sensor, batch).get_json()
    assert first["counts"] == {"accepted": 2, "duplicate": 0, "rejected": 0}
    assert again["counts"] == {"accepted": 0, "duplicate": 2, "rejected": 0}
    assert all(r["reason"] == "event_id already received" for r in again["results"])
    ids = [e["event_id"] for e in batch]
    assert sql("SELECT count(*) FROM events WHERE event_id = ANY(CAST(:ids AS uuid[]))", ids=ids)[0][0] == 2
    assert sql("SELECT count(*) FROM event_ids WHERE event_id = ANY(CAST(:ids AS uuid[]))", ids=ids)[0][0] == 2
    sessions = sql("SELECT count(*) FROM parking_sessions s JOIN places p ON p.id = s.place_id WHERE p.ref = :r", r=ref)
    assert sessions[0][0] == 1


def test_an_end_that_arrives_before_its_start_still_makes_one_stay(api, sensor, bay_refs, sql):
    ref = next(bay_refs)
    arrived = datetime.now(UTC) - timedelta(minutes=4)
    left = arrived + timedelta(minutes=3)
    end = event(ref, "park_end", left, event_session_id="late")
    start = event(ref, "park_start", arrived, event_session_id="late")
    assert post(api, sensor, [end]).get_json()["counts"]["accepted"] == 1
    assert post(api, sensor, [start]).get_json()["counts"]["accepted"] == 1
    stays = sql(
        "SELECT started_at, ended_at FROM parking_sessions s JOIN places p ON p.id = s.place_id WHERE p.ref = :r",
        r=ref,
    )
    assert len(stays) == 1
    assert stays[0][0] == arrived and stays[0][1] == left
    # the car came and went: the bay is free, and the latest report (the end) is what the bay says
    now = availability(api, ref)
    assert now["availability_status"] == "live"
    assert now["occupied_spaces"] == 0
    assert now["available_spaces"] == spaces_of(sql, ref)


def test_an_end_without_a_start_is_kept_and_never_makes_the_count_negative(api, sensor, bay_refs, sql):
    ref = next(bay_refs)
    response = post(api, sensor, [event(ref, "park_end", event_session_id="never-started")]).get_json()
    assert response["counts"]["accepted"] == 1
    stays = sql(
        "SELECT started_at, ended_at FROM parking_sessions s JOIN places p ON p.id = s.place_id WHERE p.ref = :r",
        r=ref,
    )
    assert len(stays) == 1 and stays[0][0] is None and stays[0][1] is not None
    assert availability(api, ref)["occupied_spaces"] == 0


def test_starts_and_ends_count_spaces_and_a_report_resets_the_count(api, sensor, sql):
    ref = sql("SELECT ref FROM places WHERE spaces = 3 AND retired_at IS NULL ORDER BY ref LIMIT 1")[0][0]
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    cars = [event(ref, "park_start", t0 + timedelta(seconds=i), event_session_id=f"c{i}") for i in range(2)]
    post(api, sensor, cars)
    assert availability(api, ref)["occupied_spaces"] == 2
    assert availability(api, ref)["available_spaces"] == 1
    # a heartbeat says all three spaces are taken, then one car of the two leaves
    post(api, sensor, [event(ref, "scheduled_report", t0 + timedelta(minutes=1), occupied=3)])
    assert availability(api, ref)["available_spaces"] == 0
    post(api, sensor, [event(ref, "park_end", t0 + timedelta(minutes=2), event_session_id="c0")])
    assert availability(api, ref)["occupied_spaces"] == 2


def test_a_late_event_does_not_overwrite_newer_news(api, sensor, bay_refs):
    ref = next(bay_refs)
    now = datetime.now(UTC)
    post(api, sensor, [event(ref, "scheduled_report", now - timedelta(minutes=1), occupied=0)])
    post(api, sensor, [event(ref, "comms_lost", now - timedelta(minutes=3))])  # older than the report
    body = availability(api, ref)
    assert body["availability_status"] == "live"
    assert body["availability_observed_at"].startswith((now - timedelta(minutes=1)).strftime("%Y-%m-%dT"))


@pytest.mark.parametrize(
    ("shift", "field"),
    [(timedelta(minutes=6), "future"), (-timedelta(weeks=14), "retention")],
)
def test_events_too_far_ahead_or_older_than_the_retention_are_rejected(api, sensor, bay_refs, shift, field):
    result = post(api, sensor, [event(next(bay_refs), at=datetime.now(UTC) + shift)]).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert result["reason"].startswith("event_time") and field in result["reason"]


def test_a_clock_four_minutes_fast_is_tolerated(api, sensor, bay_refs):
    result = post(api, sensor, [event(next(bay_refs), at=datetime.now(UTC) + timedelta(minutes=4))]).get_json()
    assert result["counts"]["accepted"] == 1


def test_event_time_in_epoch_milliseconds_as_cds_sends_it(api, sensor, bay_refs, sql):
    ref = next(bay_refs)
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    millis = int(when.timestamp() * 1000)
    for value in (millis, str(millis)):
        posted = event(ref, "scheduled_report", occupied=0)
        posted["event_time"] = value
        assert post(api, sensor, [posted]).get_json()["counts"]["accepted"] == 1
    stored = sql("SELECT DISTINCT event_time FROM events e JOIN places p ON p.id = e.place_id WHERE p.ref = :r", r=ref)
    assert stored == [(when,)]


def test_a_time_without_an_offset_is_rejected(api, sensor, bay_refs):
    posted = event(next(bay_refs))
    posted["event_time"] = "2026-12-03T09:30:00"
    result = post(api, sensor, [posted]).get_json()["results"][0]
    assert result["status"] == "rejected" and "offset" in result["reason"]


@pytest.mark.parametrize("body", ['{"event_id": "x"}', "[1, 2]", "not json", "[[]]", "null"])
def test_a_body_that_is_not_an_array_of_objects_is_refused_whole(api, sensor, body):
    response = api.post("/v1/events", data=body, headers={**sensor, "Content-Type": "application/json"})
    assert response.status_code == 400
    problem = response.get_json()
    assert problem["type"] == "/problems/invalid-body"
    assert response.headers["Content-Type"] == "application/problem+json"


def test_more_than_a_thousand_events_is_a_413(api, sensor, bay_refs, sql):
    ref = next(bay_refs)
    batch = [event(ref, "scheduled_report", occupied=0) for _ in range(1001)]
    response = post(api, sensor, batch)
    assert response.status_code == 413
    assert response.get_json()["type"] == "/problems/payload-too-large"
    assert sql("SELECT count(*) FROM events e JOIN places p ON p.id = e.place_id WHERE p.ref = :r", r=ref) == [(0,)]


def test_a_thousand_events_is_one_batch(api, sensor, bay_refs):
    ref = next(bay_refs)
    start = datetime.now(UTC) - timedelta(minutes=4)
    batch = [event(ref, "scheduled_report", start + timedelta(milliseconds=i), occupied=0) for i in range(1000)]
    assert post(api, sensor, batch).get_json()["counts"]["accepted"] == 1000


def test_history_months_get_their_own_partitions(engine, bay_refs, sql):
    """Partitions are made on first insert, 2020 history included (``parking load events`` passes no retention)."""
    from sqlalchemy.orm import Session

    from parking_api.services.events import ingest

    ref = next(bay_refs)
    old = [event(ref, "scheduled_report", datetime(2020, 2, 14, 9, 0, tzinfo=UTC), occupied=1)]
    with Session(engine) as session, session.begin():
        outcome = ingest(session, old, now=datetime.now(UTC), plate_key="", oldest=None)
    assert outcome.counts["accepted"] == 1
    assert sql("SELECT to_regclass('events_p202002') IS NOT NULL") == [(True,)]
    assert sql("SELECT count(*) FROM events_p202002 WHERE event_id = CAST(:i AS uuid)", i=old[0]["event_id"]) == [(1,)]


def test_concurrent_first_inserts_into_a_new_month_both_succeed(engine, bay_refs, sql):
    """Two transactions that both need a partition that does not exist yet: one makes it, neither fails."""
    import threading

    from sqlalchemy.orm import Session

    from parking_api.services.events import ingest

    refs = [next(bay_refs), next(bay_refs)]
    barrier = threading.Barrier(2)
    outcomes: list = []
    errors: list = []

    def worker(ref: str) -> None:
        try:
            batch = [event(ref, "scheduled_report", datetime(2020, 7, 1, 12, tzinfo=UTC), occupied=0)]
            barrier.wait(timeout=10)
            with Session(engine) as session, session.begin():
                outcomes.append(ingest(session, batch, now=datetime.now(UTC), plate_key="", oldest=None))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(ref,)) for ref in refs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(o.counts["accepted"] for o in outcomes) == [1, 1]
    assert sql("SELECT count(*) FROM events_p202007") == [(2,)]


def test_concurrent_batches_with_the_same_event_accept_it_once(app, sensor, bay_refs, sql):
    import threading

    ref = next(bay_refs)
    shared = event(ref, "scheduled_report", occupied=0)
    barrier = threading.Barrier(4)
    statuses: list[str] = []

    def worker() -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        body = client.post("/v1/events", json=[shared], headers=sensor).get_json()
        statuses.append(body["results"][0]["status"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == ["accepted", "duplicate", "duplicate", "duplicate"]
    assert sql("SELECT count(*) FROM events WHERE event_id = CAST(:i AS uuid)", i=shared["event_id"]) == [(1,)]


def test_an_event_id_is_its_idempotency_key_whatever_the_rest_says(api, sensor, bay_refs):
    ref = next(bay_refs)
    first = event(ref, "park_start")
    changed = {**first, "event_type": "park_end"}
    post(api, sensor, [first])
    assert post(api, sensor, [changed]).get_json()["results"][0]["status"] == "duplicate"
    assert uuid.UUID(first["event_id"])


def test_a_nul_character_anywhere_in_an_event_rejects_that_event_only(api, sensor, bay_refs):
    ref = next(bay_refs)
    batch = [event(ref, space="a\x00b"), event(ref, note={"x": ["\x00"]}), event(ref, "scheduled_report", occupied=0)]
    body = api.post("/v1/events", json=batch, headers=sensor).get_json()
    assert [r["status"] for r in body["results"]] == ["rejected", "rejected", "accepted"]
