"""The OpenAPI document validates, and a fuzzer (schemathesis) finds no 5xx and no response that breaks its own
documented schema, against a real HTTP server on the bundled Camden data.

Bounded and deterministic: at most 30 examples per operation, derandomized (fixed seed), no deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .support import BEDFORD_ROW, ELIZABETH_MEWS, GRAFTON_WAY, ROYAL_COLLEGE_STREET

OPERATIONS = [  # every public operation (all are GET)
    "/v1/can-i-park",
    "/v1/bays",
    "/v1/bays/{source}/{ref}",
    "/v1/bays/{source}/{ref}/schedule",
    "/v1/bays/{source}/{ref}/availability",
    "/v1/zones",
    "/v1/zones/{code}",
    "/v1/sources",
]
KEYED_OPERATIONS = [  # the operations that need an API key, with the role that may use them
    ("POST", "/v1/events", "sensor"),
    ("GET", "/v1/events", "council"),
    ("POST", "/v1/suspensions", "council"),
    ("GET", "/v1/suspensions", "council"),
    ("DELETE", "/v1/suspensions/{suspension_id}", "council"),
    ("GET", "/v1/usage/bays", "council"),
    ("GET", "/v1/usage/zones", "council"),
    ("GET", "/v1/usage/overstays", "council"),
]


@pytest.fixture(scope="module")
def api_schema(loaded_db_url, live_server):
    return schemathesis.openapi.from_url(f"{live_server}/openapi.json")


def test_openapi_document_validates(api):
    from openapi_spec_validator import validate

    spec = api.get("/openapi.json").get_json()
    validate(spec)
    paths = spec["paths"]
    for path in OPERATIONS:
        assert "get" in paths[path], path
        responses = paths[path]["get"]["responses"]
        assert "200" in responses and "400" in responses
        assert "422" not in responses  # validation errors are 400 problems here
    assert not any(path.startswith("/v1/_") for path in paths)  # no benchmark route in the docs
    problem = spec["components"]["responses"]["PROBLEM"]["content"]["application/problem+json"]
    assert problem["schema"]["$ref"].endswith("/Problem")


# Half of the generated cases are steered onto the data (Camden points, real bays and zones) so that the 200
# answers of every kind (bay, zone default, alternatives, schedules) are checked against their schema too.
REFS = ["46047061", "46042958", "46126601", "46126603", "46129384", "46043907", "46035838", "46128367"]
CODES = ["CA-F", "caf", "CA-B", "CA-D", "CA-G", "CA-X"]
CAMDEN_LAT = st.floats(51.513, 51.571)
CAMDEN_LON = st.floats(-0.2135, -0.1053)
BAY_POINTS = [  # points on bays of the bundled file: a resident bay, a paid bay, two bays at one point, a taxi rank
    (spot.lat, spot.lon) for spot in (ELIZABETH_MEWS, BEDFORD_ROW, ROYAL_COLLEGE_STREET, GRAFTON_WAY)
]


FUZZ = settings(
    max_examples=30, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
"""Bounded and deterministic, for every fuzzed operation."""

INSTANTS = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31))
OFFSETS = st.sampled_from(["", "Z", "+00:00", "+01:00", "-05:00"])


def _instant(data) -> str:
    return data.draw(INSTANTS).isoformat(timespec="minutes") + data.draw(OFFSETS)


def steer(path: str, case, data) -> None:
    if not data.draw(st.booleans(), label="steer"):
        return
    query = dict(case.query or {})
    if "at" in query:
        query["at"] = _instant(data)
    if "from" in query:
        query["from"] = _instant(data)
        if "to" in query:
            start = datetime.fromisoformat(query["from"].replace("Z", "+00:00"))
            end = start + timedelta(hours=data.draw(st.integers(1, 35 * 24)))
            query["to"] = end.isoformat()
    case.query = query
    if path in ("/v1/can-i-park", "/v1/bays"):
        if data.draw(st.booleans(), label="on a bay"):
            lat, lon = data.draw(st.sampled_from(BAY_POINTS))
            lat += data.draw(st.floats(-0.0002, 0.0002))
            lon += data.draw(st.floats(-0.0003, 0.0003))
        else:
            lat, lon = data.draw(CAMDEN_LAT), data.draw(CAMDEN_LON)
        case.query = {**(case.query or {}), "lat": lat, "lon": lon}
    elif path.startswith("/v1/bays/"):
        case.path_parameters = {"source": "camden", "ref": data.draw(st.sampled_from(REFS))}
    elif path == "/v1/zones/{code}":
        case.path_parameters = {"code": data.draw(st.sampled_from(CODES))}


@pytest.mark.parametrize("path", OPERATIONS)
def test_no_server_errors_and_responses_match_their_schema(api_schema, live_server, path):
    # Hypothesis drives schemathesis' generator directly (its pytest plugin does not support this pytest yet).
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy(), data=st.data())
    @FUZZ
    def fuzz(case, data):
        steer(path, case, data)
        case.call_and_validate(
            base_url=live_server, checks=[not_a_server_error, response_schema_conformance], timeout=30
        )

    fuzz()


EVENT_TYPES = st.sampled_from(["park_start", "park_end", "comms_lost", "comms_restored", "scheduled_report", "x"])


def steer_keyed(path: str, method: str, case, data) -> None:
    """Half the cases are made plausible: events for real bays at recent times, suspensions of real bays."""
    if not data.draw(st.booleans(), label="steer"):
        return
    if (method, path) == ("POST", "/v1/events"):
        now = datetime.now().astimezone()
        events = []
        for _ in range(data.draw(st.integers(0, 5))):
            kind = data.draw(EVENT_TYPES)
            item = {
                "event_id": str(data.draw(st.uuids())),
                "event_type": kind,
                "event_time": (now - timedelta(seconds=data.draw(st.integers(-600, 100_000)))).isoformat(),
                "bay": {"source": "camden", "ref": data.draw(st.sampled_from(REFS))},
            }
            if kind == "scheduled_report":
                item["occupied"] = data.draw(st.integers(-1, 5))
            events.append(item)
        case.body = events
    elif path.startswith("/v1/usage/"):
        start = data.draw(INSTANTS)
        case.query = {**(case.query or {}), "from": start.isoformat(),
                      "to": (start + timedelta(hours=data.draw(st.integers(-2, 24 * 40)))).isoformat()}  # fmt: skip
    elif (method, path) == ("POST", "/v1/suspensions"):
        start = data.draw(INSTANTS)
        case.body = {
            "source": "camden",
            "ref": data.draw(st.sampled_from(REFS)),
            "start": start.isoformat() + data.draw(OFFSETS),
            "end": (start + timedelta(hours=data.draw(st.integers(-2, 48)))).isoformat(),
        }


@pytest.fixture(scope="module")
def keys_by_role(loaded_db_url):
    from sqlalchemy.orm import Session

    from parking_api.services import keys
    from parking_api.store.db import make_engine

    engine = make_engine(loaded_db_url, pool_size=1)
    with Session(engine) as session, session.begin():
        made = {
            role: keys.create(session, role=role, name=f"fuzz {role}", rate=1000, burst=10_000).key
            for role in ("sensor", "council")
        }
    engine.dispose()
    return made


@pytest.mark.parametrize(("method", "path", "role"), KEYED_OPERATIONS)
def test_keyed_operations_have_no_server_errors_and_match_their_schema(
    api_schema, live_server, keys_by_role, method, path, role
):
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {keys_by_role[role]}"}

    @given(case=operation.as_strategy(), data=st.data())
    @FUZZ
    def fuzz(case, data):
        steer_keyed(path, method, case, data)
        case.call_and_validate(
            base_url=live_server,
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance],
            timeout=30,
        )

    fuzz()
