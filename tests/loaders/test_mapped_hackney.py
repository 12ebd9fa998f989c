"""A fictional Hackney-style borough of bay points (``data/mapped_hackney/``) loaded end to end with ``parking load
mapped``, and ``/v1/can-i-park`` asked about it across both clock changes of 2026.

The bays, as the file writes them (every bay a point with its number of spaces and no length; ``(None)`` is the
file's "no value"; the mapping reads ``(None)`` in HOURS as "at any time" and an empty HOURS cell as the Zone D hours,
Mon-Fri 8.30am-6.30pm; points reach half of 5 m a space, at most 25 m, at least 5 m):

- HK-0101 Mare Street (-0.05530, 51.54500), 6 spaces: Pay & Display, Mon-Sat 8.30am-6.30pm, 4 hours, £2.45 per hour.
- HK-0102 Amhurst Road (-0.06000, 51.54800), 4 spaces: Shared Use, HOURS empty, 2 hours, £3.10 (non-diesel) /
  £3.90 (diesel), permits D.
- HK-0103 Navarino Road (-0.06400, 51.54600), 1 space: Resident Permit, Mon-Fri 8.30am-6.30pm, permits D.
- HK-0104 Graham Road (-0.06700, 51.54650): Disabled, HOURS (None), MAX_STAY (None).
- HK-0105 Wilton Way (-0.06200, 51.54350): Car Club, HOURS (None), START_DATE 30/03/2026.
- HK-0106 Dalston Lane (-0.06900, 51.54800), 5 spaces: Pay & Display, Mon-Sat 8.30am-6.30pm, 4 hours, £2.45 per
  hour, END_DATE 31/03/2026.
- HK-0108 Mare Street (-0.05560, 51.54380): Loading Bay, Mon-Sat 7am-7pm, 40 minutes.
- HK-0110 Cecilia Road: START_DATE 31/02/2026, a date that does not exist (rejected).

Paid, shared-use and resident bays are not enforced on bank holidays (Good Friday 3 April, Easter Monday 6 April
2026). Clocks go forward on Sunday 29 March 2026 (01:00 GMT) and back on Sunday 25 October 2026 (01:00 GMT).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loader_testlib import Db

from loaders.runner import run_load
from parking_api.app import create_app
from parking_api.settings import Settings

pytestmark = pytest.mark.committed

DATA = Path(__file__).parent / "data" / "mapped_hackney"
METRE_LAT = 1 / 111_320  # one metre northwards, in degrees of latitude

MARE_STREET = (51.54500, -0.05530)
AMHURST_ROAD = (51.54800, -0.06000)
NAVARINO_ROAD = (51.54600, -0.06400)
GRAHAM_ROAD = (51.54650, -0.06700)
WILTON_WAY = (51.54350, -0.06200)
DALSTON_LANE = (51.54800, -0.06900)
MARE_STREET_LOADING = (51.54380, -0.05560)


@pytest.fixture(scope="module")
def loaded(committed_db_url: str):
    report = run_load(committed_db_url, "mapped", str(DATA / "hackney_bays.geojson"), source="hackney",
                      mapping=str(DATA / "hackney.toml"))  # fmt: skip
    assert report.status == "succeeded", report.error
    return report


@pytest.fixture(scope="module")
def client(loaded, committed_db_url: str) -> Iterator[Any]:
    app = create_app(Settings(database_url=committed_db_url), testing=True)
    yield app.test_client()
    app.extensions["parking_engine"].dispose()


@pytest.fixture(scope="module")
def ask(client) -> Callable[..., dict[str, Any]]:
    def ask(where: tuple[float, float], **params: Any) -> dict[str, Any]:
        response = client.get("/v1/can-i-park", query_string={"lat": where[0], "lon": where[1], **params})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return ask


def test_the_file_loads_with_its_bad_date_rejected(loaded, committed_db: Db) -> None:
    assert (loaded.read, loaded.loaded, loaded.rejected) == (11, 10, 1)
    (reject,) = committed_db.rows(
        "SELECT row_number, field, reason FROM load_rejects WHERE run_id = :r", r=loaded.run_id
    )
    assert (reject["row_number"], reject["field"]) == (10, "START_DATE")
    assert "31/02/2026" in reject["reason"]


def test_point_bays_reach_half_their_spaces(loaded, committed_db: Db) -> None:
    radius = {
        r["ref"]: float(r["search_radius_m"])
        for r in committed_db.rows(
            "SELECT p.ref, p.search_radius_m FROM places p JOIN sources s ON s.id = p.source_id"
            " WHERE s.name = 'hackney'"
        )
    }
    # 6 spaces: 30 m long, reach 15 m; 4: 10 m; 5: 12.5 m; 8: 20 m; 1 or 2 spaces: 2.5 or 5 m, so the mapping's 5 m
    assert (radius["HK-0101"], radius["HK-0102"], radius["HK-0106"], radius["HK-0107"]) == (15.0, 10.0, 12.5, 20.0)
    assert radius["HK-0103"] == radius["HK-0104"] == 5.0


def test_a_driver_12_m_from_a_six_space_point_is_at_it_and_8_m_from_a_one_space_point_is_not(ask) -> None:
    near = ask((MARE_STREET[0] + 12 * METRE_LAT, MARE_STREET[1]), accuracy=1, at="2026-03-02T10:00:00Z")
    assert near["basis"] == "bay" and near["bay"]["ref"] == "HK-0101"
    away = ask((NAVARINO_ROAD[0] + 8 * METRE_LAT, NAVARINO_ROAD[1]), accuracy=1, at="2026-03-02T10:00:00Z")
    assert away["basis"] == "no_data" and away["can_park"] is None


# --- the autumn clock change -------------------------------------------------------------------------------------


def test_pay_and_display_on_the_saturday_before_the_clocks_go_back(ask) -> None:
    # Sat 24 Oct 2026 17:00 BST: pay until 18:30; the 4 hours would run past the end of the hours, so the stay only
    # ends in the next controlled period, Mon 26 Oct 08:30 GMT + 4 hours = 12:30 GMT.
    body = ask(MARE_STREET, at="2026-10-24T17:00:00+01:00", fuel="petrol")
    assert body["bay"]["ref"] == "HK-0101"
    assert body["can_park"] is True
    assert body["payment"]["required_now"] is True
    assert body["payment"]["pay_until"] == "2026-10-24T18:30:00+01:00"
    assert body["until"] == "2026-10-26T12:30:00+00:00"
    assert body["max_stay"] == 240
    # Sat 17:00-18:30 and Mon 08:30-12:30: 5.5 hours at £2.45 = £13.475
    assert body["payment"]["price"] == {"amount": "13.48", "currency": "GBP"}
    assert body["next_changes"][:2] == [
        {"at": "2026-10-24T18:30:00+01:00", "can_park": True, "payment_required": False},
        {"at": "2026-10-26T08:30:00+00:00", "can_park": True, "payment_required": True},
    ]


def test_pay_and_display_for_a_planned_hour(ask) -> None:
    body = ask(MARE_STREET, at="2026-10-24T17:00:00+01:00", fuel="diesel", stay=60)
    assert body["stay_ok"] is True
    assert body["payment"]["price"] == {"amount": "2.45", "currency": "GBP"}  # one tariff for every fuel


# --- the spring clock change -------------------------------------------------------------------------------------


def test_shared_use_bay_whose_empty_hours_are_the_zone_hours(ask) -> None:
    # Fri 27 Mar 2026 17:30 GMT, diesel, no permit: pay until 18:30; 2 hours would pass the end of the hours, so the
    # stay ends in the next period, Mon 30 Mar 08:30 BST + 2 hours = 10:30 BST.
    body = ask(AMHURST_ROAD, at="2026-03-27T17:30:00Z", fuel="diesel")
    assert body["bay"]["ref"] == "HK-0102"
    assert (body["can_park"], body["max_stay"]) == (True, 120)
    assert body["payment"]["pay_until"] == "2026-03-27T18:30:00+00:00"
    assert body["until"] == "2026-03-30T10:30:00+01:00"
    # Fri 17:30-18:30 and Mon 08:30-10:30: 3 hours at the diesel £3.90
    assert body["payment"]["price"] == {"amount": "11.70", "currency": "GBP"}


def test_shared_use_bay_with_the_permit(ask) -> None:
    body = ask(AMHURST_ROAD, at="2026-03-27T17:30:00Z", permit="D")
    assert (body["can_park"], body["until"], body["payment"]["required_now"]) == (True, None, False)


def test_resident_bay_over_the_spring_weekend(ask) -> None:
    evening = ask(NAVARINO_ROAD, at="2026-03-27T19:00:00Z")
    assert (evening["can_park"], evening["until"]) == (True, "2026-03-30T08:30:00+01:00")
    monday = ask(NAVARINO_ROAD, at="2026-03-30T10:00:00+01:00")
    assert (monday["can_park"], monday["allowed_from"]) == (False, "2026-03-30T18:30:00+01:00")


def test_resident_bay_over_easter(ask) -> None:
    # Good Friday and Easter Monday are bank holidays, when the bay is not enforced: free until Tuesday 08:30.
    body = ask(NAVARINO_ROAD, at="2026-04-03T10:00:00+01:00")
    assert (body["can_park"], body["until"]) == (True, "2026-04-07T08:30:00+01:00")


def test_disabled_bay_whose_none_hours_mean_at_any_time(ask) -> None:
    car = ask(GRAHAM_ROAD, at="2026-03-29T03:00:00+01:00")
    assert (car["bay"]["ref"], car["can_park"], car["allowed_from"]) == ("HK-0104", False, None)
    badge = ask(GRAHAM_ROAD, at="2026-03-29T03:00:00+01:00", badge="blue")
    assert (badge["can_park"], badge["until"], badge["max_stay"]) == (True, None, None)


def test_car_club_bay_before_and_after_it_starts(ask) -> None:
    # START_DATE 30/03/2026: before it the bay has no rule; it starts at local midnight, already BST.
    before = ask(WILTON_WAY, at="2026-03-28T12:00:00Z")
    assert (before["bay"]["ref"], before["can_park"], before["until"]) == ("HK-0105", True, "2026-03-30T00:00:00+01:00")
    assert before["next_changes"][0] == {"at": "2026-03-30T00:00:00+01:00", "can_park": False,
                                         "payment_required": False}  # fmt: skip
    after = ask(WILTON_WAY, at="2026-03-30T12:00:00+01:00")
    assert (after["can_park"], after["allowed_from"]) == (False, None)
    club = ask(WILTON_WAY, at="2026-03-30T12:00:00+01:00", vehicle="car_club")
    assert (club["can_park"], club["until"]) == (True, None)


def test_pay_and_display_bay_on_its_last_day(ask) -> None:
    # END_DATE 31/03/2026: Tue 31 Mar 17:00 BST pays until 18:30, then the bay has no rule ever again.
    body = ask(DALSTON_LANE, at="2026-03-31T17:00:00+01:00", fuel="petrol")
    assert body["bay"]["ref"] == "HK-0106"
    assert (body["can_park"], body["until"]) == (True, None)
    assert body["payment"]["pay_until"] == "2026-03-31T18:30:00+01:00"
    assert body["payment"]["price"] == {"amount": "3.68", "currency": "GBP"}  # 1.5 hours at £2.45 = £3.675
    assert body["next_changes"] == [{"at": "2026-03-31T18:30:00+01:00", "can_park": True, "payment_required": False}]
    later = ask(DALSTON_LANE, at="2026-04-01T10:00:00+01:00")
    assert (later["can_park"], later["payment"]["required_now"], later["next_changes"]) == (True, False, [])


def test_loading_bay(ask) -> None:
    goods = ask(MARE_STREET_LOADING, at="2026-03-30T10:00:00+01:00", vehicle="goods", activity="load")
    assert (goods["bay"]["ref"], goods["can_park"], goods["until"]) == ("HK-0108", True, "2026-03-30T10:40:00+01:00")
    car = ask(MARE_STREET_LOADING, at="2026-03-30T10:00:00+01:00")
    assert (car["can_park"], car["allowed_from"]) == (False, "2026-03-30T19:00:00+01:00")


def test_the_schedule_of_the_bay_ends_with_its_last_day(client) -> None:
    # Dalston Lane, END_DATE 31/03/2026: paid Tue 31 Mar 08:30-18:30 BST, then nothing, Wed 1 Apr included
    body = client.get("/v1/bays/hackney/HK-0106/schedule",
                      query_string={"from": "2026-03-31T00:00", "to": "2026-04-02T00:00"}).get_json()  # fmt: skip
    assert [(i["start"], i["end"], i["can_park"], i["payment_required"]) for i in body["intervals"]] == [
        ("2026-03-31T00:00:00+01:00", "2026-03-31T08:30:00+01:00", True, False),
        ("2026-03-31T08:30:00+01:00", "2026-03-31T18:30:00+01:00", True, True),
        ("2026-03-31T18:30:00+01:00", "2026-04-02T00:00:00+01:00", True, False),
    ]
