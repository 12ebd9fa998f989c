"""``parking mapping draft``: a starting mapping from a file's columns, and the officer's path — draft, edit only the
``[types]`` table, load end to end, ask ``/v1/can-i-park`` (answers worked out by hand, as in
``test_mapped_hackney.py``, whose docstring lists the bays)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from loaders.mapping_cli import mapping as mapping_command
from loaders.runner import run_load
from parking_api.app import create_app
from parking_api.settings import Settings

DATA = Path(__file__).parent / "data"
HACKNEY = DATA / "mapped_hackney" / "hackney_bays.geojson"
SOUTHWARK = DATA / "mapped_southwark" / "southwark_bays.csv"
ISLINGTON_CSV = DATA / "mapped_islington" / "islington_bays.csv"
ISLINGTON_GEOJSON = DATA / "mapped_islington" / "islington_bays.geojson"
CAMDEN_JSON = Path(__file__).resolve().parents[2] / "loaders" / "data" / "camden" / (
    "camden_parking_bays_7hiv-3r9k_2020-02.json")  # fmt: skip


def drafted(path: Path, *args: str) -> str:
    result = CliRunner().invoke(mapping_command, ["draft", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


# --- what the draft guesses ----------------------------------------------------------------------------------------


def test_a_geojson_of_points_with_its_own_no_value_marker() -> None:
    draft = tomllib.loads(drafted(HACKNEY))
    assert draft["source"]["format"] == "geojson"
    assert (draft["source"]["timezone"], draft["source"]["holidays"]) == ("Europe/London", "GB-ENG")
    assert draft["source"]["also_missing"] == ["(None)"]
    assert draft["fields"] == {
        "ref": "BAY_ID", "restriction_type": "BAY_TYPE", "times": "HOURS", "max_stay": "MAX_STAY",
        "tariff": "TARIFF", "permits": "PERMITS", "road": "STREET", "zone": "CPZ", "spaces": "NO_OF_SPACES",
        "length": "BAY_LENGTH_M", "date_from": "START_DATE", "date_to": "END_DATE",
    }  # fmt: skip
    assert draft["geometry"] == [{"feature": True, "search_radius_m": 5, "reach_from_size": True}]
    assert sorted(draft["types"]) == sorted(["Pay & Display", "Resident Permit", "Shared Use", "Disabled",
                                             "Car Club", "Motorcycle", "Loading Bay", "Electric Vehicle Charging",
                                             "Doctor"])  # fmt: skip


def test_the_draft_says_what_to_check() -> None:
    text = drafted(HACKNEY)
    assert 'timezone = "Europe/London"  # check' in text
    assert 'holidays = "GB-ENG"  # check: England\'s bank holidays' in text
    assert "# 6 rows have no HOURS" in text and '# "(None)" = "at any time"' in text
    assert "#   BAY_TYPE" in text and "'Pay & Display' (2)" in text  # the columns and their most common values


def test_a_csv_whose_regulation_is_in_the_sign_words() -> None:
    draft = tomllib.loads(drafted(SOUTHWARK))
    assert draft["fields"] == {"ref": "Bay Ref", "restriction_type": "Bay Type", "sign_text": "Restriction Description",
                               "road": "Street", "spaces": "Spaces"}  # fmt: skip
    assert draft["geometry"] == [{"wkt": "Geometry", "crs": 4326}]
    # each type shows the officer its commonest wordings, to read its plate from
    assert "\n# Restriction Description: 'Permit holders only Zone E Mon-Fri 8.30am-6.30pm' (1)\n" in drafted(SOUTHWARK)


def test_a_semicolon_separated_windows_csv_on_the_british_grid() -> None:
    draft = tomllib.loads(drafted(ISLINGTON_CSV))
    assert (draft["source"]["format"], draft["source"]["encoding"], draft["source"]["delimiter"]) == (
        "csv", "cp1252", ";",
    )  # fmt: skip
    assert draft["fields"]["ref"] == "Bay ID" and draft["fields"]["tariff"] == "Charge"
    assert draft["geometry"] == [
        {"wkt": "Geometry (EPSG:27700)", "crs": 27700},
        {"x": "Easting", "y": "Northing", "crs": 27700, "search_radius_m": 5},
    ]


def test_camel_case_columns_and_camden_json_records() -> None:
    islington = tomllib.loads(drafted(ISLINGTON_GEOJSON))
    assert (islington["fields"]["ref"], islington["fields"]["times"], islington["fields"]["permits"]) == (
        "BayRef", "OperatingHours", "PermitZones",
    )  # fmt: skip
    camden = tomllib.loads(drafted(CAMDEN_JSON))
    assert camden["source"]["format"] == "json-records"
    shipped = tomllib.loads((Path(__file__).resolve().parents[2] / "loaders" / "mappings" / "camden.toml").read_text())
    assert camden["fields"] == {k: v for k, v in shipped["fields"].items() if k != "attributes"}
    assert [g.get("wkt") or g.get("x") for g in camden["geometry"]] == [
        "epsg_4326_well_known_text_geometry", "epsg_27700_well_known_text_geometry", "longitude", "easting",
    ]  # fmt: skip


def test_another_time_zone_leaves_the_calendar_to_the_officer() -> None:
    text = drafted(HACKNEY, "--timezone", "America/New_York")
    assert 'timezone = "America/New_York"' in text
    assert "\nholidays = " not in text and '\n# holidays = "…"' in text


def test_bad_input_is_a_clear_error() -> None:
    bad_zone = CliRunner().invoke(mapping_command, ["draft", str(HACKNEY), "--timezone", "Europe/Camden"])
    assert bad_zone.exit_code == 2 and "'Europe/Camden' is not an IANA time zone" in bad_zone.output
    missing = CliRunner().invoke(mapping_command, ["draft", str(DATA / "nowhere.csv")])
    assert missing.exit_code == 1 and "cannot draft a mapping" in missing.output


# --- the officer's path: draft, edit only [types], load, ask -------------------------------------------------------

OFFICER_TYPES = """\
[types."Pay & Display"]
category = "paid"
park = ["everyone"]
pays = true
enforced_on_bank_holidays = false
blue_badge = true

[types."Shared Use"]
category = "shared_use_resident"
park = ["permit", "everyone"]
pays = ["everyone"]
max_stay_binds = ["everyone"]
enforced_on_bank_holidays = false
blue_badge = true
times = "Mon-Fri 8.30am-6.30pm"  # the Zone D hours: the file leaves them empty

[types."Resident Permit"]
category = "resident_permit"
park = ["permit"]
enforced_on_bank_holidays = false
blue_badge = true

[types.Disabled]
category = "disabled_blue_badge"
park = ["blue_badge"]
times = "at any time"  # the file writes (None)

[types."Car Club"]
category = "car_club"
park = ["car_club"]
times = "at any time"

[types.Motorcycle]
category = "motorcycle"
park = ["motorcycle"]
times = "at any time"

[types."Loading Bay"]
category = "loading"
load = ["goods"]

[types."Electric Vehicle Charging"]
category = "ev_charging"
park = ["electric"]
times = "at any time"

[types.Doctor]
category = "doctor"
park = ["doctor"]
times = "at any time"
"""


@pytest.mark.committed
def test_the_draft_loads_after_editing_only_the_type_table(tmp_path: Path, committed_db_url: str) -> None:
    text = drafted(HACKNEY)
    head, _types = text.split("\n# One table per value of BAY_TYPE", 1)
    assert "\n[types" not in head  # everything the officer leaves alone comes before the type table
    (tmp_path / "hackney.toml").write_text(head + "\n\n" + OFFICER_TYPES)
    report = run_load(committed_db_url, "mapped", str(HACKNEY), source="hackney-drafted",
                      mapping=str(tmp_path / "hackney.toml"))  # fmt: skip
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected) == (11, 10, 1)  # the bay dated 31/02/2026

    app = create_app(Settings(database_url=committed_db_url), testing=True)
    client = app.test_client()

    def ask(lat: float, lon: float, **params: str) -> dict:
        response = client.get("/v1/can-i-park", query_string={"lat": lat, "lon": lon, **params})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    try:
        # Amhurst Road, shared use, Fri 27 Mar 2026 17:30 GMT, diesel: 1 h on Friday and 2 h from Monday 08:30 BST
        shared = ask(51.54800, -0.06000, at="2026-03-27T17:30:00Z", fuel="diesel")
        assert (shared["bay"]["ref"], shared["until"]) == ("HK-0102", "2026-03-30T10:30:00+01:00")
        assert shared["payment"]["price"] == {"amount": "11.70", "currency": "GBP"}
        # Wilton Way, car club from 30 March: no rule before it, none but car-club cars after it
        before = ask(51.54350, -0.06200, at="2026-03-28T12:00:00Z")
        assert (before["can_park"], before["until"]) == (True, "2026-03-30T00:00:00+01:00")
        club = ask(51.54350, -0.06200, at="2026-03-30T12:00:00+01:00", vehicle="car_club")
        assert (club["can_park"], club["until"]) == (True, None)
        # Mare Street, six spaces: 12 m away is still at the bay (reach 15 m)
        near = ask(51.54500 + 12 / 111_320, -0.05530, accuracy="1", at="2026-10-24T17:00:00+01:00", fuel="petrol")
        assert (near["bay"]["ref"], near["until"]) == ("HK-0101", "2026-10-26T12:30:00+00:00")
    finally:
        app.extensions["parking_engine"].dispose()


@pytest.mark.committed
def test_the_sign_text_draft_loads_after_editing_only_the_type_table(tmp_path: Path, committed_db_url: str) -> None:
    head, _types = drafted(SOUTHWARK).split("\n# One table per value of Bay Type", 1)
    hand = (SOUTHWARK.parent / "southwark.toml").read_text()
    officer_types = hand[hand.index("[types.") :]  # the officer's type table, as in the hand-written mapping
    (tmp_path / "southwark.toml").write_text(head + "\n\n" + officer_types)
    report = run_load(committed_db_url, "mapped", str(SOUTHWARK), source="southwark-drafted",
                      mapping=str(tmp_path / "southwark.toml"))  # fmt: skip
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected) == (8, 7, 1)  # the match-day sign is refused

    app = create_app(Settings(database_url=committed_db_url), testing=True)
    try:
        client = app.test_client()
        # Rye Lane, Sat 28 Mar 2026 11:00 GMT, petrol: Sat 2.5 h + Mon 4 h at £2.45, leave Mon 12:30 BST
        body = client.get(
            "/v1/can-i-park",
            query_string={"lat": 51.47000, "lon": -0.06900, "at": "2026-03-28T11:00:00Z", "fuel": "petrol"},
        ).get_json()
        assert (body["bay"]["ref"], body["until"]) == ("SWK-1001", "2026-03-30T12:30:00+01:00")
        assert body["payment"]["price"] == {"amount": "15.93", "currency": "GBP"}
    finally:
        app.extensions["parking_engine"].dispose()
