"""The mapped loader's value translations (``[values]``), defaults for empty cells (``[defaults]``), extra missing
markers (``source.also_missing``), effective dates (``fields.date_from`` / ``date_to``) and point bays sized by their
spaces (``reach_from_size``), on small CSV files written here."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from loaders import mapped
from loaders.base import LoadOptions, UsageError
from loaders.mapped.values import parse_local_date
from parking_api.engine.model import ALL_DAY, UserClass

HEADER = "Ref,Type,Hours,Stay,Spaces,Length,From,To,X,Y\n"

MAPPING = """\
{extra}

[source]
format = "csv"
timezone = "Europe/London"
{source}

[fields]
ref = "Ref"
restriction_type = "Type"
times = "Hours"
max_stay = "Stay"
spaces = "Spaces"
length = "Length"
date_from = "From"
date_to = "To"

[[geometry]]
x = "X"
y = "Y"
search_radius_m = 4
{geometry}

[types.Disabled]
category = "disabled_blue_badge"
park = ["blue_badge"]
"""


def convert(tmp_path: Path, rows: str, *, source: str = "", extra: str = "", geometry: str = ""):
    (tmp_path / "bays.csv").write_text(HEADER + textwrap.dedent(rows))
    (tmp_path / "m.toml").write_text(MAPPING.format(source=source, extra=textwrap.dedent(extra), geometry=geometry))
    return mapped.convert(tmp_path / "bays.csv", LoadOptions(mapping=str(tmp_path / "m.toml")))


def rule_of(conv, ref: str):
    (place,) = [p for p in conv.places if p.ref == ref]
    (rule,) = [r for r in place.regulation.rules if r.user_classes == frozenset({UserClass.BLUE_BADGE})]
    return rule


# --- translations, defaults and missing markers --------------------------------------------------------------------


def test_a_cell_value_is_translated_whatever_its_case_and_spacing(tmp_path: Path) -> None:
    conv = convert(tmp_path, """\
        1,Disabled,(None),,,,,,-0.1,51.5
        2,Disabled, (NONE)  ,,,,,,-0.1,51.5
        """, extra='[values.times]\n"(None)" = "at any time"')  # fmt: skip
    assert not conv.rejects
    for ref in ("1", "2"):
        (span,) = rule_of(conv, ref).time_spans
        assert span.windows == (ALL_DAY,) and len(span.days) == 7


def test_without_the_translation_the_marker_is_unreadable_hours(tmp_path: Path) -> None:
    conv = convert(tmp_path, "1,Disabled,(None),,,,,,-0.1,51.5\n")
    (reject,) = conv.rejects
    assert reject.field == "Hours" and "cannot read times of operation" in reject.reason


def test_also_missing_keeps_the_built_in_markers_and_the_default_fills_both(tmp_path: Path) -> None:
    conv = convert(tmp_path, """\
        1,Disabled,(None),(None),,,,,-0.1,51.5
        2,Disabled,n/a,,,,,,-0.1,51.5
        3,Disabled,Mon-Fri 8am-6pm,3 hours,,,,,-0.1,51.5
        """, source='also_missing = ["(None)"]',
        extra='[defaults]\ntimes = "Mon-Sat 8.30am-6.30pm"')  # fmt: skip
    assert not conv.rejects
    for ref in ("1", "2"):  # "(None)" from also_missing, "n/a" still missing as before: both take the default
        (span,) = rule_of(conv, ref).time_spans
        assert (span.days, span.windows) == (frozenset(range(6)), ((510, 1110),))
        assert rule_of(conv, ref).max_stay is None  # "(None)" in Stay: no maximum stay
    (span,) = rule_of(conv, "3").time_spans
    assert (span.days, span.windows, rule_of(conv, "3").max_stay) == (frozenset(range(5)), ((480, 1080),), 180)


def test_missing_replaces_the_built_in_markers_and_also_missing_adds_to_it(tmp_path: Path) -> None:
    conv = convert(tmp_path, """\
        1,Disabled,n/a,,,,,,-0.1,51.5
        2,Disabled,(None),,,,,,-0.1,51.5
        3,Disabled,,,,,,,-0.1,51.5
        """, source='missing = [""]\nalso_missing = ["(None)"]',
        extra='[defaults]\ntimes = "at any time"')  # fmt: skip
    assert [(r.row_number, r.field) for r in conv.rejects] == [(1, "Hours")]  # "n/a" is no longer a marker
    assert sorted(p.ref for p in conv.places) == ["2", "3"]


def test_a_translation_to_a_missing_marker_empties_the_cell(tmp_path: Path) -> None:
    conv = convert(tmp_path, "1,Disabled,at any time,No limit,,,,,-0.1,51.5\n",
                   extra='[values.max_stay]\n"No limit" = ""')  # fmt: skip
    assert not conv.rejects and rule_of(conv, "1").max_stay is None


def test_a_translated_type_finds_its_table(tmp_path: Path) -> None:
    conv = convert(tmp_path, "1,Blue Badge,at any time,,,,,,-0.1,51.5\n",
                   extra='[values.restriction_type]\n"Blue Badge" = "Disabled"')  # fmt: skip
    assert not conv.rejects and conv.places[0].restriction_type == "Disabled"


MAPPING_ERRORS = [
    ('[values.colour]\n"red" = "blue"', "values.colour: 'colour' is not a field this mapping names in [fields]"),
    ('[values.times]\n"(None)" = "when it rains"', 'values.times."(None)": cannot read times of operation'),
    ('[values.times]\n"(None)" = 24', 'values.times."(None)": must be a string, not an integer'),
    ('[values]\ntimes = "at any time"', "values.times: must be a table of cell value = value read"),
    ('[values.times]\n"(None)" = "at any time"\n"(none)" = "at any time"', "the same cell value as another key"),
    ('[defaults]\nref = "X1"', "defaults.ref: a reference cannot have a default"),
    ('[defaults]\nmax_stay = "two hourz"', "defaults.max_stay: cannot read"),
    ('[defaults]\ndate_from = "31/02/2026"', "defaults.date_from: cannot read the date '31/02/2026'"),
    ('[defaults]\ntimes = "n/a"', "defaults.times: 'n/a' is itself a missing marker"),
    ('[defaults]\ntimes = ""', "defaults.times: must not be empty"),
    ("defaults = 3", "defaults: must be a table of field = value for empty cells, not an integer"),
]


@pytest.mark.parametrize(("extra", "message"), MAPPING_ERRORS)
def test_mapping_errors_of_values_and_defaults_name_the_key(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        convert(tmp_path, "1,Disabled,at any time,,,,,,-0.1,51.5\n", extra=extra)
    assert message in str(info.value)


def test_also_missing_must_be_a_list(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"source\.also_missing: must be a list of strings"):
        convert(tmp_path, "1,Disabled,at any time,,,,,,-0.1,51.5\n", source='also_missing = "(None)"')


# --- effective dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-01", date(2026, 4, 1)),
        ("2026-04-01T00:00:00.000", date(2026, 4, 1)),
        ("01/04/2026", date(2026, 4, 1)),  # day first, as British files write it
        ("1/4/2026", date(2026, 4, 1)),
        ("01.04.2026", date(2026, 4, 1)),
        ("04/08/2023 11:00:32 PM", date(2023, 8, 4)),
        ("1 April 2026", date(2026, 4, 1)),
        ("1st Apr 2026", date(2026, 4, 1)),
        ("31 December 2026", date(2026, 12, 31)),
    ],
)
def test_local_dates_as_councils_write_them(text: str, expected: date) -> None:
    assert parse_local_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "April 2026", "next Monday", "04/2026", "1 Smarch 2026"])
def test_dates_that_are_not_dates(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read the date"):
        parse_local_date(text)


def test_the_rules_carry_the_row_dates(tmp_path: Path) -> None:
    conv = convert(tmp_path, """\
        1,Disabled,Mon-Fri 8am-6pm,,,,01/04/2026,30/09/2026,-0.1,51.5
        2,Disabled,at any time,,,,2026-04-01,,-0.1,51.5
        3,Disabled,at any time,,,,,,-0.1,51.5
        """)  # fmt: skip
    (span,) = rule_of(conv, "1").time_spans
    assert (span.date_from, span.date_to, span.windows) == (date(2026, 4, 1), date(2026, 9, 30), ((480, 1080),))
    (span,) = rule_of(conv, "2").time_spans
    assert (span.date_from, span.date_to, span.windows) == (date(2026, 4, 1), None, (ALL_DAY,))
    (span,) = rule_of(conv, "3").time_spans
    assert (span.date_from, span.date_to) == (None, None)


def test_bad_dates_reject_the_row_naming_the_column(tmp_path: Path) -> None:
    conv = convert(tmp_path, """\
        1,Disabled,at any time,,,,31/02/2026,,-0.1,51.5
        2,Disabled,at any time,,,,01/05/2026,30/04/2026,-0.1,51.5
        """)  # fmt: skip
    assert [(r.row_number, r.field) for r in conv.rejects] == [(1, "From"), (2, "To")]
    assert "cannot read the date '31/02/2026'" in conv.rejects[0].reason
    assert "ends (2026-04-30) before it starts (2026-05-01)" in conv.rejects[1].reason


# --- point bays sized by their spaces -----------------------------------------------------------------------------


def test_a_point_reaches_half_its_length_or_its_spaces_at_five_metres(tmp_path: Path) -> None:
    conv = convert(tmp_path, """\
        1,Disabled,at any time,,3,,,,-0.1,51.5
        2,Disabled,at any time,,3,22,,,-0.1,51.5
        3,Disabled,at any time,,1,,,,-0.1,51.5
        4,Disabled,at any time,,20,,,,-0.1,51.5
        5,Disabled,at any time,,,,,,-0.1,51.5
        6,Disabled,at any time,,lots,,,,-0.1,51.5
        """, geometry="reach_from_size = true")  # fmt: skip
    radius = {p.ref: p.search_radius_m for p in conv.places}
    # 3 spaces: 15 m, reach 7.5; the length 22 m wins over the spaces: 11; 1 space: 2.5, so the entry's 4 m;
    # 20 spaces: 100 m, at most 25; no size: 4 m; an unreadable count (flagged) is no size
    assert radius == {"1": 7.5, "2": 11.0, "3": 4.0, "4": 25.0, "5": 4.0, "6": 4.0}
    assert conv.flags["mapped_spaces_unreadable"] == 1


def test_without_reach_from_size_a_point_keeps_its_search_radius(tmp_path: Path) -> None:
    conv = convert(tmp_path, "1,Disabled,at any time,,6,,,,-0.1,51.5\n")
    assert conv.places[0].search_radius_m == 4.0
