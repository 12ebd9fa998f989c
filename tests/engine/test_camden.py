"""The Camden restriction-type table as data, and the builders (bays and zone defaults)."""

from __future__ import annotations

from collections import Counter

import pytest

from parking_api.engine.camden import (
    CAMDEN,
    CAMDEN_BAY_TYPES,
    UnknownRestrictionType,
    build_bay_regulation,
    build_bay_regulation_from_row,
    build_zone_default,
    normalise_restriction_type,
)
from parking_api.engine.model import (
    ALL_DAY,
    Activity,
    HolidayMode,
    UserClass,
    regulation_from_json,
    regulation_to_json,
)
from parking_api.engine.parse import ParseError
from parking_api.engine.uk import PRIORITY_CONCESSION, in_green_badge_area, zone_codes

# The table in the shared notes, column "enforced on bank holidays", as the council's page lists it.
NOT_ENFORCED_ON_BANK_HOLIDAYS = {
    "resident permit holders only", "permit holders only", "paid-for", "paid-for / resident permit holders",
    "paid-for / permit holders", "trader", "trader / permit holders", "business scheme a", "business a", "free",
}  # fmt: skip
BLUE_BADGE_CONCESSION = {
    "resident permit holders only", "paid-for", "paid-for / resident permit holders", "paid-for / permit holders",
    "disabled (blue badge)",
}  # fmt: skip


def test_table_has_one_row_per_restriction_type_in_the_data(camden_bays: list[dict]) -> None:
    in_data = {row["restriction_type"] for row in camden_bays}
    assert len(in_data) == 27
    assert in_data == set(CAMDEN_BAY_TYPES)


@pytest.mark.parametrize("restriction_type", sorted(CAMDEN_BAY_TYPES))
def test_table_columns(restriction_type: str) -> None:
    row = CAMDEN_BAY_TYPES[restriction_type]
    assert row.bank_holidays is (restriction_type not in NOT_ENFORCED_ON_BANK_HOLIDAYS)
    assert row.blue_badge_concession is (restriction_type in BLUE_BADGE_CONCESSION)
    assert row.load is restriction_type.startswith("loading")


def test_every_real_bay_builds(camden_bays: list[dict]) -> None:
    categories = Counter()
    for row in camden_bays:
        regulation = build_bay_regulation_from_row(row, CAMDEN)
        assert regulation.rules, row["restriction_type"]
        assert regulation.description.startswith(row["restriction_type"])
        assert regulation_from_json(regulation_to_json(regulation)) == regulation
        categories[regulation.category] += 1
    assert categories["permit"] == 313 and categories["resident_permit"] == 268 and categories["paid"] == 97


def test_every_real_cpz_builds(camden_cpz: list[dict]) -> None:
    for p in camden_cpz:
        regulation = build_zone_default(
            p["control_monday_to_friday"], p["control_saturday"], p["control_sunday"], p["sub_zone_name"], CAMDEN
        )
        assert regulation.category == "zone_default" and len(regulation.rules) == 3


def test_shared_use_rules_and_priorities() -> None:
    regulation = build_bay_regulation(
        "paid-for / resident permit holders", "mon-fri 08:30-18:30", "2 hours", "£3.30 (non-diesel) / £4.01 (diesel),",
        "CA-B", "CA-B", CAMDEN,
    )  # fmt: skip
    assert regulation.category == "shared_use_resident"
    badge, permit, paid = regulation.rules
    assert (badge.priority, badge.user_classes, badge.max_stay, badge.payment) == (
        PRIORITY_CONCESSION, frozenset({UserClass.BLUE_BADGE}), None, False,
    )  # fmt: skip
    assert (permit.user_classes, permit.permits, permit.max_stay, permit.payment) == (
        frozenset({UserClass.PERMIT}), frozenset({"CA-B"}), None, False,
    )  # fmt: skip
    assert (paid.user_classes, paid.max_stay, paid.payment, len(paid.tariffs)) == (
        frozenset({UserClass.EVERYONE}), 120, True, 2,
    )  # fmt: skip
    assert badge.priority < permit.priority < paid.priority
    assert all(s.holidays is HolidayMode.EXCEPT for r in regulation.rules for s in r.time_spans)


def test_green_badge_area_moves_the_concession() -> None:
    regulation = build_bay_regulation("paid-for", "mon-sat 08:30-18:30", "2 hours", "N/A", "N/A", "CA-D", CAMDEN)
    assert regulation.rules[0].user_classes == frozenset({UserClass.GREEN_BADGE})


def test_loading_max_stay_binds_loaders_only() -> None:
    loading_resident = build_bay_regulation(
        "loading / resident permit holders", "mon-sat 08:30-18:30", "loading 40 minutes", "N/A", "CA-C", "CA-C"
    )
    by_activity = {r.activity: r for r in loading_resident.rules}
    assert by_activity[Activity.LOAD].max_stay == 40
    assert by_activity[Activity.PARK].max_stay is None
    assert all(s.holidays is HolidayMode.IGNORE for r in loading_resident.rules for s in r.time_spans)
    permit = build_bay_regulation(
        "permit holders only", "mon-fri 08:30-18:30", "loading 40 minutes", "N/A", "CA-R", "CA-R"
    )
    assert [r.max_stay for r in permit.rules] == [None]


def test_scheme_tokens() -> None:
    trader = build_bay_regulation("trader", "mon-sat 08:30-18:30", "N/A", "N/A", "N/A", "CA-C")
    assert trader.rules[0].user_classes == frozenset({UserClass.TRADER}) and trader.rules[0].permits == {"TRADER"}
    business = build_bay_regulation("business a", "mon-sun 07:00-19:00", "N/A", "N/A", "N/A", "CA-D")
    assert business.rules[0].permits == {"BUSA"}


def test_permit_bay_without_listed_permits_takes_its_own_zone() -> None:
    regulation = build_bay_regulation("permit holders only", "mon-fri 08:30-18:30", "N/A", "N/A", "N/A", "CA-H")
    assert regulation.rules[0].permits == {"CA-H"}


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("car wash", "at any time", "N/A", "N/A", "N/A", "CA-B"), UnknownRestrictionType),
        (("paid-for", "whenever", "N/A", "N/A", "N/A", "CA-B"), ParseError),
        (("paid-for", "at any time", "forever", "N/A", "N/A", "CA-B"), ParseError),
        (("paid-for", "at any time", "N/A", "ask the warden", "N/A", "CA-B"), ParseError),
    ],
)
def test_unreadable_rows_raise_quoting_the_value(args: tuple, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        build_bay_regulation(*args)
    assert isinstance(raised.value, ParseError)
    assert any(repr(a) in str(raised.value) for a in args)


def test_zone_default_merges_days_and_reads_whole_days() -> None:
    crown = build_zone_default("00:00-23:59", "00:00-23:59", "00:00-23:59", "CA-G", CAMDEN)
    (span,) = crown.rules[0].time_spans
    assert span.windows == (ALL_DAY,) and len(span.days) == 7 and span.holidays is HolidayMode.EXCEPT
    south = build_zone_default("08:30-18:30", "09:30-17:30", None, "CA-F(s)", CAMDEN)
    assert [(sorted(s.days), s.windows) for s in south.rules[0].time_spans] == [
        ([0, 1, 2, 3, 4], ((510, 1110),)),
        ([5], ((570, 1050),)),
    ]
    assert {r.activity for r in south.rules} == {Activity.PARK, Activity.LOAD, Activity.NO_PARKING}
    assert south.rules[0].max_stay == 180


@pytest.mark.parametrize(
    ("zone", "codes", "green"),
    [
        ("CA-F(n)", {"CA-F"}, False),
        ("CA-D/E", {"CA-D", "CA-E"}, True),
        ("CA-R(a)/K/Q", {"CA-R", "CA-K", "CA-Q"}, False),
        ("CAB", {"CA-B"}, False),
        ("CA-C", {"CA-C"}, True),
        ("CA-L(St Leonards Square)", {"CA-L"}, False),
        (None, set(), False),
    ],
)
def test_zone_codes_and_green_badge_area(zone: str | None, codes: set[str], green: bool) -> None:
    assert zone_codes(zone) == codes
    assert in_green_badge_area(zone, CAMDEN) is green


def test_restriction_type_spelling_variants() -> None:
    assert normalise_restriction_type("Paid-for/Permit  holders") == "paid-for / permit holders"
