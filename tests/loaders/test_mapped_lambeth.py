"""A fictional Lambeth-style borough whose file has no bay-type column (``data/mapped_lambeth/``): the mapping has no
``fields.restriction_type`` and no ``[types]``, so each row's words say who may park, the category and everything
else. The expected rules and answers below are worked out by hand from the words, as a driver reads the plate.

The bays (each a kerb line from the point asked about 17 m northwards; a sign without hours is in force at all times;
the words say nothing about bank holidays, so none is assumed a day off):

- LAM-01 Acre Lane (-0.12000, 51.46000): "Pay by phone Mon-Sat 8.30am-6.30pm Max stay 2 hours £3.20 per hour": anyone,
  paying £3.20 an hour, Mon–Sat 08:30–18:30, 2 hours. Category ``paid``.
- LAM-02 "Residents permit holders only Zone B Mon-Fri 8.30am-5.30pm": zone B permits, Mon–Fri 08:30–17:30;
  ``resident_permit``.
- LAM-03 "Disabled badge holders only at any time": ``disabled_blue_badge``.
- LAM-04 "Car Club vehicles only bay ZC123": car-club cars at any time, bay code ZC123; ``car_club``.
- LAM-05 "Electric vehicles only, charging, max stay 4 hours, no return 2 hours": ``ev_charging``.
- LAM-06 "Solo motorcycles only": ``motorcycle``.
- LAM-07 "Loading only Mon-Sat 7am-7pm max 20 mins": goods vehicles loading, 20 minutes, Mon–Sat 07:00–19:00;
  ``loading``.
- LAM-08 "Shared use: permit holders Zone B or pay by phone Mon-Fri 8.30am-6.30pm Max stay 4 hours £2.45 per hour":
  zone B permit holders free and unlimited, anyone else paying £2.45 an hour for up to 4 hours; ``shared_use_permit``.
- LAM-09 "Permit holders only Mon-Fri 8.30am-6.30pm, blue badge holders free": permit holders (any permit) and blue
  badge holders, nobody else; ``permit`` ("free" says the badge holders do not pay, not that anyone may park).
- LAM-13 "Doctors only": ``doctor``. LAM-14 "Limited waiting Mon-Sat 8am-6pm 1 hour no return within 1 hour": anyone,
  free, 1 hour, no return within 1 hour; ``free``.
- Refused, never loaded as if unrestricted: LAM-10 "Mon-Sat 8am-6.30pm" (hours, but nobody who may park), LAM-11 an
  empty sign, LAM-12 "No parking at any time" (nobody may park; "no" is not read).

Clocks go back on Sunday 25 October 2026 (02:00 BST = 01:00 GMT).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loaders.base import LoadOptions
from loaders.mapped import convert
from loaders.mapping_cli import mapping as mapping_command
from loaders.runner import run_load
from parking_api.app import create_app
from parking_api.engine.model import Activity, Tariff, TimeSpan, UserClass
from parking_api.settings import Settings

DATA = Path(__file__).parent / "data" / "mapped_lambeth"
CSV, MAPPING = DATA / "lambeth_bays.csv", DATA / "lambeth.toml"

ACRE_LANE = (51.46000, -0.12000)
DULWICH_ROAD = (51.45200, -0.10000)
HAYTER_ROAD = (51.45600, -0.12500)
JOSEPHINE_AVENUE = (51.45300, -0.11700)

MON_SAT = frozenset(range(6))
MON_FRI = frozenset(range(5))


@pytest.fixture(scope="module")
def converted():
    return convert(CSV, LoadOptions(mapping=str(MAPPING)))


def _rules(converted, ref: str) -> list[tuple[Any, ...]]:
    """(activity, classes, permits, spans, max stay, no return, paid, tariffs, priority) of a row's rules."""
    (place,) = [p for p in converted.places if p.ref == ref]
    return [(r.activity, r.user_classes, r.permits, r.time_spans, r.max_stay, r.no_return, r.payment, r.tariffs,
             r.priority) for r in place.regulation.rules]  # fmt: skip


def test_each_rows_category_comes_from_its_words(converted) -> None:
    categories = {p.ref: p.regulation.category for p in converted.places}
    assert categories == {
        "LAM-01": "paid", "LAM-02": "resident_permit", "LAM-03": "disabled_blue_badge", "LAM-04": "car_club",
        "LAM-05": "ev_charging", "LAM-06": "motorcycle", "LAM-07": "loading", "LAM-08": "shared_use_permit",
        "LAM-09": "permit", "LAM-13": "doctor", "LAM-14": "free",
    }  # fmt: skip
    assert {p.restriction_type for p in converted.places} == {""}  # the file has no type to show
    # the dry run groups the rows by the category read, with their rules in words
    assert dict(converted.rules_by_type["(no type) paid"]) == {
        "Everyone may park (paying), Mon–Sat 08:30–18:30, max stay 2 hours, 3.20 GBP/h": 1
    }


def test_who_may_park_when_and_for_how_long_from_the_words(converted) -> None:
    u, park, load = UserClass, Activity.PARK, Activity.LOAD
    mon_sat_0830_1830 = (TimeSpan(days=MON_SAT, windows=((510, 1110),)),)
    mon_fri_0830_1830 = (TimeSpan(days=MON_FRI, windows=((510, 1110),)),)
    always = (TimeSpan(),)
    gbp = lambda amount: (Tariff(fuel="any", per_hour=Decimal(amount), currency="GBP"),)  # noqa: E731
    assert _rules(converted, "LAM-01") == [
        (park, {u.EVERYONE}, frozenset(), mon_sat_0830_1830, 120, None, True, gbp("3.20"), 50),
    ]
    assert _rules(converted, "LAM-02") == [
        (park, {u.PERMIT}, {"B"}, (TimeSpan(days=MON_FRI, windows=((510, 1050),)),), None, None, False, (), 20),
    ]
    assert _rules(converted, "LAM-04") == [(park, {u.CAR_CLUB}, {"ZC123"}, always, None, None, False, (), 30)]
    assert _rules(converted, "LAM-05") == [(park, {u.ELECTRIC}, frozenset(), always, 240, 120, False, (), 30)]
    assert _rules(converted, "LAM-07") == [
        (load, {u.GOODS}, frozenset(), (TimeSpan(days=MON_SAT, windows=((420, 1140),)),), 20, None, False, (), 40),
    ]
    # shared use: the permit holders are not time-limited, the payers are
    assert _rules(converted, "LAM-08") == [
        (park, {u.PERMIT}, {"B"}, mon_fri_0830_1830, None, None, False, (), 20),
        (park, {u.EVERYONE}, frozenset(), mon_fri_0830_1830, 240, None, True, gbp("2.45"), 50),
    ]
    # "blue badge holders free" adds the badge holders; it does not open the bay to anyone
    assert _rules(converted, "LAM-09") == [
        (park, {u.PERMIT}, frozenset(), mon_fri_0830_1830, None, None, False, (), 20),
        (park, {u.BLUE_BADGE}, frozenset(), mon_fri_0830_1830, None, None, False, (), 30),
    ]
    assert _rules(converted, "LAM-14") == [
        (park, {u.EVERYONE}, frozenset(), (TimeSpan(days=MON_SAT, windows=((480, 1080),)),), 60, 60, False, (), 50),
    ]


def test_words_that_name_nobody_are_refused_naming_the_phrase(converted) -> None:
    rejects = {r.row_number: (r.field, r.reason) for r in converted.rejects}
    assert sorted(rejects) == [10, 11, 12]
    assert all(field == "Restriction Description" for field, _reason in rejects.values())
    assert "names nobody who may park" in rejects[10][1] and "'Mon-Sat 8am-6.30pm'" in rejects[10][1]
    assert "no restriction type and no sign text" in rejects[11][1]
    assert "'No parking at any time'" in rejects[12][1] and "unread 'no'" in rejects[12][1]
    assert all("not loaded as if unrestricted" in reason for _field, reason in rejects.values())


def test_a_type_column_still_needs_its_types_and_sign_text_lets_both_go() -> None:
    from loaders.base import UsageError
    from loaders.mapped import parse_mapping

    base = {"source": {"format": "csv"}, "geometry": {"x": "x", "y": "y"}}
    with pytest.raises(UsageError) as no_type:
        parse_mapping({**base, "fields": {"ref": "id"}})
    assert "fields.restriction_type: required key is missing (or name fields.sign_text" in str(no_type.value)
    with pytest.raises(UsageError) as no_types:
        parse_mapping({**base, "fields": {"ref": "id", "restriction_type": "type", "sign_text": "sign"}})
    assert "types: required key is missing" in str(no_types.value)
    with pytest.raises(UsageError) as unused:
        parse_mapping({**base, "fields": {"ref": "id", "sign_text": "sign"},
                       "types": {"Paid": {"category": "paid", "park": ["everyone"]}}})  # fmt: skip
    assert "types: no fields.restriction_type names a column" in str(unused.value)
    assert parse_mapping({**base, "fields": {"ref": "id", "sign_text": "sign"}}).types == ()


def test_an_empty_type_cell_reads_the_words_when_the_mapping_says_so(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text(
        '[source]\nformat = "csv"\ntimezone = "Europe/London"\n'
        '[fields]\nref = "id"\nrestriction_type = "type"\nsign_text = "sign"\n'
        '[defaults]\nrestriction_type = "Other"\n'
        '[[geometry]]\nx = "x"\ny = "y"\n'
        '[types.Paid]\ncategory = "paid"\npark = ["everyone"]\npays = true\n'
        "[types.Other]  # no keys: who may park and the category come from the words\n"
    )
    (tmp_path / "b.csv").write_text(
        "id,type,sign,x,y\n"
        "A,,Solo motorcycles only,-0.1,51.5\n"
        "B,Paid,Pay by phone Mon-Sat 8am-6pm,-0.1,51.5\n"
        "C,,Mon-Sat 8am-6pm,-0.1,51.5\n"
    )
    out = convert(tmp_path / "b.csv", LoadOptions(mapping=str(tmp_path / "m.toml")))
    assert {p.ref: (p.restriction_type, p.regulation.category) for p in out.places} == {
        "A": ("Other", "motorcycle"), "B": ("Paid", "paid"),
    }  # fmt: skip
    assert [(r.row_number, "names nobody" in r.reason) for r in out.rejects] == [(3, True)]
    from loaders.base import UsageError

    (tmp_path / "bad.toml").write_text((tmp_path / "m.toml").read_text().replace('= "Other"', '= "Otehr"'))
    with pytest.raises(UsageError, match=r"defaults.restriction_type: 'Otehr' is not a bay type in \[types\]"):
        convert(tmp_path / "b.csv", LoadOptions(mapping=str(tmp_path / "bad.toml")))


@pytest.mark.committed
def test_the_draft_has_no_type_table_and_loads_as_is(tmp_path: Path, committed_db_url: str) -> None:
    result = CliRunner().invoke(mapping_command, ["draft", str(CSV)])
    assert result.exit_code == 0, result.output
    assert "\n[types" not in result.output and "restriction_type =" not in result.output
    assert 'sign_text = "Restriction Description"' in result.output
    (tmp_path / "drafted.toml").write_text(result.output)
    drafted = convert(CSV, LoadOptions(mapping=str(tmp_path / "drafted.toml")))
    hand = convert(CSV, LoadOptions(mapping=str(MAPPING)))
    assert [(p.ref, p.regulation.rules) for p in drafted.places] == [(p.ref, p.regulation.rules) for p in hand.places]
    assert len(drafted.places) == 11 and len(drafted.rejects) == 3
    report = run_load(committed_db_url, "mapped", str(CSV), source="lambeth-drafted",
                      mapping=str(tmp_path / "drafted.toml"), dry_run=True)  # fmt: skip
    assert (report.status, report.read, report.loaded, report.rejected) == ("dry_run", 14, 11, 3), report.error
    assert report.rejected_by_reason == {"the sign text names nobody who may park or load": 2,
                                         "no restriction type and no sign text": 1}  # fmt: skip


@pytest.fixture(scope="module")
def ask(committed_db_url: str) -> Iterator[Callable[..., dict[str, Any]]]:
    report = run_load(committed_db_url, "mapped", str(CSV), source="lambeth", mapping=str(MAPPING))
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected) == (14, 11, 3)
    app = create_app(Settings(database_url=committed_db_url), testing=True)
    client = app.test_client()

    def ask(where: tuple[float, float], **params: Any) -> dict[str, Any]:
        response = client.get("/v1/can-i-park", query_string={"lat": where[0], "lon": where[1], **params})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    yield ask
    app.extensions["parking_engine"].dispose()


@pytest.mark.committed
def test_paid_bay_over_the_autumn_weekend(ask) -> None:
    # Sat 24 Oct 2026 17:30 BST, petrol: pay until 18:30; 2 hours would pass 18:30, so the stay ends in the next
    # period, Mon 26 Oct 08:30 GMT (the clocks went back on Sunday) + 2 hours = 10:30 GMT.
    # Paid: Sat 1 h + Mon 2 h = 3 h at £3.20 = £9.60.
    body = ask(ACRE_LANE, at="2026-10-24T17:30:00+01:00", fuel="petrol")
    assert (body["bay"]["ref"], body["bay"]["category"], body["bay"]["type"]) == ("LAM-01", "paid", "")
    assert (body["can_park"], body["max_stay"]) == (True, 120)
    assert body["payment"]["pay_until"] == "2026-10-24T18:30:00+01:00"
    assert body["until"] == "2026-10-26T10:30:00+00:00"
    assert body["payment"]["price"] == {"amount": "9.60", "currency": "GBP"}


@pytest.mark.committed
def test_shared_use_and_badge_wordings(ask) -> None:
    # Mon 26 Oct 2026 10:00 GMT: a zone B permit holder parks free with no limit; after 18:30 nobody is limited
    holder = ask(HAYTER_ROAD, at="2026-10-26T10:00:00Z", permit="B")
    assert (holder["bay"]["ref"], holder["can_park"], holder["until"]) == ("LAM-08", True, None)
    assert holder["payment"]["required_now"] is False
    # Josephine Avenue: neither a permit nor a badge, so not until 18:30; a blue badge parks free
    nobody = ask(JOSEPHINE_AVENUE, at="2026-10-26T10:00:00Z")
    assert (nobody["bay"]["ref"], nobody["can_park"]) == ("LAM-09", False)
    assert nobody["allowed_from"] == "2026-10-26T18:30:00+00:00"
    badge = ask(JOSEPHINE_AVENUE, at="2026-10-26T10:00:00Z", badge="blue")
    assert (badge["can_park"], badge["until"], badge["payment"]["required_now"]) == (True, None, False)
    # Dulwich Road: a car-club car may park at any time
    club = ask(DULWICH_ROAD, at="2026-10-26T10:00:00Z", vehicle="car_club")
    assert (club["bay"]["ref"], club["can_park"], club["until"]) == ("LAM-04", True, None)


def test_every_category_read_is_one_the_api_knows() -> None:
    from loaders.mapped.mapping import BayType
    from loaders.mapped.sign import category_of
    from parking_api.api.v1.vocabulary import CATEGORIES

    bays = [BayType(name="", category="", park=(cls,)) for cls in UserClass]
    bays += [BayType(name="", category="", park=(cls,), pays=frozenset({cls})) for cls in UserClass]
    bays += [BayType(name="", category="", load=(UserClass.GOODS,), park=(UserClass.PERMIT,))]
    bays += [BayType(name="", category="", prohibit=a) for a in Activity if a.is_prohibition]
    assert {category_of(bay, "") for bay in bays} <= set(CATEGORIES)
    # a bay for permit holders the words call residents'
    assert category_of(BayType(name="", category="", park=(UserClass.PERMIT,)), "Residents only") == "resident_permit"
