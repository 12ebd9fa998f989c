"""Online time read back from ``usage_online`` (the settled days) gives the same metrics as from the raw events:
checked on the hand-written log of ``conftest.py`` settled up to the middle of the period, then past its end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from parking_api.store import usage as store
from parking_api.store.db import make_engine

QUERIES = [
    ("/v1/usage/bays", {"from": "2026-10-24", "to": "2026-10-26", "granularity": "hour", "zone": "HT-A"}),
    ("/v1/usage/zones", {"from": "2026-10-24", "to": "2026-10-26", "granularity": "day"}),
    ("/v1/usage/bays", {"from": "2026-10-24T13:30", "to": "2026-10-25T01:30", "include_simulated": "true"}),
]


def _answers(api, council) -> list[list[dict]]:
    return [api.get(path, query_string=query, headers=council).get_json()["rows"] for path, query in QUERIES]


def _settle(url: str, until: datetime) -> int:
    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            return store.settle_online(session, until=until, stale=timedelta(seconds=600))
    finally:
        engine.dispose()


def test_settled_days_answer_as_the_raw_events_do(api, council, handtown):
    live = _answers(api, council)
    assert any(r["total_sessions"] for rows in live for r in rows)
    # the log starts on 23 October 23:00 UTC: that day and 24 October are settled, the rest is read live
    assert _settle(handtown, datetime(2026, 10, 25, tzinfo=UTC)) == 2
    assert _answers(api, council) == live
    assert _settle(handtown, datetime(2026, 10, 27, tzinfo=UTC)) == 2
    assert _answers(api, council) == live
