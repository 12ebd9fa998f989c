"""Reasons as codes with parameters, their words in English and French, and reminders (issue 11, points 4 and 7),
from the client's side: the Flask test client against the bundled Camden data and a Montréal CurbLR feed.

Hand-worked from the signs (see ``test_can_i_park_camden.py`` for the Camden bays):

- 46042958, Bedford Row (CA-D), paid Mon–Fri 08:30–18:30, Sat 08:30–13:30, max stay 2 hours, counted per controlled
  period. Entered Mon 2 Mar 2026 17:30 GMT: pay until 18:30 (1 hour of the 2 used), free overnight, pay again from
  Tue 08:30, when a new 2 hours start: leave by Tue 10:30. A reminder 10 minutes before payment is due again: 08:20.
- The same bay on Sat 28 Mar 2026 14:00 GMT: Saturday's hours ended at 13:30; free until Mon 30 Mar 08:30 BST (the
  clocks went forward on Sun 29 Mar at 01:00 UTC), pay from then, leave by 10:30 BST. 08:30 BST is 07:30 UTC; 31
  hours (1860 minutes) earlier is Sun 00:30 UTC, before the change: 00:30+00:00 (counting on the wall clock would
  give a time that does not exist, 01:30).
- 46047061, Elizabeth Mews, resident CA-B Mon–Fri 09:00–18:30, Sat 09:30–13:30, blue badges free with no time limit.
- 46128933, Camden High Street, "permit holders only", at any time, permit ICE: "you need an ICE permit".
- 46043182, Crestfield Street: "car club", at any time: car-club cars only; any other driver needs a car-club car.
- Bedford Row suspended here on Wed 4 Mar 2026 09:00–17:00 GMT ("Crane"); paid parking again from 17:00.
- Mon 31 Aug 2026 is England's late summer bank holiday: Elizabeth Mews is not enforced until Tue 09:00 BST.
- CA-F(n) (zone identifier 8) controlled Mon–Fri 08:30–23:00, no bay within 10 m of ``CA_F_NORTH``.
- Montréal (LaSalle, CurbLR), kerb ``71d32260e50b36d6793f579219e7c46d:right:5-366``: "no parking", Tue and Wed
  09:30–10:30 from 1 March to 1 December. Tue 2 Jun 2026 10:00 EDT: not allowed, allowed from 10:30-04:00.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from parking_api.engine.english import ENGLISH
from parking_api.engine.reasons import REASON_CODES
from parking_api.locales import LOCALES, TEMPLATE, template

from .support import BEDFORD_ROW, CA_F_NORTH, ELIZABETH_MEWS, NOWHERE, ROYAL_COLLEGE_STREET, Spot

pytestmark = pytest.mark.committed

MONDAY_10 = "2026-03-02T10:00:00Z"
MONDAY_1730 = "2026-03-02T17:30:00Z"
CAMDEN_HIGH_STREET = Spot(51.539692, -0.142957)  # the point of bay 46128933 (permit holders only, ICE)
LASALLE = Spot(45.44896964122493, -73.60837238308899)  # the first vertex of the Montréal kerb above
SAMPLES = Path(__file__).parents[1] / "loaders" / "data" / "curblr_samples"


@pytest.fixture(scope="module")
def loaded_db_url(loaded_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The bundled Camden data and Montréal's LaSalle CurbLR feed, loaded by the real loaders."""
    from loaders.runner import run_load

    path = tmp_path_factory.mktemp("montreal") / "lasalle.curblr.json"
    path.write_bytes(gzip.decompress((SAMPLES / "mtl-subset-segment-lasalle.curblr.json.gz").read_bytes()))
    report = run_load(loaded_db_url, "curblr", str(path), source="montreal-lasalle", timezone="America/Toronto")
    assert report.ok, report.error
    return loaded_db_url


def _get(api, where: Spot, headers: dict[str, str] | None = None, **params):
    return api.get("/v1/can-i-park", query_string=where.query(**params), headers=headers or {})


# --- codes and parameters ----------------------------------------------------------------------------------------


def test_paid_bay_paid_again_tomorrow_says_so_and_reminds_before_payment(ask):
    body = ask(BEDFORD_ROW, at=MONDAY_1730, fuel="petrol", stay=60)
    assert body["reason_code"] == "paid"
    assert body["reason_params"] == {
        "pay_until": "2026-03-02T18:30:00+00:00",
        "max_stay": 120,
        "until": "2026-03-03T10:30:00+00:00",
        "pay_from": "2026-03-03T08:30:00+00:00",
    }
    assert body["reason"] == (
        "Paid parking until 18:30, max stay 2 hours. Pay again from Tue 08:30 to stay until Tue 10:30."
    )
    assert "You may stay until" not in body["reason"]
    assert body["until_status"] == "set"
    assert body["remind_at"] == "2026-03-03T08:20:00+00:00"
    assert body["place_id"] == "camden/46042958"


def test_resident_bay_needs_a_permit(ask):
    body = ask(ELIZABETH_MEWS, at=MONDAY_10)
    assert body["reason_code"] == "needs"
    assert body["reason_params"] == {
        "rule": "Resident permit holders only (CA-B)",
        "needs": ["permit"],
        "permits": ["CA-B"],
        "also_allowed": [{"who": ["blue_badge"], "max_stay": None}],
        "allowed_from": "2026-03-02T18:30:00+00:00",
    }
    assert "you need a CA-B permit." in body["reason"]
    assert body["until_status"] == "not_allowed"
    assert body["remind_at"] is None


def test_an_ice_permit(ask):
    body = ask(CAMDEN_HIGH_STREET, at=MONDAY_10)
    assert body["bay"]["ref"] == "46128933"
    assert body["reason"] == "Permit holders only (ICE), at any time: you need an ICE permit."
    assert body["reason_params"]["permits"] == ["ICE"]


def test_blue_badge_in_a_resident_bay_has_no_end_within_the_horizon(ask):
    body = ask(ELIZABETH_MEWS, at=MONDAY_10, badge="blue")
    assert body["can_park"] is True and body["until"] is None
    assert body["until_status"] == "beyond_horizon"
    assert body["remind_at"] is None
    assert body["reason_code"] == "allowed"
    assert body["reason_params"]["activity"] == "park"


def test_zone_default_answer_names_its_zone_as_place(ask):
    body = ask(CA_F_NORTH, at=MONDAY_10)
    assert body["basis"] == "zone_default"
    assert body["place_id"] == "camden/8"
    assert body["reason_code"] == "prohibited"
    params = body["reason_params"]
    assert (params["activity"], params["loading_allowed"], params["zone"]) == ("no_parking", True, "CA-F(n)")
    assert params["allowed_from"] == "2026-03-02T23:00:00+00:00"


def test_car_club_bay_says_a_car_club_car_is_needed(ask, api):
    crestfield = Spot(51.530224639759794, -0.12301968907238045)
    body = ask(crestfield, at="2026-03-03T12:00:00Z")
    assert body["bay"]["ref"] == "46043182"
    assert body["reason_code"] == "needs"
    assert body["reason_params"]["needs"] == ["car_club"]
    assert body["reason"] == "Car club vehicles only, at any time: you need a car club vehicle."
    assert body["until_status"] == "not_allowed"
    french = _get(api, crestfield, at="2026-03-03T12:00:00Z", lang="fr").get_json()
    assert french["reason"] == "Car club vehicles only, en tout temps : il vous faut un véhicule d'autopartage."


@pytest.fixture(scope="module")
def crane(loaded_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    from loaders.runner import run_load

    path = tmp_path_factory.mktemp("suspensions") / "suspensions.csv"
    path.write_text("source,ref,start,end,reason,id\ncamden,46042958,2026-03-04T09:00,2026-03-04T17:00,Crane,S1\n")
    report = run_load(loaded_db_url, "suspensions", str(path), source="camden")
    assert report.ok and report.loaded == 1, report.to_dict()


def test_suspended_bay(api, crane):
    body = _get(api, BEDFORD_ROW, at="2026-03-04T10:00:00Z", lang="fr").get_json()
    assert body["reason_code"] == "suspended"
    assert body["reason_params"] == {"suspension_reason": "Crane", "allowed_from": "2026-03-04T17:00:00+00:00"}
    assert body["reason"] == "Cette place est suspendue : Crane. Vous pourrez stationner à partir de 17 h 00."


def test_bank_holiday(api):
    body = _get(api, ELIZABETH_MEWS, at="2026-08-31T10:00:00", lang="fr").get_json()
    assert body["reason_code"] == "holiday"
    assert body["reason_params"]["holiday"].endswith("Summer Bank Holiday")
    assert body["reason_params"]["until"] == "2026-09-01T09:00:00+01:00"
    assert body["reason"].startswith("Aucune restriction ne s'applique ici en ce moment : c'est un jour férié (")
    assert body["reason"].endswith("jour où cette place n'est pas réglementée. Vous pouvez rester jusqu'à mar 9 h 00.")


def test_no_data(ask):
    body = ask(NOWHERE)
    assert (body["reason_code"], body["reason_params"], body["until_status"]) == ("no_data", {}, None)
    assert body["place_id"] is None and body["remind_at"] is None


def test_candidates_alternatives_and_bay_features_carry_codes(api, ask):
    # Royal College Street: a resident bay (CA-G) and a paid bay (4 hours) at one point; the tie gives the resident
    # bay's (more restrictive) answer, and the paid bay is a candidate: at 10:00 it may be used until 14:00.
    body = ask(ROYAL_COLLEGE_STREET, at=MONDAY_10)
    assert body["reason_code"] == "needs"
    paid = next(c for c in body["candidates"] if c["ref"] == "46126603")
    assert paid["reason_code"] == "paid"
    assert paid["reason_params"]["max_stay"] == 240 and paid["reason_params"]["until"] == "2026-03-02T14:00:00+00:00"
    assert all(a["reason_code"] in REASON_CODES for a in body["alternatives"])
    assert all(a["reason_code"] == "paid" for a in body["alternatives"] if a["payment_required"])
    bays = api.get("/v1/bays", query_string=BEDFORD_ROW.query(radius=5, at=MONDAY_1730, lang="fr")).get_json()
    feature = next(f["properties"] for f in bays["features"] if f["properties"]["ref"] == "46042958")
    assert feature["reason_code"] == "paid"
    assert feature["reason_params"]["pay_from"] == "2026-03-03T08:30:00+00:00"
    assert feature["reason"].startswith("Stationnement payant jusqu'à 18 h 30")


# --- French, and choosing the language ---------------------------------------------------------------------------


def test_french_camden_answer(api):
    response = _get(api, BEDFORD_ROW, at=MONDAY_1730, fuel="petrol", stay=60, lang="fr")
    body = response.get_json()
    assert response.headers["Content-Language"] == "fr"
    assert body["reason"] == (
        "Stationnement payant jusqu'à 18 h 30, durée maximale 2 heures. "
        "Payez de nouveau à partir de mar 8 h 30 pour rester jusqu'à mar 10 h 30."
    )
    assert body["reason_code"] == "paid"  # codes and parameters do not depend on the language
    assert body["caveats"][0] == (
        "Les axes rouges et les lignes jaunes ne figurent pas dans ces données : la signalisation sur place prévaut."
    )


def test_french_montreal_answer(api):
    response = _get(api, LASALLE, at="2026-06-02T10:00:00", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    body = response.get_json()
    assert body["bay"]["ref"] == "71d32260e50b36d6793f579219e7c46d:right:5-366"
    assert (body["can_park"], body["allowed_from"]) == (False, "2026-06-02T10:30:00-04:00")
    assert response.headers["Content-Language"] == "fr"
    # the rule's label is the feed's own ("no parking"); the rest is said in French
    assert body["reason"] == (
        "no parking, mar–mer 9 h 30–10 h 30 (du 03-01 au 12-01 chaque année) : stationnement interdit. "
        "Vous pourrez stationner à partir de 10 h 30."
    )
    assert body["reason_code"] == "prohibited"
    assert body["reason_params"] == {"rule": "no parking", "activity": "no_parking", "loading_allowed": False,
                                     "allowed_from": "2026-06-02T10:30:00-04:00"}  # fmt: skip
    english = _get(api, LASALLE, at="2026-06-02T10:00:00").get_json()["reason"]
    assert english == "no parking, Tue–Wed 09:30–10:30 (03-01 to 12-01 each year): no parking. You may park from 10:30."


def test_french_schedule_and_bay_status(api):
    # Elizabeth Mews on Fri 6 Mar 2026: free until 09:00, resident permit holders 09:00–18:30, then free
    response = api.get("/v1/bays/camden/46047061/schedule",
                       query_string={"from": "2026-03-06T00:00", "to": "2026-03-06T20:00", "lang": "fr"})  # fmt: skip
    assert response.headers["Content-Language"] == "fr"
    reasons = [interval["reason"] for interval in response.get_json()["intervals"]]
    assert reasons == [
        "Aucune restriction",
        "Resident permit holders only (CA-B), lun–ven 9 h 00–18 h 30, sam 9 h 30–13 h 30 : il vous faut un permis "
        "CA-B. Également autorisés : blue badge holders (free, no time limit).",
        "Aucune restriction",
    ]
    detail = api.get("/v1/bays/camden/46047061", query_string={"at": MONDAY_10}, headers={"Accept-Language": "fr"})
    status = detail.get_json()["properties"]["status"]
    assert (status["reason_code"], status["reason_params"]["permits"]) == ("needs", ["CA-B"])
    assert "il vous faut un permis CA-B" in status["reason"]


@pytest.mark.parametrize(
    ("lang", "accept", "said"),
    [
        (None, None, "en"),
        (None, "fr", "fr"),
        (None, "de-DE, fr-CA;q=0.8, en;q=0.5", "fr"),
        (None, "de", "en"),
        (None, "fr;q=0, en", "en"),
        ("en", "fr", "en"),  # lang wins
        ("fr-CA", "en", "fr"),
        ("FR", None, "fr"),
        ("de", "fr", "en"),  # a language without a catalogue: English, not the header's
    ],
)
def test_language_negotiation(api, lang, accept, said):
    params = {"at": MONDAY_10, **({"lang": lang} if lang else {})}
    response = _get(api, ELIZABETH_MEWS, headers={"Accept-Language": accept} if accept else {}, **params)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == said
    assert "Accept-Language" in response.headers["Vary"]
    needs = {"en": "you need a CA-B permit", "fr": "il vous faut un permis CA-B"}[said]
    assert needs in response.get_json()["reason"]


def test_malformed_lang_is_a_400_naming_it(api):
    response = _get(api, ELIZABETH_MEWS, lang="fr!")
    assert response.status_code == 400
    assert [p["name"] for p in response.get_json()["invalid_params"]] == ["lang"]


def test_etags_differ_per_language(api):
    english = _get(api, ELIZABETH_MEWS, at=MONDAY_10)
    french = _get(api, ELIZABETH_MEWS, at=MONDAY_10, lang="fr")
    assert english.headers["ETag"] != french.headers["ETag"]
    again = _get(api, ELIZABETH_MEWS, headers={"If-None-Match": english.headers["ETag"]}, at=MONDAY_10, lang="fr")
    assert again.status_code == 200
    same = _get(api, ELIZABETH_MEWS, headers={"If-None-Match": french.headers["ETag"]}, at=MONDAY_10, lang="fr")
    assert same.status_code == 304
    # polling now: the weak tags differ too
    assert _get(api, NOWHERE).headers["ETag"] != _get(api, NOWHERE, lang="fr").headers["ETag"]


# --- reminders ---------------------------------------------------------------------------------------------------


def test_remind_at_across_the_spring_clock_change(ask):
    body = ask(BEDFORD_ROW, at="2026-03-28T14:00:00Z", remind_before=1860)
    assert body["until"] == "2026-03-30T10:30:00+01:00"
    assert body["reason_params"]["pay_from"] == "2026-03-30T08:30:00+01:00"
    assert body["remind_at"] == "2026-03-29T00:30:00+00:00"
    assert body["reason"] == "No restriction applies here now. Pay from Mon 08:30 to stay until Mon 10:30."
    assert ask(BEDFORD_ROW, at="2026-03-28T14:00:00Z")["remind_at"] == "2026-03-30T08:20:00+01:00"


def test_remind_at_is_never_before_the_instant_asked(ask):
    assert ask(BEDFORD_ROW, at=MONDAY_1730, remind_before=10080)["remind_at"] == "2026-03-02T17:30:00+00:00"


@pytest.mark.parametrize("value", ["-1", "10081", "ten"])
def test_remind_before_is_validated(api, value):
    response = _get(api, BEDFORD_ROW, remind_before=value)
    assert response.status_code == 400
    assert [p["name"] for p in response.get_json()["invalid_params"]] == ["remind_before"]


# --- the contract and the catalogue ------------------------------------------------------------------------------


def test_openapi_documents_codes_languages_and_reminders(api):
    spec = api.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    answer = schemas["CanIParkResponse"]["properties"]
    assert answer["reason_code"]["enum"] == list(REASON_CODES)
    assert answer["until_status"]["enum"] == ["set", "not_allowed", "beyond_horizon", None]
    assert {"remind_at", "place_id", "reason_params"} <= set(answer)
    operation = spec["paths"]["/v1/can-i-park"]["get"]
    names = {p.get("name") for p in operation["parameters"]}
    assert {"lang", "remind_before"} <= names
    assert {"reason_code", "reason_params"} <= set(schemas["Candidate"]["properties"])


def _entries(path: Path) -> dict[str, tuple[str, str]]:
    with path.open("rb") as handle:
        return {m.context: (m.id, m.string) for m in read_po(handle) if m.context}


def test_catalogues_match_the_english():
    assert TEMPLATE.read_text() == template(), "regenerate it: python -m parking_api.locales"
    for po in LOCALES.glob("*/LC_MESSAGES/messages.po"):
        entries = _entries(po)
        assert set(entries) <= set(ENGLISH), po  # an entry missing is said in English
        for code, (english, translated) in entries.items():
            assert english == ENGLISH[code], f"{po}: {code} translates an older English"
            fields = set(re.findall(r"\{(\w+)", english))
            assert set(re.findall(r"\{(\w+)", translated)) <= fields, code
    french = _entries(LOCALES / "fr" / "LC_MESSAGES" / "messages.po")
    assert all(translated for _english, translated in french.values())
    assert {code for code in ENGLISH if code.startswith("reason.")} <= set(french)
