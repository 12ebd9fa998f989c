"""A borough whose bay file carries the whole sign in one free-text column (``tests/loaders/data/mapped_signs``),
loaded end to end: the words read into rules, a dedicated column winning over them, unread words about a time
limit refusing the row (or, with ``--lenient``, loading it with a caveat), the report's unread phrases, and the dry
run's rules in words. Answers are worked out by hand from the signs in ``signs.csv``:

- S-1 "Pay On-Street Mon-Fri 8.30am-6.30pm and Sat 8.30am-1.30pm Max stay 4 hours £2.45 per hour".
- S-2 "Disabled Bay - blue badge holders only 4 hours max stay Mon-Fri 8.30am-6.30pm no max stay outside these
  times": blue badges at any time; 4 hours only in those hours.
- S-5 "Pay by phone Mon-Fri 8am-6pm Max stay 2 hrs (Mon-Sat) except residents": "(Mon-Sat)" and "except residents"
  cannot be read.
- S-6 sign "… Max stay 4 hours £3.00 per hour" but the Max Stay column says "1 hour": the column wins.
- S-7 Max Stay column "an hour or so": unreadable, rejected as any unreadable column is.
- S-8 "Pay at machine Mon-Sat 9am-5pm High Tariff: Electric Vehicle - £3.90, Petrol - £5.30, Diesel - £6.10".
- S-9 "Permit holders only, visitors welcome, Mon-Fri 9am-5pm": "visitors welcome" unread but harmless.
- S-10 type "Disabled (weekday limit)": blue badges at any time, 3 hours and no return within 1 hour Mon-Fri
  8.30am-6.30pm (the type's ``rules``).
- S-11 type "Shared use" (no ``park``: the words say who) "Permit holders or pay by phone Mon-Sat 8.30am-6.30pm Max
  stay 2 hours £2.00 per hour": permit holders free and unlimited, others pay, 2 hours.
- S-12 the same type, "Mon-Sat 8am-6pm": the words name nobody who may park, so the row is rejected.

Monday 2 March 2026 is in GMT; clocks go forward on Sunday 29 March 2026.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from loader_testlib import Db

from loaders.runner import run_load
from parking_api.app import create_app
from parking_api.settings import Settings

pytestmark = pytest.mark.committed

DATA = Path(__file__).parent / "data" / "mapped_signs"
CSV, MAPPING = str(DATA / "signs.csv"), str(DATA / "signs.toml")
LAT = {f"S-{i}": round(51.5400 + 0.002 * (i - 1), 4) for i in range(1, 13)}
MONDAY_10 = "2026-03-02T10:00:00Z"


def test_words_are_read_and_unsafe_rows_refused(committed_db_url: str, committed_db: Db) -> None:
    report = run_load(committed_db_url, "mapped", CSV, source="signs-strict", mapping=MAPPING, dry_run=True)
    assert report.status == "dry_run", report.error
    assert (report.read, report.loaded, report.rejected) == (12, 9, 3)
    assert report.flagged_by_reason["mapped_sign_unread"] == 2  # S-5 and S-9
    assert report.unread_phrases == {"mon-sat": 1, "except residents": 1, "visitors welcome": 1}
    rejects = committed_db.rows(
        "SELECT row_number, field, reason FROM load_rejects WHERE run_id = :run ORDER BY row_number",
        run=report.run_id,
    )
    assert [(r["row_number"], r["field"]) for r in rejects] == [(5, "Sign"), (7, "Max Stay"), (12, "Sign")]
    assert "'mon-sat'" in rejects[0]["reason"] and "--lenient" in rejects[0]["reason"]
    assert "an hour or so" in rejects[1]["reason"]
    assert "names nobody" in rejects[2]["reason"]


def test_dry_run_shows_each_types_rules_in_words(committed_db_url: str) -> None:
    from loaders.cli import load

    result = CliRunner().invoke(
        load, ["mapped", CSV, "--source", "signs-dry", "--mapping", MAPPING, "--dry-run", "--json"],
        env={"DATABASE_URL": committed_db_url},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    disabled = body["rules_by_type"]["Disabled"]["rule_sets"]
    assert disabled == [{"rows": 1, "rules": "Blue badge holders may park, at any time; Blue badge holders may park,"
                                             " Mon–Fri 08:30–18:30, max stay 4 hours"}]  # fmt: skip
    weekday = body["rules_by_type"]["Disabled (weekday limit)"]["rule_sets"][0]["rules"]
    assert "Mon–Fri 08:30–18:30, max stay 3 hours, no return within 1 hour" in weekday
    assert body["unread_phrases"]["visitors welcome"] == 1
    assert body["rules_by_type"]["Permit"]["unread_phrases"] == {"visitors welcome": 1}
    assert body["rules_by_type"]["Pay On-Street"]["unread_phrases"] == {"mon-sat": 1, "except residents": 1}
    text = CliRunner().invoke(
        load, ["mapped", CSV, "--source", "signs-dry", "--mapping", MAPPING, "--dry-run"],
        env={"DATABASE_URL": committed_db_url},
    ).output  # fmt: skip
    assert "unread sign words" in text and "'visitors welcome'" in text
    assert "type 'Pay On-Street'" in text and "unread: 'except residents'" in text
    lenient = CliRunner().invoke(
        load, ["mapped", CSV, "--source", "signs-dry", "--mapping", MAPPING, "--dry-run", "--lenient", "--json"],
        env={"DATABASE_URL": committed_db_url},
    )  # fmt: skip
    assert json.loads(lenient.output)["rejected"] == 2  # S-7's unreadable Max Stay column, S-12 naming nobody


@pytest.fixture(scope="module")
def ask(committed_db_url: str):
    report = run_load(committed_db_url, "mapped", CSV, source="signs", mapping=MAPPING, lenient=True)
    assert report.status == "succeeded", report.error
    assert (report.read, report.loaded, report.rejected) == (12, 10, 2)  # S-7's unreadable column still rejects
    assert report.flagged_by_reason["mapped_sign_unread_lenient"] == 1
    app = create_app(Settings(database_url=committed_db_url), testing=True)
    client = app.test_client()

    def ask(ref: str, **params: Any) -> dict[str, Any]:
        response = client.get("/v1/can-i-park", query_string={"lat": LAT[ref], "lon": -0.1, **params})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["bay"]["ref"] == ref
        return body

    yield ask
    engine = app.extensions.get("parking_engine")
    if engine is not None:
        engine.dispose()


def test_paid_bay_from_words(ask) -> None:
    body = ask("S-1", at=MONDAY_10, stay=60, fuel="petrol")  # the API prices a stay for a given fuel
    assert body["can_park"] is True and body["stay_ok"] is True
    assert body["until"] == "2026-03-02T14:00:00+00:00"  # 4 hours from 10:00, inside 08:30-18:30
    assert body["payment"]["price"]["amount"] == "2.45"  # one hour at £2.45, whatever the fuel


def test_badge_bay_limit_only_in_its_hours(ask) -> None:
    assert ask("S-2", at=MONDAY_10)["can_park"] is False  # blue badges only, at any time
    tuesday = ask("S-2", at="2026-03-03T10:00:00Z", badge="blue")
    assert tuesday["until"] == "2026-03-03T14:00:00+00:00"
    # Friday 17:00: the limit ends at 18:30, no limit over the weekend; from Monday 08:30 the 4 hours run again
    friday = ask("S-2", at="2026-03-06T17:00:00Z", badge="blue")
    assert friday["until"] == "2026-03-09T12:30:00+00:00"
    # across the clock change: Monday 30 March 08:30 BST + 4 hours
    late_march = ask("S-2", at="2026-03-27T17:00:00Z", badge="blue")
    assert late_march["until"] == "2026-03-30T12:30:00+01:00"
    saturday = ask("S-2", at="2026-03-07T10:00:00Z", badge="blue")
    assert saturday["can_park"] is True and saturday["until"] == "2026-03-09T12:30:00+00:00"


def test_type_rules_give_a_weekday_limit(ask) -> None:
    body = ask("S-10", at="2026-03-03T10:00:00Z", badge="blue")
    assert body["until"] == "2026-03-03T13:00:00+00:00"  # 3 hours, Mon-Fri 08:30-18:30
    sunday = ask("S-10", at="2026-03-08T10:00:00Z", badge="blue")
    assert sunday["can_park"] is True and sunday["until"] == "2026-03-09T11:30:00+00:00"  # Monday 08:30 + 3 hours


def test_the_column_wins_over_the_words(ask) -> None:
    body = ask("S-6", at=MONDAY_10, stay=30, fuel="diesel")
    assert body["until"] == "2026-03-02T11:00:00+00:00"  # the column's 1 hour, not the sign's 4
    assert body["payment"]["price"]["amount"] == "1.50"  # half an hour at the sign's £3.00 per hour


def test_electric_bay_and_banded_tariff(ask) -> None:
    ev = ask("S-4", at=MONDAY_10, fuel="electric")
    assert ev["until"] == "2026-03-02T14:00:00+00:00"
    assert ask("S-4", at=MONDAY_10, fuel="petrol")["can_park"] is False
    diesel = ask("S-8", at=MONDAY_10, fuel="diesel", stay=60)
    assert diesel["payment"]["price"]["amount"] == "6.10"
    electric = ask("S-8", at=MONDAY_10, fuel="electric", stay=30)
    assert electric["payment"]["price"]["amount"] == "1.95"


def test_who_may_park_from_the_words(ask) -> None:
    holder = ask("S-11", at=MONDAY_10, permit="ANY")
    assert holder["can_park"] is True and holder["until"] is None  # free, no limit; after 18:30 nobody is limited
    assert holder["payment"]["required_now"] is False
    payer = ask("S-11", at=MONDAY_10, stay=60, fuel="petrol")
    assert payer["until"] == "2026-03-02T12:00:00+00:00"
    assert payer["payment"]["price"]["amount"] == "2.00"


def test_lenient_row_answers_with_a_caveat(ask) -> None:
    body = ask("S-5", at=MONDAY_10, stay=60)
    assert body["can_park"] is True
    assert body["stay_ok"] is None  # "(Mon-Sat) except residents" may hide a limit: not confirmed
    assert any("could not be read" in c and "mon-sat" in c for c in body["caveats"])
    plain = ask("S-1", at=MONDAY_10, stay=60)
    assert not any("could not be read" in c for c in plain["caveats"])


def _mapping(**type_keys: Any) -> dict[str, Any]:
    return {
        "source": {"format": "csv"},
        "fields": {"ref": "id", "restriction_type": "type", "sign_text": "sign"},
        "geometry": {"x": "x", "y": "y"},
        "types": {"Bay": {"category": "paid", "park": ["everyone"], **type_keys}},
    }


def test_type_limit_keys_are_checked() -> None:
    from loaders.base import UsageError
    from loaders.mapped import parse_mapping

    good = parse_mapping(
        _mapping(
            max_stay="4 hours",
            no_return="2 hours",
            rules=[{"times": "at any time"}, {"times": "Mon-Fri 8am-6pm", "max_stay": "1 hour"}],
        )
    )
    bay = good.bay_type("bay")
    assert bay is not None and (bay.max_stay, bay.no_return, len(bay.rules)) == ("4 hours", "2 hours", 2)
    with pytest.raises(UsageError) as bad:
        parse_mapping(_mapping(max_stay="a while", no_return="no return within 2 hours",
                               rules=[{"times": "Mon-Fri 8-6", "maxstay": "1 hour"}]))  # fmt: skip
    message = str(bad.value)
    assert "types.Bay.max_stay: cannot read maximum stay 'a while'" in message
    assert "types.Bay.no_return: must be a plain duration" in message
    assert "types.Bay.rules[0].maxstay: unknown key" in message
    assert "types.Bay.rules[0].times: cannot read times of operation 'Mon-Fri 8-6'" in message


def test_a_times_column_wins_and_covers_unread_hours(tmp_path: Path) -> None:
    from loaders.base import LoadOptions
    from loaders.mapped import convert
    from parking_api.engine.model import TimeSpan

    (tmp_path / "m.toml").write_text(
        '[source]\nformat = "csv"\ntimezone = "Europe/London"\n'
        '[fields]\nref = "id"\nrestriction_type = "type"\ntimes = "hours"\nsign_text = "sign"\n'
        '[[geometry]]\nx = "x"\ny = "y"\n'
        '[types.Permit]\ncategory = "resident_permit"\npark = ["permit"]\n'
    )
    (tmp_path / "b.csv").write_text(
        "id,type,hours,sign,x,y\n"
        "A,Permit,Mon-Fri 09:00-17:00,Permit holders only Mon-Sat 8.30am-6.30pm,-0.1,51.5\n"
        "B,Permit,,Permit holders only Mon-Sat 8.30am-6.30pm,-0.1,51.5\n"
        "C,Permit,Mon-Fri 9-5,Permit holders only Mon-Sat 8.30am-6.30pm,-0.1,51.5\n"
        "D,Permit,Mon-Fri 09:00-17:00,Permit holders only (school term days),-0.1,51.5\n"
        "E,Permit,,Permit holders only (school term days),-0.1,51.5\n"
    )
    out = convert(tmp_path / "b.csv", LoadOptions(mapping=str(tmp_path / "m.toml")))
    spans = {p.ref: p.regulation.rules[0].time_spans for p in out.places}
    assert spans["A"] == (TimeSpan(days=frozenset(range(5)), windows=((540, 1020),)),)  # the column, not the words
    assert spans["B"] == (TimeSpan(days=frozenset(range(6)), windows=((510, 1110),)),)  # empty column: the words
    assert spans["D"] == spans["A"]  # the column gives the hours the words could not
    assert {r.row_number: r.field for r in out.rejects} == {3: "hours", 5: "sign"}  # C's column; E's words
    assert out.unread_phrases == {"Permit": {"school term days": 2}}


def test_type_limits_come_after_the_column_and_the_words(tmp_path: Path) -> None:
    from loaders.base import LoadOptions
    from loaders.mapped import convert

    (tmp_path / "m.toml").write_text(
        '[source]\nformat = "csv"\ntimezone = "Europe/London"\n'
        '[fields]\nref = "id"\nrestriction_type = "type"\nmax_stay = "stay"\nsign_text = "sign"\n'
        '[[geometry]]\nx = "x"\ny = "y"\n'
        '[types.Paid]\ncategory = "paid"\npark = ["everyone"]\npays = true\nmax_stay = "2 hours"\n'
        'no_return = "1 hour"\n'
    )
    (tmp_path / "b.csv").write_text(
        "id,type,stay,sign,x,y\n"
        "A,Paid,30 minutes,Pay by phone Mon-Sat 8am-6pm Max stay 4 hours,-0.1,51.5\n"
        "B,Paid,,Pay by phone Mon-Sat 8am-6pm Max stay 4 hours,-0.1,51.5\n"
        "C,Paid,,Pay by phone Mon-Sat 8am-6pm,-0.1,51.5\n"
    )
    out = convert(tmp_path / "b.csv", LoadOptions(mapping=str(tmp_path / "m.toml")))
    limits = {p.ref: [(r.max_stay, r.no_return) for r in p.regulation.rules] for p in out.places}
    assert limits == {"A": [(30, None)], "B": [(240, None)], "C": [(120, 60)]}


def test_a_regulation_without_unread_words_keeps_its_json() -> None:
    from parking_api.engine.model import Activity, Regulation, Rule, regulation_from_json, regulation_to_json

    plain = Regulation(rules=(Rule(activity=Activity.PARK),), category="paid")
    assert "unread" not in regulation_to_json(plain)  # Camden's and CurbLR's fingerprints do not move
    flagged = Regulation(rules=plain.rules, category="paid", unread=("mon-sat",))
    assert regulation_from_json(regulation_to_json(flagged)) == flagged
    assert flagged.fingerprint() != plain.fingerprint()


def test_type_rules_in_any_order(tmp_path: Path) -> None:
    from loaders.base import LoadOptions
    from loaders.mapped import convert
    from parking_api.engine.model import TimeSpan

    (tmp_path / "m.toml").write_text(
        '[source]\nformat = "csv"\ntimezone = "Europe/London"\n'
        '[fields]\nref = "id"\nrestriction_type = "type"\n'
        '[[geometry]]\nx = "x"\ny = "y"\n'
        '[types.Disabled]\ncategory = "disabled_blue_badge"\npark = ["blue_badge"]\n'
        'rules = [{ times = "Mon-Fri 8.30am-6.30pm", max_stay = "4 hours" }, { times = "at any time" }]\n'
    )
    (tmp_path / "b.csv").write_text("id,type,x,y\nA,Disabled,-0.1,51.5\n")
    out = convert(tmp_path / "b.csv", LoadOptions(mapping=str(tmp_path / "m.toml")))
    rules = {(r.time_spans, r.max_stay) for r in out.places[0].regulation.rules}
    weekdays = (TimeSpan(days=frozenset(range(5)), windows=((510, 1110),)),)
    assert rules == {(weekdays, 240), ((TimeSpan(),), None)}
