"""``GET /v1/can-i-park`` on the bundled Camden data, with answers worked out by hand from the signs.

The bays, as the bundled file (``loaders/data/camden/camden_parking_bays_7hiv-3r9k_2020-02.json``) writes them:

- 46047061, Elizabeth Mews, CA-B: "resident permit holders only", "mon-fri 09:00-18:30, sat 09:30-13:30", permits
  CA-B; a kerb line from (-0.1620474, 51.5463473) to (-0.1621201, 51.5464020); the next bay is ~13 m away.
- 46042958, Bedford Row, CA-D: "paid-for", "mon-fri 08:30-18:30, sat 08:30-13:30", "2 hours",
  "£5.70 (non-diesel) / £6.93 (diesel)"; the next bay is ~120 m away.
- 46043252, Bidborough Street, CA-D (green-badge area): "resident permit holders only", "mon-fri 08:30-18:30,
  sat 08:30-13:30", permits CA-D.
- 46126601 and 46126603, Royal College Street, CA-G, both point-only at (-0.134474, 51.536533): "resident permit
  holders only", "mon-fri 08:30-18:30", permits CA-G; and "paid-for", "mon-fri 08:30-18:30", "4 hours",
  "£4.15 (non-diesel) / £5.04 (diesel)". The next bay is 42 m away.
- 46129384 and 46129385, Grafton Way, both point-only at (-0.137055, 51.523897): "taxi rank", "at any time"; and
  "paid-for", "mon-sat 08:30-18:30", "2 hours", "£5.70 (non-diesel) / £6.93 (diesel)".

Zones (``camden_cpz.geojson``): CA-F(n) controlled Mon-Fri 08:30-23:00; CA-F(s) Mon-Fri 08:30-18:30. Bank holidays
(England): Mon 31 Aug 2026, Fri 25 Dec, Sat 26 Dec and Mon 28 Dec 2026 (substitute). Clocks go forward on Sun 29 Mar
2026 at 01:00 UTC and back on Sun 25 Oct 2026 at 01:00 UTC.
"""

from __future__ import annotations

import pytest

from .support import (
    BEDFORD_ROW,
    BIDBOROUGH_STREET,
    CA_F_NORTH,
    CA_F_SOUTH,
    ELIZABETH_MEWS,
    GRAFTON_WAY,
    NOWHERE,
    ROYAL_COLLEGE_STREET,
    Spot,
    money,
)

MONDAY_10 = "2026-03-02T10:00:00Z"  # Monday 2 March 2026, GMT


# --- resident bays -----------------------------------------------------------------------------------------------


def test_resident_bay_on_a_monday_morning_without_a_permit(ask):
    body = ask(ELIZABETH_MEWS, at=MONDAY_10)
    assert body["basis"] == "bay"
    assert body["bay"]["source"] == "camden"
    assert body["bay"]["ref"] == "46047061"
    assert body["bay"]["type"] == "resident permit holders only"
    assert body["bay"]["road"] == "Elizabeth Mews"
    assert body["bay"]["zone"] == "CA-B"
    assert body["bay"]["geometry"]["type"] == "LineString"
    assert body["bay"]["distance_m"] < 1
    # permit-only until the end of Monday's hours (18:30); then free
    assert body["can_park"] is False
    assert body["until"] is None
    assert body["allowed_from"] == "2026-03-02T18:30:00+00:00"
    assert body["at"] == "2026-03-02T10:00:00+00:00"
    assert "CA-B" in body["reason"]
    assert body["next_changes"][0] == {"at": "2026-03-02T18:30:00+00:00", "can_park": True, "payment_required": False}
    assert body["next_changes"][1] == {"at": "2026-03-03T09:00:00+00:00", "can_park": False, "payment_required": False}
    assert body["payment"] == {
        "required_now": False, "pay_until": None, "tariffs": [], "price": None, "pay_by_phone": None
    }  # fmt: skip
    assert body["candidates"] == []  # nothing else within 10 m
    assert body["ambiguous"] is False
    assert body["zone"]["code"] == "CA-B"
    assert "Open Government Licence" in body["attribution"]
    assert body["data_as_of"].startswith("2020-02-09")
    assert any("yellow lines" in c for c in body["caveats"])
    assert any(rule["in_effect"] for rule in body["rules"])


@pytest.mark.parametrize("permit", ["CA-B", "cab", "CA_B", "ca-b"])
def test_resident_bay_with_the_right_permit(ask, permit):
    body = ask(ELIZABETH_MEWS, at=MONDAY_10, permit=permit)
    assert body["can_park"] is True
    assert body["until"] is None  # the permit covers every controlled period of the week: no end in the horizon
    assert body["allowed_from"] is None
    assert body["max_stay"] is None
    assert body["payment"]["required_now"] is False
    assert body["alternatives"] == []  # only offered when the answer is no


def test_resident_bay_with_another_zones_permit(ask):
    body = ask(ELIZABETH_MEWS, at=MONDAY_10, permit=["CA-C", "BUSA"])
    assert body["can_park"] is False
    assert body["allowed_from"] == "2026-03-02T18:30:00+00:00"


def test_resident_bay_saturday_hours(ask):
    # Saturday 7 March 2026 11:00: inside "sat 09:30-13:30"
    body = ask(ELIZABETH_MEWS, at="2026-03-07T11:00:00Z")
    assert body["can_park"] is False
    assert body["allowed_from"] == "2026-03-07T13:30:00+00:00"
    # Sunday: no hours at all, free until Monday 09:00
    body = ask(ELIZABETH_MEWS, at="2026-03-08T11:00:00Z")
    assert body["can_park"] is True
    assert body["until"] == "2026-03-09T09:00:00+00:00"


def test_alternatives_when_the_answer_is_no(ask, api):
    body = ask(ELIZABETH_MEWS, at=MONDAY_10)
    alternatives = body["alternatives"]
    assert alternatives, "paid bays within 300 m should be offered"
    distances = [a["distance_m"] for a in alternatives]
    assert distances == sorted(distances)
    assert all(d <= 300 for d in distances)
    assert all(a["ref"] != "46047061" for a in alternatives)
    for alt in alternatives:
        assert alt["can_park"] is True
        assert alt["geometry"]["type"] in {"Point", "LineString", "MultiLineString", "Polygon"}
        # each alternative's own answer, asked directly, agrees
        status = api.get(f"/v1/bays/camden/{alt['ref']}", query_string={"at": MONDAY_10}).get_json()
        assert status["properties"]["status"]["can_park"] is True
        assert status["properties"]["status"]["until"] == alt["until"]


# --- blue and green badges ---------------------------------------------------------------------------------------


def test_blue_badge_in_a_resident_bay_outside_the_green_badge_area(ask):
    body = ask(ELIZABETH_MEWS, at=MONDAY_10, badge="blue")
    assert body["can_park"] is True  # Camden: free and without time limit in residents' bays
    assert body["until"] is None
    assert body["max_stay"] is None
    assert body["payment"]["required_now"] is False


def test_blue_badge_in_a_resident_bay_inside_the_green_badge_area(ask):
    # CA-D is in the green-badge area: a blue badge gives no concession there, a green one does
    body = ask(BIDBOROUGH_STREET, at=MONDAY_10, badge="blue")
    assert body["bay"]["ref"] == "46043252"
    assert body["can_park"] is False
    assert body["allowed_from"] == "2026-03-02T18:30:00+00:00"
    body = ask(BIDBOROUGH_STREET, at=MONDAY_10, badge="green")
    assert body["can_park"] is True
    assert body["until"] is None


# --- paid bays ---------------------------------------------------------------------------------------------------


def test_paid_bay_entered_at_half_past_five(ask):
    # Monday 17:30: pay until 18:30, free overnight, and the 2-hour max stay counts again from 08:30 on Tuesday
    body = ask(BEDFORD_ROW, at="2026-03-02T17:30:00Z", fuel="petrol")
    assert body["bay"]["ref"] == "46042958"
    assert body["bay"]["type"] == "paid-for"
    assert body["can_park"] is True
    assert body["until"] == "2026-03-03T10:30:00+00:00"
    assert body["max_stay"] == 120
    assert body["payment"]["required_now"] is True
    assert body["payment"]["pay_until"] == "2026-03-02T18:30:00+00:00"
    # petrol pays the non-diesel rate, £5.70/h, for the charged minutes up to `until`: 17:30-18:30 and 08:30-10:30
    assert body["payment"]["price"] == money("17.10")
    assert body["payment"]["tariffs"] == [
        {"fuel": "non-diesel", "per_hour": money("5.70")},
        {"fuel": "diesel", "per_hour": money("6.93")},
    ]
    assert body["next_changes"][0] == {"at": "2026-03-02T18:30:00+00:00", "can_park": True, "payment_required": False}
    assert body["next_changes"][1] == {"at": "2026-03-03T08:30:00+00:00", "can_park": True, "payment_required": True}


@pytest.mark.parametrize(
    ("fuel", "stay", "price"),
    [
        ("petrol", 60, "5.70"),  # one hour at £5.70
        ("electric", 30, "2.85"),  # electric pays the non-diesel rate
        ("diesel", 60, "6.93"),
        ("diesel", 45, "5.20"),  # 45/60 x £6.93 = £5.1975, rounded half up
        ("diesel", 1, "0.12"),  # £0.1155 rounds up to 12p
    ],
)
def test_paid_bay_price_of_a_stay(ask, fuel, stay, price):
    body = ask(BEDFORD_ROW, at="2026-03-02T10:00:00Z", fuel=fuel, stay=stay)
    assert body["stay"] == stay
    assert body["stay_ok"] is True
    assert body["payment"]["price"] == money(price)


def test_paid_bay_without_fuel_lists_the_tariffs_but_no_price(ask):
    body = ask(BEDFORD_ROW, at="2026-03-02T10:00:00Z", stay=60)
    assert body["payment"]["price"] is None
    assert {t["fuel"] for t in body["payment"]["tariffs"]} == {"non-diesel", "diesel"}


def test_paid_bay_stay_longer_than_the_max_stay(ask):
    # Monday 10:00 with the 2-hour limit: until 12:00; a 3-hour stay does not fit
    body = ask(BEDFORD_ROW, at="2026-03-02T10:00:00Z", stay=180, fuel="petrol")
    assert body["can_park"] is True
    assert body["until"] == "2026-03-02T12:00:00+00:00"
    assert body["stay_ok"] is False
    assert body["payment"]["price"] == money("11.40")  # only the 2 hours one can pay for
    for alt in body["alternatives"]:  # offered because the stay does not fit; each fits the whole stay
        assert alt["ref"] != "46042958"
        assert alt["until"] is None or alt["until"] >= "2026-03-02T13:00:00+00:00"


def test_paid_bay_overnight_stay_that_fits(ask):
    # 17:30 + 1000 minutes = Tuesday 10:10, before the 10:30 deadline
    body = ask(BEDFORD_ROW, at="2026-03-02T17:30:00Z", stay=1000, fuel="petrol")
    assert body["stay_ok"] is True
    # charged: 17:30-18:30 (60 min) and 08:30-10:10 (100 min) = 160 min at £5.70/h = £15.20
    assert body["payment"]["price"] == money("15.20")


# --- bank holidays and clock changes ------------------------------------------------------------------------------


def test_resident_bay_not_enforced_on_the_august_bank_holiday(ask):
    body = ask(ELIZABETH_MEWS, at="2026-08-31T10:00:00")  # naive: London time, BST
    assert body["at"] == "2026-08-31T10:00:00+01:00"
    assert body["can_park"] is True
    assert body["until"] == "2026-09-01T09:00:00+01:00"  # enforced again on Tuesday morning


def test_resident_bay_not_enforced_on_the_boxing_day_substitute(ask):
    body = ask(ELIZABETH_MEWS, at="2026-12-28T10:00:00+00:00")
    assert body["can_park"] is True
    assert body["until"] == "2026-12-29T09:00:00+00:00"
    # the paid bay is not enforced either: free, no payment
    body = ask(BEDFORD_ROW, at="2026-12-28T10:00:00+00:00")
    assert body["can_park"] is True
    assert body["payment"]["required_now"] is False


def test_until_across_the_autumn_clock_change_carries_the_new_offset(ask):
    # Saturday 24 October 2026 14:00 BST, after the Saturday hours: free until Monday 09:00, which is GMT
    body = ask(ELIZABETH_MEWS, at="2026-10-24T14:00")
    assert body["at"] == "2026-10-24T14:00:00+01:00"
    assert body["can_park"] is True
    assert body["until"] == "2026-10-26T09:00:00+00:00"


def test_until_across_the_spring_clock_change_carries_the_new_offset(ask):
    body = ask(ELIZABETH_MEWS, at="2026-03-28T14:00:00Z")
    assert body["until"] == "2026-03-30T09:00:00+01:00"


def test_naive_time_in_the_spring_gap_is_a_400_naming_at(api):
    response = api.get("/v1/can-i-park", query_string=ELIZABETH_MEWS.query(at="2026-03-29T01:30"))
    assert response.status_code == 400
    problem = response.get_json(force=True)
    assert [p["name"] for p in problem["invalid_params"]] == ["at"]


def test_naive_time_in_the_autumn_fold_is_its_first_occurrence(ask):
    body = ask(ELIZABETH_MEWS, at="2026-10-25T01:30")
    assert body["at"] == "2026-10-25T01:30:00+01:00"


def test_an_instant_with_an_offset_is_answered_in_local_time(ask):
    body = ask(ELIZABETH_MEWS, at="2026-03-02T11:00:00+01:00")  # = 10:00 in London
    assert body["at"] == "2026-03-02T10:00:00+00:00"
    assert body["can_park"] is False


# --- two bays at the same spot ------------------------------------------------------------------------------------


def test_two_bays_at_the_same_spot_without_a_permit(ask):
    # Monday 10:00, no permit. Both bays are at distance 0. The resident bay's rules are in effect and none is for
    # this driver: its implied prohibition (priority of its highest rule in effect, 10) outranks the paid bay's
    # paying rule (50), so the answer is no, until 18:30; the paid bay is a candidate (so not also an alternative),
    # and the answer is ambiguous: the two bays at the spot disagree.
    body = ask(ROYAL_COLLEGE_STREET, at=MONDAY_10)
    assert body["bay"]["ref"] == "46126601"
    assert body["can_park"] is False
    assert body["allowed_from"] == "2026-03-02T18:30:00+00:00"
    paid = [c for c in body["candidates"] if c["ref"] == "46126603"]
    assert paid and paid[0]["can_park"] is True and paid[0]["payment_required"] is True
    assert paid[0]["until"] == "2026-03-02T14:00:00+00:00"  # 10:00 + 4 hours, within the 08:30-18:30 hours
    assert paid[0]["distance_m"] == 0
    assert paid[0]["geometry"]["type"] == "Point"
    assert "46126603" not in [a["ref"] for a in body["alternatives"]]
    assert body["ambiguous"] is True


def test_two_bays_at_the_same_spot_with_the_permit(ask):
    # the permit rule (20) outranks the paying rule (50): free, no max stay
    body = ask(ROYAL_COLLEGE_STREET, at=MONDAY_10, permit="CA-G")
    assert body["bay"]["ref"] == "46126601"
    assert body["can_park"] is True
    assert body["until"] is None
    assert body["payment"]["required_now"] is False


def test_two_bays_at_the_same_spot_outside_hours_take_the_earlier_until(ask):
    # Monday 19:00: neither bay has a rule in effect. Resident bay: free until Tuesday 08:30; paid bay: free, then
    # paying from 08:30 with a 4-hour limit, until 12:30. The earlier until (the resident bay's) wins.
    body = ask(ROYAL_COLLEGE_STREET, at="2026-03-02T19:00:00Z")
    assert body["can_park"] is True
    assert body["bay"]["ref"] == "46126601"
    assert body["until"] == "2026-03-03T08:30:00+00:00"
    other = next(c for c in body["candidates"] if c["ref"] == "46126603")
    assert other["until"] == "2026-03-03T12:30:00+00:00"


def test_a_taxi_rank_and_a_paid_bay_at_the_same_spot_give_the_safe_answer(ask):
    # Monday 10:00, petrol. Nobody may stop on a taxi rank at any time; the paid bay next to it would take payment.
    # Evaluated together, the taxi rank's no-stopping wins: the driver is told no (and never "from" a time, since
    # the rank is "at any time"), with the paid bay 0 m away shown as a candidate allowed until 12:00.
    body = ask(GRAFTON_WAY, at=MONDAY_10, fuel="petrol")
    assert body["bay"]["ref"] == "46129384"
    assert body["bay"]["type"] == "taxi rank"
    assert body["can_park"] is False
    assert body["allowed_from"] is None
    (paid,) = [c for c in body["candidates"] if c["ref"] == "46129385"]
    assert paid["can_park"] is True and paid["until"] == "2026-03-02T12:00:00+00:00"
    assert "46129385" not in [a["ref"] for a in body["alternatives"]]
    assert body["ambiguous"] is True


# --- zone defaults and no data ------------------------------------------------------------------------------------


def test_zone_default_in_camden_town_north_at_ten_at_night(ask):
    body = ask(CA_F_NORTH, at="2026-03-02T22:00:00Z")
    assert body["basis"] == "zone_default"
    assert body["bay"] is None
    assert body["candidates"] == []
    assert body["zone"]["code"] == "CA-F"
    assert body["zone"]["sub_zone"] == "CA-F(n)"
    assert body["zone"]["hours"]["monday_to_friday"] == "08:30-23:00"
    assert body["can_park"] is False
    assert body["allowed_from"] == "2026-03-02T23:00:00+00:00"
    assert "not a marked bay" in body["reason"]
    assert any("loading" in c.lower() for c in body["caveats"])


def test_zone_default_in_camden_town_south_at_ten_at_night(ask):
    body = ask(CA_F_SOUTH, at="2026-03-02T22:00:00Z")
    assert body["basis"] == "zone_default"
    assert body["zone"]["sub_zone"] == "CA-F(s)"
    assert body["can_park"] is True  # controlled only until 18:30
    assert body["until"] == "2026-03-03T08:30:00+00:00"


def test_no_data_far_away(ask):
    body = ask(NOWHERE, at=MONDAY_10)
    assert body["basis"] == "no_data"
    assert body["can_park"] is None
    assert body["until"] is None and body["allowed_from"] is None
    assert body["bay"] is None and body["zone"] is None
    assert body["candidates"] == [] and body["alternatives"] == []
    assert body["caveats"]
    assert "no parking data" in body["reason"].lower()


def test_accuracy_decides_whether_a_bay_is_a_candidate(ask, api_app):
    from sqlalchemy import text

    from parking_api.store.db import get_engine

    # 30 m due north of Bedford Row's bay (120 m from any other bay): measure the exact distance first
    point = Spot(BEDFORD_ROW.lat + 30 / 111_195, BEDFORD_ROW.lon)
    with api_app.app_context(), get_engine(api_app).connect() as conn:
        distance = conn.execute(
            text(
                "SELECT ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) "
                "FROM places p WHERE p.ref = '46042958'"
            ),
            point.query(),
        ).scalar_one()
    assert 20 < distance < 35
    near = ask(point, at=MONDAY_10, accuracy=distance + 1)
    assert near["basis"] == "bay" and near["bay"]["ref"] == "46042958"
    far = ask(point, at=MONDAY_10, accuracy=distance - 1)
    assert far["basis"] == "zone_default"
    assert far["bay"] is None


def test_default_at_is_now(ask):
    body = ask(ELIZABETH_MEWS)
    assert body["at"].endswith(("+00:00", "+01:00"))
    assert body["basis"] == "bay"
