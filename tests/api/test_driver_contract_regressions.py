"""Regressions found by acceptance testing ``/v1/can-i-park`` and ``/v1/bays/{source}/{ref}`` against the driver
contract, on the bundled Camden data. Expected values are worked out by hand from the signs as the bundled file
(``loaders/data/camden/camden_parking_bays_7hiv-3r9k_2020-02.json``) writes them:

- 46047061, Elizabeth Mews, CA-B: "resident permit holders only", "mon-fri 09:00-18:30, sat 09:30-13:30", permits
  CA-B (the middle of its kerb line is ``ELIZABETH_MEWS``).
- 46042958, Bedford Row, CA-D: "paid-for", "mon-fri 08:30-18:30, sat 08:30-13:30", "2 hours",
  "£5.70 (non-diesel) / £6.93 (diesel)".

Around Christmas 2026 the calendar (``holidays``, England) lists Friday 25 December, Saturday 26 December (Boxing
Day itself) and Monday 28 December (its substitute); the service counts the weekend-dated day and the substitute
alike, so a bay not enforced on bank holidays is free on both.
"""

from __future__ import annotations

import pytest

from .support import BEDFORD_ROW, ELIZABETH_MEWS, money

BOTH_TARIFFS = [
    {"fuel": "non-diesel", "per_hour": money("5.70")},
    {"fuel": "diesel", "per_hour": money("6.93")},
]


@pytest.fixture(scope="module")
def past_suspension(loaded_db_url, tmp_path_factory):
    """Bedford Row's paid bay suspended on Monday 1 March 2021 from 09:00 to 17:00 (London time, GMT then)."""
    from loaders.runner import run_load

    path = tmp_path_factory.mktemp("suspensions") / "suspensions.csv"
    path.write_text("source,ref,start,end,reason,id\ncamden,46042958,2021-03-01T09:00,2021-03-01T17:00,Crane,S9\n")
    report = run_load(loaded_db_url, "suspensions", str(path), source="camden")
    assert report.ok and report.loaded == 1, report.to_dict()


# --- an offset whose "+" was not percent-encoded --------------------------------------------------------------------


def test_an_unencoded_plus_in_the_offset_is_still_the_offset(api):
    # A client writing `at=2026-03-02T11:00:00+01:00` into the URL sends a "+" that decodes as a space.
    # 11:00+01:00 is 10:00 in London (GMT): inside Monday's 09:00-18:30, no permit, so not allowed until 18:30.
    query = "lat={lat}&lon={lon}&at=2026-03-02T11:00:00+01:00".format(**ELIZABETH_MEWS.query())
    response = api.get(f"/v1/can-i-park?{query}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["at"] == "2026-03-02T10:00:00+00:00"
    assert body["can_park"] is False
    assert body["allowed_from"] == "2026-03-02T18:30:00+00:00"


def test_the_friday_evening_case_with_an_unencoded_plus(api):
    # Fri 23 Oct 2026 19:00 BST: after Friday's hours; free until Saturday's 09:30 (still BST)
    query = "lat={lat}&lon={lon}&at=2026-10-23T19:00:00+01:00".format(**ELIZABETH_MEWS.query())
    body = api.get(f"/v1/can-i-park?{query}").get_json()
    assert body["at"] == "2026-10-23T19:00:00+01:00"
    assert body["can_park"] is True
    assert body["until"] == "2026-10-24T09:30:00+01:00"


def test_schedule_from_with_an_unencoded_plus(api):
    response = api.get("/v1/bays/camden/46047061/schedule?from=2026-03-02T01:00:00+01:00&to=2026-03-03T00:00:00Z")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["from"] == "2026-03-02T00:00:00+00:00"


# --- a paid bay before its hours still shows its tariffs ------------------------------------------------------------


def test_paid_bay_before_its_hours_lists_the_tariffs_without_a_fuel(ask):
    # Monday 2 March 2026 07:00 GMT: free until 08:30, then paying with the 2-hour limit: until 10:30
    body = ask(BEDFORD_ROW, at="2026-03-02T07:00:00Z")
    assert body["bay"]["ref"] == "46042958"
    assert body["can_park"] is True
    assert body["until"] == "2026-03-02T10:30:00+00:00"
    # the file's cashless_identifier for this bay is 13971: the pay-by-phone location code (no provider configured)
    assert body["payment"] == {
        "required_now": False,
        "pay_until": None,
        "tariffs": BOTH_TARIFFS,
        "price": None,
        "pay_by_phone": {"provider": None, "location_code": "13971"},
    }


def test_paid_bay_before_its_hours_prices_the_charged_minutes(ask):
    # petrol, no stay: charged 08:30-10:30 (up to `until`) = 2 h at £5.70 = £11.40
    body = ask(BEDFORD_ROW, at="2026-03-02T07:00:00Z", fuel="petrol")
    assert body["payment"]["tariffs"] == BOTH_TARIFFS
    assert body["payment"]["price"] == money("11.40")
    # diesel, a 2-hour stay 07:00-09:00: charged 08:30-09:00 = 30 min at £6.93/h = £3.465, half up £3.47
    body = ask(BEDFORD_ROW, at="2026-03-02T07:00:00Z", fuel="diesel", stay=120)
    assert body["stay_ok"] is True
    assert body["payment"]["price"] == money("3.47")


# --- Saturday 26 December 2026, Boxing Day itself ------------------------------------------------------------------


def test_saturday_26_december_2026_is_not_enforced_in_a_resident_bay(ask):
    # Boxing Day on a Saturday is a bank holiday, like its Monday substitute: the resident bay's Saturday 09:30-13:30
    # hours are not enforced; no hours on Sunday; Monday 28 is the substitute; the next hours are Tuesday 09:00
    body = ask(ELIZABETH_MEWS, at="2026-12-26T10:00")
    assert body["at"] == "2026-12-26T10:00:00+00:00"
    assert body["can_park"] is True
    assert body["until"] == "2026-12-29T09:00:00+00:00"


def test_saturday_26_december_2026_is_free_in_a_paid_bay(ask):
    # not enforced on Saturday, Sunday has no hours, Monday 28 is the substitute: paying from Tuesday 08:30, 2 hours
    # max: until 10:30; petrol 08:30-10:30 = 2 h at £5.70 = £11.40
    body = ask(BEDFORD_ROW, at="2026-12-26T10:00", fuel="petrol")
    assert body["can_park"] is True
    assert body["payment"]["required_now"] is False
    assert body["until"] == "2026-12-29T10:30:00+00:00"
    assert body["payment"]["price"] == money("11.40")


def test_the_reason_says_a_bank_holiday_lifts_the_bay(ask):
    body = ask(ELIZABETH_MEWS, at="2026-08-31T10:00")
    assert body["can_park"] is True
    assert "bank holiday" in body["reason"].lower()
    body = ask(ELIZABETH_MEWS, at="2026-12-28T10:00")
    assert "bank holiday" in body["reason"].lower()


# --- a bay's detail at a past instant lists the suspension that explains its status ---------------------------------


def test_bay_detail_at_a_past_instant_lists_the_suspension_in_force(api, past_suspension):
    response = api.get("/v1/bays/camden/46042958", query_string={"at": "2021-03-01T10:00:00Z"})
    assert response.status_code == 200
    props = response.get_json()["properties"]
    assert props["status"]["can_park"] is False
    assert props["status"]["allowed_from"] == "2021-03-01T17:00:00+00:00"
    assert props["suspensions"] == [
        {"start": "2021-03-01T09:00:00+00:00", "end": "2021-03-01T17:00:00+00:00", "reason": "Crane"}
    ]
