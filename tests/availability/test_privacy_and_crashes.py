"""Plates never reach a table or a log; a crash between two batches loses nothing accepted."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from parking_api.occupancy.plates import plate_hash
from parking_api.services.events import ingest

from .conftest import event

PLATE = "KX70 QRT"


def every_table_as_text(engine) -> str:
    """Every row of every table of ours (events' partitions included), as text."""
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'")
        ).scalars()
        return "\n".join(
            str(row) for table in list(tables) for row in conn.execute(text(f'SELECT * FROM "{table}"')).all()
        )


def test_a_plate_is_stored_only_as_a_keyed_hash(api, sensor, engine, bay_refs, caplog, sql):
    ref = next(bay_refs)
    posted = event(ref, "park_start", vehicle={"type": "car", "plate": PLATE}, event_session_id="plate")
    with caplog.at_level(logging.DEBUG):
        assert api.post("/v1/events", json=[posted], headers=sensor).get_json()["counts"]["accepted"] == 1
    dump = every_table_as_text(engine)
    assert PLATE not in dump and PLATE.replace(" ", "") not in dump
    expected = plate_hash(PLATE, "test-plate-key")
    assert sql("SELECT plate_hash FROM events WHERE event_id = CAST(:i AS uuid)", i=posted["event_id"]) == [(expected,)]
    assert sql(
        "SELECT plate_hash FROM parking_sessions WHERE start_event_id = CAST(:i AS uuid)", i=posted["event_id"]
    ) == [(expected,)]
    assert PLATE not in caplog.text and "KX70" not in caplog.text


def test_without_a_configured_key_plates_are_discarded(engine, bay_refs, sql):
    ref = next(bay_refs)
    posted = event(ref, "park_start", vehicle={"type": "car", "plate": PLATE})
    with Session(engine) as session, session.begin():
        ingest(session, [posted], now=datetime.now(UTC), plate_key="", oldest=None)
    assert sql("SELECT plate_hash FROM events WHERE event_id = CAST(:i AS uuid)", i=posted["event_id"]) == [(None,)]


def test_the_same_plate_however_written_is_one_hash():
    assert plate_hash("kx70 qrt", "k") == plate_hash("KX70QRT", "k") != plate_hash("KX70QRT", "other")


def test_a_crash_between_two_batches_loses_nothing_accepted(loaded_db_url, engine, bay_refs, sql):
    """Batch one commits; the process storing batch two dies mid-transaction (``os._exit`` after its inserts).
    Batch one is all there, batch two left no trace — not even its event ids, so posting it again accepts it."""
    ref = next(bay_refs)
    now = datetime.now(UTC)
    first = [event(ref, "scheduled_report", now - timedelta(minutes=5, seconds=-i), occupied=0) for i in range(20)]
    second = [event(ref, "scheduled_report", now - timedelta(minutes=4, seconds=-i), occupied=1) for i in range(20)]
    with Session(engine) as session, session.begin():
        assert ingest(session, first, now=now, plate_key="", oldest=None).counts["accepted"] == 20
    script = textwrap.dedent(
        """
        import json, os, sys
        from datetime import UTC, datetime
        from sqlalchemy.orm import Session
        from parking_api.services.events import ingest
        from parking_api.store.db import make_engine
        engine = make_engine(os.environ["DATABASE_URL"], pool_size=1)
        session = Session(engine)
        outcome = ingest(session, json.load(sys.stdin), now=datetime.now(UTC), plate_key="", oldest=None)
        session.flush()
        assert outcome.counts["accepted"] == 20
        os._exit(9)  # killed before the commit
        """
    )
    import json

    crashed = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(second),
        env={**os.environ, "DATABASE_URL": loaded_db_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == 9, crashed.stderr
    ids = lambda batch: [e["event_id"] for e in batch]  # noqa: E731
    assert sql("SELECT count(*) FROM events WHERE event_id = ANY(CAST(:i AS uuid[]))", i=ids(first)) == [(20,)]
    assert sql("SELECT count(*) FROM event_ids WHERE event_id = ANY(CAST(:i AS uuid[]))", i=ids(second)) == [(0,)]
    with Session(engine) as session, session.begin():
        assert ingest(session, second, now=now, plate_key="", oldest=None).counts["accepted"] == 20
