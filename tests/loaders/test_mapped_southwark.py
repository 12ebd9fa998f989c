"""A fictional Southwark-style borough whose regulation is only in the sign's words (``data/mapped_southwark/``),
loaded end to end with ``parking load mapped``, and ``/v1/can-i-park`` asked about it across both clock changes of
2026. The words are read by the sign-text reader (``loaders/mapped/signtext.py``); the answers below are worked out by
hand from the words, as a driver reads the plate.

The bays (each a kerb line from the point asked about 17 m northwards; the file has no times, maximum-stay or tariff
column, so a sign without hours is in force at all times):

- SWK-1001 Rye Lane (-0.06900, 51.47000), Pay On-Street: "Pay On-Street Mon-Fri 8.30am-6.30pm and Sat
  8.30am-1.30pm Max stay 4 hours £2.45 per hour".
- SWK-1002 Lordship Lane (-0.07350, 51.45500), Pay On-Street: "Pay by phone Mon-Sat 8am-6.30pm Max stay 2 hours No
  return within 1 hour High Tariff: Electric Vehicle - £3.90, Petrol - £5.30, Diesel - £6.10".
- SWK-1003 Bellenden Road (-0.07600, 51.46800), Disabled Bay: "Disabled Bay - blue badge holders only 4 hours max
  stay Mon-Fri 8.30am-6.30pm no max stay outside these times".
- SWK-1004 Choumert Road (-0.07250, 51.46950), Permit Holders: "Permit holders only Zone E Mon-Fri 8.30am-6.30pm".
- SWK-1005 Grove Vale (-0.08100, 51.46100), Electric Vehicle: "Electric vehicles only, charging, max stay 4 hours, no
  return 2 hours".
- SWK-1006 Melbourne Grove (-0.08000, 51.45800), Shared Use: "Shared use: permit holders E or pay by phone Mon-Fri
  8.30am-6.30pm Max stay 2 hours £2.45 per hour".
- SWK-1007 East Street (-0.09300, 51.48800), Loading: "Loading only Mon-Sat 7am-7pm max 20 mins".
- SWK-1008 Zampa Road, Pay On-Street: "… Max stay 4 hours except on Millwall match days": hours nobody can read,
  so the row is refused rather than loaded as if unlimited.

Paid, permit and shared-use bays are not enforced on bank holidays. Clocks go forward on Sunday 29 March 2026 (01:00
GMT) and back on Sunday 25 October 2026 (01:00 GMT).
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

DATA = Path(__file__).parent / "data" / "mapped_southwark"

RYE_LANE = (51.47000, -0.06900)
LORDSHIP_LANE = (51.45500, -0.07350)
BELLENDEN_ROAD = (51.46800, -0.07600)
CHOUMERT_ROAD = (51.46950, -0.07250)
GROVE_VALE = (51.46100, -0.08100)
MELBOURNE_GROVE = (51.45800, -0.08000)
EAST_STREET = (51.48800, -0.09300)


@pytest.fixture(scope="module")
def loaded(committed_db_url: str):
    report = run_load(committed_db_url, "mapped", str(DATA / "southwark_bays.csv"), source="southwark",
                      mapping=str(DATA / "southwark.toml"))  # fmt: skip
    assert report.status == "succeeded", report.error
    return report


@pytest.fixture(scope="module")
def ask(loaded, committed_db_url: str) -> Iterator[Callable[..., dict[str, Any]]]:
    app = create_app(Settings(database_url=committed_db_url), testing=True)
    client = app.test_client()

    def ask(where: tuple[float, float], **params: Any) -> dict[str, Any]:
        response = client.get("/v1/can-i-park", query_string={"lat": where[0], "lon": where[1], **params})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    yield ask
    app.extensions["parking_engine"].dispose()


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "GBP"}


def test_the_file_loads_and_the_unreadable_sign_is_refused(loaded, committed_db: Db) -> None:
    assert (loaded.read, loaded.loaded, loaded.rejected) == (8, 7, 1)
    (reject,) = committed_db.rows(
        "SELECT row_number, field, reason FROM load_rejects WHERE run_id = :r", r=loaded.run_id
    )
    assert (reject["row_number"], reject["field"]) == (8, "Restriction Description")
    assert "match days" in reject["reason"]


def test_pay_on_street_over_the_spring_weekend(ask) -> None:
    # Sat 28 Mar 2026 11:00 GMT: pay until 13:30; 4 hours would pass the end of Saturday's hours, so the stay ends
    # in the next period, Mon 30 Mar 08:30 BST + 4 hours = 12:30 BST. Sat 2.5 h + Mon 4 h = 6.5 h at £2.45 = £15.925.
    body = ask(RYE_LANE, at="2026-03-28T11:00:00Z", fuel="petrol")
    assert body["bay"]["ref"] == "SWK-1001"
    assert (body["can_park"], body["max_stay"]) == (True, 240)
    assert body["payment"]["pay_until"] == "2026-03-28T13:30:00+00:00"
    assert body["until"] == "2026-03-30T12:30:00+01:00"
    assert body["payment"]["price"] == money("15.93")
    assert body["next_changes"][:2] == [
        {"at": "2026-03-28T13:30:00+00:00", "can_park": True, "payment_required": False},
        {"at": "2026-03-30T08:30:00+01:00", "can_park": True, "payment_required": True},
    ]


def test_fuel_banded_tariff_for_a_planned_stay(ask) -> None:
    # Mon 30 Mar 2026 10:00 BST, 90 minutes: diesel £6.10 an hour, electric £3.90; the 2 hours end at 12:00
    diesel = ask(LORDSHIP_LANE, at="2026-03-30T10:00:00+01:00", fuel="diesel", stay=90)
    assert diesel["bay"]["ref"] == "SWK-1002"
    assert (diesel["until"], diesel["stay_ok"], diesel["max_stay"]) == ("2026-03-30T12:00:00+01:00", True, 120)
    assert diesel["payment"]["price"] == money("9.15")
    electric = ask(LORDSHIP_LANE, at="2026-03-30T10:00:00+01:00", fuel="electric", stay=90)
    assert electric["payment"]["price"] == money("5.85")
    too_long = ask(LORDSHIP_LANE, at="2026-03-30T10:00:00+01:00", fuel="petrol", stay=150)
    assert too_long["stay_ok"] is False


def test_fuel_banded_tariff_over_the_autumn_weekend(ask) -> None:
    # Sat 24 Oct 2026 17:30 BST, petrol: pay until 18:30; the stay ends Mon 26 Oct 08:00 GMT + 2 hours = 10:00 GMT;
    # Sat 1 h + Mon 2 h = 3 h at £5.30
    body = ask(LORDSHIP_LANE, at="2026-10-24T17:30:00+01:00", fuel="petrol")
    assert body["payment"]["pay_until"] == "2026-10-24T18:30:00+01:00"
    assert body["until"] == "2026-10-26T10:00:00+00:00"
    assert body["payment"]["price"] == money("15.90")


def test_disabled_bay_whose_time_limit_has_its_own_hours(ask) -> None:
    # blue badges only at any time; 4 hours only Mon-Fri 8.30am-6.30pm. Fri 23 Oct 17:00 BST: the limit would end
    # after 18:30, so the next one counts from Mon 26 Oct 08:30 GMT: leave by 12:30 GMT.
    friday = ask(BELLENDEN_ROAD, at="2026-10-23T17:00:00+01:00", badge="blue")
    assert friday["bay"]["ref"] == "SWK-1003"
    assert (friday["can_park"], friday["max_stay"], friday["until"]) == (True, 240, "2026-10-26T12:30:00+00:00")
    saturday = ask(BELLENDEN_ROAD, at="2026-10-24T12:00:00+01:00", badge="blue")
    assert (saturday["can_park"], saturday["max_stay"], saturday["until"]) == (True, None, "2026-10-26T12:30:00+00:00")
    no_badge = ask(BELLENDEN_ROAD, at="2026-10-24T12:00:00+01:00")
    assert (no_badge["can_park"], no_badge["allowed_from"]) == (False, None)


def test_permit_bay_with_the_zone_in_the_words(ask) -> None:
    without = ask(CHOUMERT_ROAD, at="2026-03-30T10:00:00+01:00")
    assert (without["bay"]["ref"], without["can_park"]) == ("SWK-1004", False)
    assert without["allowed_from"] == "2026-03-30T18:30:00+01:00"
    holder = ask(CHOUMERT_ROAD, at="2026-03-30T10:00:00+01:00", permit="E")
    assert (holder["can_park"], holder["until"]) == (True, None)


def test_charging_bay_across_the_spring_gap(ask) -> None:
    # Sat 28 Mar 2026 23:00 GMT + 4 hours of elapsed time = 03:00 GMT = 04:00 BST (the clocks skip 01:00-02:00)
    body = ask(GROVE_VALE, at="2026-03-28T23:00:00Z", fuel="electric")
    assert body["bay"]["ref"] == "SWK-1005"
    assert (body["can_park"], body["until"]) == (True, "2026-03-29T04:00:00+01:00")
    petrol = ask(GROVE_VALE, at="2026-03-28T23:00:00Z", fuel="petrol")
    assert (petrol["can_park"], petrol["allowed_from"]) == (False, None)


def test_shared_use_paying_or_with_the_permit(ask) -> None:
    # Fri 27 Mar 2026 17:00 GMT: pay until 18:30; the 2 hours end Mon 30 Mar 08:30 BST + 2 h = 10:30 BST;
    # Fri 1.5 h + Mon 2 h = 3.5 h at £2.45 = £8.575
    paying = ask(MELBOURNE_GROVE, at="2026-03-27T17:00:00Z", fuel="petrol")
    assert paying["bay"]["ref"] == "SWK-1006"
    assert paying["payment"]["pay_until"] == "2026-03-27T18:30:00+00:00"
    assert paying["until"] == "2026-03-30T10:30:00+01:00"
    assert paying["payment"]["price"] == money("8.58")
    holder = ask(MELBOURNE_GROVE, at="2026-03-27T17:00:00Z", permit="E")
    assert (holder["can_park"], holder["until"], holder["payment"]["required_now"]) == (True, None, False)


def test_loading_bay_limit_binds_loading(ask) -> None:
    goods = ask(EAST_STREET, at="2026-03-30T10:00:00+01:00", vehicle="goods", activity="load")
    assert (goods["bay"]["ref"], goods["can_park"], goods["until"]) == ("SWK-1007", True, "2026-03-30T10:20:00+01:00")
    car = ask(EAST_STREET, at="2026-03-30T10:00:00+01:00")
    assert (car["can_park"], car["allowed_from"]) == (False, "2026-03-30T19:00:00+01:00")
