"""The CurbLR converter: hand-made minimal features for each rule of the mapping, then the real feeds."""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from loaders import curblr
from loaders.base import LoadOptions, StructuralError, UsageError
from parking_api.engine.model import Activity, TimeSpan, UserClass, regulation_from_json, regulation_to_json

SAMPLES = Path(__file__).parent / "data" / "curblr_samples"
MANIFEST_11 = {
    "curblrVersion": "1.1.0",
    "timeZone": "America/Los_Angeles",
    "currency": "USD",
    "priorityHierarchy": ["no standing", "construction", "restricted loading", "paid parking", "free parking"],
    "authority": {"name": "Test City", "url": "https://example.org"},
}
LINE = {"type": "LineString", "coordinates": [[-122.6804, 45.5210], [-122.6807, 45.5204]]}


def feature(regulations: Any, *, ref: str = "abc", side: str = "right", start: Any = 0, end: Any = 10,
            geometry: Any = LINE) -> dict[str, Any]:  # fmt: skip
    return {
        "type": "Feature",
        "properties": {
            "location": {"shstRefId": ref, "sideOfStreet": side, "shstLocationStart": start, "shstLocationEnd": end},
            "regulations": regulations,
        },
        "geometry": geometry,
    }


def write(tmp_path: Path, features: list[dict[str, Any]], manifest: dict[str, Any] | None = None) -> Path:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if manifest is not None:
        doc["manifest"] = manifest
    path = tmp_path / "feed.curblr.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def convert(tmp_path: Path, features: list[dict[str, Any]], manifest: dict[str, Any] | None = MANIFEST_11,
            **options: Any):  # fmt: skip
    return curblr.convert(write(tmp_path, features, manifest), LoadOptions(**options))


def only_rule(conv):
    assert len(conv.places) == 1, conv.rejects
    (rule,) = conv.places[0].regulation.rules
    return rule


def parking(**extra: Any) -> dict[str, Any]:
    reg: dict[str, Any] = {"rule": {"activity": "parking", "priorityCategory": "free parking"}}
    reg.update(extra)
    return reg


# --- places and references -------------------------------------------------------------------------------------


def test_reference_keeps_numbers_as_written(tmp_path: Path) -> None:
    text = (
        '{"type": "FeatureCollection", "manifest": {"timeZone": "America/Chicago"}, "features": ['
        '{"type": "Feature", "properties": {"location": {"shstRefId": "36860e", "sideOfStreet": "right",'
        ' "shstLocationStart": 4.9, "shstLocationEnd": 73}, "regulations": [{"rule": {"activity": "parking"}}]},'
        ' "geometry": {"type": "LineString", "coordinates": [[-97.745, 30.2666], [-97.7457, 30.2668]]}},'
        '{"type": "Feature", "properties": {"location": {"shstRefId": "36860e", "sideOfStreet": "left",'
        ' "shstLocationStart": 4.90, "shstLocationEnd": 73.0}, "regulations": [{"rule": {"activity": "parking"}}]},'
        ' "geometry": {"type": "LineString", "coordinates": [[-97.745, 30.2666], [-97.7457, 30.2668]]}}]}'
    )
    path = tmp_path / "numbers.json"
    path.write_text(text)
    conv = curblr.convert(path, LoadOptions())
    assert [p.ref for p in conv.places] == ["36860e:right:4.9-73", "36860e:left:4.90-73.0"]
    place = conv.places[0]
    assert place.geometry_srid == 4326 and place.geom_quality == "line"
    assert place.geometry_wkt.startswith("LINESTRING (-97.745 30.2666")
    assert place.length_m == pytest.approx(68.1)
    assert place.attributes["shst_location_start"] == "4.9"


def test_same_stretch_features_are_one_place_ranked_by_priority(tmp_path: Path) -> None:
    paid = {"rule": {"activity": "parking", "priorityCategory": "paid parking", "maxStay": 120, "payment": True}}
    fence = {"rule": {"activity": "no standing", "priorityCategory": "construction"}}
    conv = convert(tmp_path, [feature([paid]), feature([fence]), feature([paid], end=20)])
    assert conv.read == 3
    assert [p.ref for p in conv.places] == ["abc:right:0-10", "abc:right:0-20"]
    place = conv.places[0]
    assert [r.activity for r in place.regulation.rules] == [Activity.NO_STOPPING, Activity.PARK]
    assert [r.priority for r in place.regulation.rules] == [1, 3]
    assert place.attributes["source_rows"] == [1, 2]
    assert "merged_features" in place.flags
    assert place.restriction_type == "construction / paid parking"
    # every feature is accounted for: merged into a place, or rejected
    assert sum(len(p.attributes["source_rows"]) for p in conv.places) + len(conv.rejects) == conv.read


def test_identical_rules_of_merged_features_are_kept_once(tmp_path: Path) -> None:
    conv = convert(tmp_path, [feature([parking()]), feature([parking()])])
    assert len(conv.places) == 1 and len(conv.places[0].regulation.rules) == 1
    assert conv.flags["curblr_duplicate_rule_dropped"] == 1


# --- priorities -------------------------------------------------------------------------------------------------


def test_priority_category_in_the_rule_is_its_place_in_the_hierarchy(tmp_path: Path) -> None:
    rule = only_rule(
        convert(tmp_path, [feature([{"rule": {"activity": "loading", "priorityCategory": "Restricted Loading"}}])])
    )
    assert rule.priority == 2  # case-insensitive match, 0-based, highest first


def test_priority_category_beside_the_rule_montreal_signalisation(tmp_path: Path) -> None:
    manifest = {"priorityHierarchy": ["1", "2", "3", "4", "5", "free parking"], "curblrVersion": "1.1.0"}
    regs = [
        {"priorityCategory": "5", "rule": {"activity": "parking"}, "timeSpans": []},
        {"priorityCategory": "3", "rule": {"activity": "no parking"},
         "timeSpans": [{"daysOfWeek": {"days": ["tu"]}, "timesOfDay": [{"from": "13:30", "to": "14:30"}]}]},
    ]  # fmt: skip
    conv = convert(tmp_path, [feature(regs)], manifest, timezone="America/Toronto")
    rules = conv.places[0].regulation.rules
    assert [(r.activity, r.priority) for r in rules] == [(Activity.NO_PARKING, 2), (Activity.PARK, 4)]


def test_integer_priority_category_is_matched_as_text_else_read_as_a_10_level(tmp_path: Path) -> None:
    manifest = {"priorityHierarchy": ["1", "2", "3", "4", "5", "free parking"]}
    regs = [
        {"priorityCategory": 4, "rule": {"activity": "no standing"}},
        {"priorityCategory": "4", "rule": {"activity": "no parking"}},
        {"priorityCategory": 6, "rule": {"activity": "parking"}},
    ]
    conv = convert(tmp_path, [feature(regs)], manifest, timezone="America/Toronto")
    by_activity = {r.activity: r.priority for r in conv.places[0].regulation.rules}
    assert by_activity[Activity.NO_STOPPING] == by_activity[Activity.NO_PARKING] == 3  # 4 ≡ "4"
    assert by_activity[Activity.PARK] == 5  # 6 is not in the hierarchy: 1.0 level 6 → 5
    assert conv.flags["curblr_priority_numeric"] == 1


def test_numeric_regulation_priority_curblr_10(tmp_path: Path) -> None:
    manifest = {"timeZone": "America/New_York", "currency": "USD"}
    regs = [
        {"timeSpans": [], "userClasses": [], "rule": {"activity": "no standing"}, "priority": 1},
        {"timeSpans": [], "userClasses": [], "rule": {"activity": "parking", "maxStay": 120}, "priority": 2},
    ]
    rules = convert(tmp_path, [feature(regs)], manifest).places[0].regulation.rules
    assert [(r.activity, r.priority) for r in rules] == [(Activity.NO_STOPPING, 0), (Activity.PARK, 1)]


def test_string_priority_in_the_rule_montreal_parco(tmp_path: Path) -> None:
    manifest = {"priorityHierarchy": ["no standing", "no parking", "paid parking"], "curblrVersion": "1.1.0"}
    regs = [
        {"rule": {"activity": "parking", "priority": "paid parking", "maxStay": 120, "payment": True}},
        {"rule": {"activity": "no parking", "priority": "2"}},  # a numeric string not in the hierarchy
    ]
    rules = convert(tmp_path, [feature(regs)], manifest, timezone="America/Toronto").places[0].regulation.rules
    assert [(r.activity, r.priority) for r in rules] == [(Activity.NO_PARKING, 1), (Activity.PARK, 2)]


def test_one_scale_for_all_placements(tmp_path: Path) -> None:
    """1.0 level 1 and the top of a hierarchy are both 0; the same name in rule or regulation gives the same number."""
    manifest = {"timeZone": "UTC", "priorityHierarchy": ["1", "2", "3", "4"]}
    regs = [
        {"rule": {"activity": "no standing", "priorityCategory": "1"}},
        {"rule": {"activity": "no parking"}, "priorityCategory": 1},
        {"rule": {"activity": "loading", "priority": "1"}},
        {"rule": {"activity": "parking"}, "priority": 1},
    ]
    rules = convert(tmp_path, [feature(regs)], manifest).places[0].regulation.rules
    assert {r.priority for r in rules} == {0}


def test_unknown_and_missing_priorities_rank_below_the_hierarchy(tmp_path: Path) -> None:
    regs = [{"rule": {"activity": "parking", "priorityCategory": "game day"}}, {"rule": {"activity": "no parking"}}]
    conv = convert(tmp_path, [feature(regs)])
    assert {r.priority for r in conv.places[0].regulation.rules} == {len(MANIFEST_11["priorityHierarchy"])}
    assert conv.flags["curblr_priority_unknown"] == 1 and conv.flags["curblr_priority_missing"] == 1


# --- activities and user classes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activity", "expected"),
    [
        ("parking", Activity.PARK),
        ("no parking", Activity.NO_PARKING),
        ("standing", Activity.LOAD),
        ("no standing", Activity.NO_STOPPING),
        ("loading", Activity.LOAD),
        ("no loading", Activity.NO_LOADING),
        ("stopping", Activity.LOAD),
        ("No_Stopping", Activity.NO_STOPPING),
    ],
)
def test_activities(tmp_path: Path, activity: str, expected: Activity) -> None:
    assert only_rule(convert(tmp_path, [feature([{"rule": {"activity": activity}}])])).activity is expected


@pytest.mark.parametrize(
    ("user_classes", "classes", "permits"),
    [
        (None, {UserClass.EVERYONE}, set()),
        ([], {UserClass.EVERYONE}, set()),
        ([{}], {UserClass.EVERYONE}, set()),
        ([{"class": "truck"}], {UserClass.GOODS}, set()),  # Philadelphia writes "class"
        ([{"class": "passenger"}], {UserClass.EVERYONE}, set()),
        ([{"classes": ["permit"], "subclasses": ["zone 4", "Zone 5"]}], {UserClass.PERMIT}, {"ZONE4", "ZONE5"}),
        ([{"classes": ["handicap"]}], {UserClass.BLUE_BADGE}, set()),
        ([{"classes": ["car share"], "subclasses": ["Zipcar"]}], {UserClass.CAR_CLUB}, set()),
        ([{"classes": ["transit"], "subclasses": ["bus"]}], {UserClass.BUS}, set()),
        ([{"classes": ["transit"], "subclasses": ["streetcar"]}], {UserClass.OTHER}, set()),
        ([{"classes": ["commercial", "musician"]}], {UserClass.GOODS, UserClass.OTHER}, set()),
        ([{"classes": ["Austin Police Department"]}], {UserClass.POLICE}, set()),
        ([{"classes": ["motorcycle"]}, {"classes": ["taxi"]}], {UserClass.MOTORCYCLE, UserClass.TAXI}, set()),
        ([{"classes": ["construction"]}], {UserClass.CONSTRUCTION}, set()),
    ],
)
def test_user_classes(tmp_path: Path, user_classes: Any, classes: set[UserClass], permits: set[str]) -> None:
    reg: dict[str, Any] = {"rule": {"activity": "parking"}}
    if user_classes is not None:
        reg["userClasses"] = user_classes
    rule = only_rule(convert(tmp_path, [feature([reg])]))
    assert set(rule.user_classes) == classes
    assert set(rule.permits) == permits


def test_the_reason_is_kept_in_the_label(tmp_path: Path) -> None:
    reg = {"rule": {"activity": "no parking", "reason": "street cleaning", "priorityCategory": "construction"}}
    assert only_rule(convert(tmp_path, [feature([reg])])).label == "no parking (construction) (street cleaning)"


def test_unknown_user_class_is_other_and_kept_in_the_label(tmp_path: Path) -> None:
    reg = {"rule": {"activity": "loading", "priorityCategory": "restricted loading", "maxStay": 15},
           "userClasses": [{"classes": ["hotel_guest"]}]}  # fmt: skip
    rule = only_rule(convert(tmp_path, [feature([reg])]))
    assert rule.user_classes == frozenset({UserClass.OTHER})
    assert rule.label == "restricted loading for hotel_guest"
    assert rule.max_stay == 15


# --- time spans -------------------------------------------------------------------------------------------------


def test_days_windows_and_holidays(tmp_path: Path) -> None:
    reg = parking(timeSpans=[{
        "daysOfWeek": {"days": ["mo", "tu", "we", "th", "fr", "sa"]},
        "timesOfDay": [{"from": "08:00", "to": "19:00"}],
        "designatedPeriods": [{"name": "holidays", "apply": "except during"}],
    }, {
        "daysOfWeek": {"days": ["Su"]},
        "timesOfDay": [{"from": "19:00", "to": "23:59"}, {"from": "00:00", "to": "08:00"}],
        "designatedPeriods": [{"name": "snow emergency", "apply": "only_during"}],
    }])  # fmt: skip
    conv = convert(tmp_path, [feature([reg])], holidays="US-OR")
    rule = only_rule(conv)
    assert rule.time_spans == (
        TimeSpan(days=frozenset(range(6)), windows=((480, 1140),), designated=(("holidays", "except"),)),
        TimeSpan(days=frozenset({6}), windows=((1140, 1440), (0, 480)), designated=(("snow emergency", "only"),)),
    )
    assert conv.meta.holidays == "US-OR"
    assert conv.flags["curblr_holidays_without_calendar"] == 0


def test_holidays_without_a_calendar_are_flagged(tmp_path: Path) -> None:
    reg = parking(timeSpans=[{"designatedPeriods": [{"name": "Holidays", "apply": "only during"}]}])
    conv = convert(tmp_path, [feature([reg])])
    assert only_rule(conv).time_spans[0].designated == (("Holidays", "only"),)
    assert conv.flags["curblr_holidays_without_calendar"] == 1


def test_inclusive_ends(tmp_path: Path) -> None:
    reg = parking(timeSpans=[{"timesOfDay": [{"from": "0:00", "to": "7:59"}, {"from": "16:00", "to": "18:59"},
                                             {"from": "22:00", "to": "23:59"}, {"from": "12:00", "to": "12:29"},
                                             {"from": "20:00", "to": "23:58"}]}])  # fmt: skip
    inclusive = only_rule(convert(tmp_path, [feature([reg])], inclusive_ends=True))
    assert inclusive.time_spans[0].windows == ((0, 480), (960, 1140), (1320, 1440), (720, 750), (1200, 1439))
    exclusive_conv = convert(tmp_path, [feature([reg])])
    assert only_rule(exclusive_conv).time_spans[0].windows == (
        (0, 479), (960, 1139), (1320, 1440), (720, 749), (1200, 1438),
    )  # fmt: skip
    assert exclusive_conv.flags["curblr_end_at_59_minutes"] == 2  # a hint to use --inclusive-ends


def test_midnight_forms(tmp_path: Path) -> None:
    reg = parking(timeSpans=[{"timesOfDay": [{"from": "24:00", "to": "06:00"}, {"from": "18:00", "to": "24:00"},
                                             {"from": "20:00", "until": "00:00"}]}])  # fmt: skip
    assert only_rule(convert(tmp_path, [feature([reg])])).time_spans[0].windows == ((0, 360), (1080, 1440),
                                                                                     (1200, 1440))  # fmt: skip
    whole = parking(timeSpans=[{"timesOfDay": [{"from": "00:00", "to": "00:00"}]}])
    assert only_rule(convert(tmp_path, [feature([whole])])).time_spans == ()  # the whole day, every day: always


def test_yearly_effective_dates_may_wrap_new_year(tmp_path: Path) -> None:
    reg = {"rule": {"activity": "no parking"}, "timeSpans": [{
        "effectiveDates": [{"from": "12-01", "to": "03-01"}, {"from": "08-15", "to": "06-28"}],
        "daysOfWeek": {"days": ["tu"]}, "timesOfDay": [{"from": "12:30", "to": "13:30"}],
    }]}  # fmt: skip
    span = only_rule(convert(tmp_path, [feature([reg])])).time_spans[0]
    assert span.yearly == (("12-01", "03-01"), ("08-15", "06-28"))
    assert span.days == frozenset({1}) and span.windows == ((750, 810),)
    assert span.date_from is None and span.date_to is None


def test_whole_year_effective_dates_are_always(tmp_path: Path) -> None:
    reg = parking(timeSpans=[{"effectiveDates": [{"from": "01-01", "to": "12-31"}]}])
    assert only_rule(convert(tmp_path, [feature([reg])])).time_spans == ()


def test_full_date_effective_dates(tmp_path: Path) -> None:
    reg = {"rule": {"activity": "no standing", "priorityCategory": "construction"}, "timeSpans": [{
        "effectiveDates": [{"from": "2019-07-19", "to": "2020-01-10"}, {"from": "2019-11-23", "to": "2019-11-23"}],
        "timesOfDay": [{"from": "07:00", "to": "19:00"}],
    }]}  # fmt: skip
    spans = only_rule(convert(tmp_path, [feature([reg])])).time_spans
    assert [(s.date_from, s.date_to) for s in spans] == [
        (date(2019, 7, 19), date(2020, 1, 10)),
        (date(2019, 11, 23), date(2019, 11, 23)),
    ]
    assert all(s.windows == ((420, 1140),) for s in spans)


def test_empty_days_rejects_that_regulation_only(tmp_path: Path) -> None:
    good = parking()
    bad = {"rule": {"activity": "parking", "priorityCategory": "paid parking"},
           "timeSpans": [{"daysOfWeek": {"days": []}, "timesOfDay": [{"from": "00:00", "to": "00:00"}]}]}  # fmt: skip
    conv = convert(tmp_path, [feature([good, bad])])
    assert conv.read == 1 and len(conv.places) == 1 and not conv.rejects
    (reject,) = conv.rejected_regulations
    assert reject.row_number == 1
    assert "daysOfWeek.days is empty" in reject.reason
    assert reject.field == "regulations[1].timeSpans[0].daysOfWeek.days"
    assert json.loads(reject.raw)["rule"]["priorityCategory"] == "paid parking"


@pytest.mark.parametrize(
    ("span", "words"),
    [
        ({"daysOfWeek": {"days": ["mo"], "occurrencesInMonth": ["1st"]}}, "occurrences"),
        ({"daysOfMonth": ["odd"]}, "daysOfMonth"),
        ({"timesOfDay": [{"from": "8am", "to": "10:00"}]}, "HH:MM"),
        ({"timesOfDay": [{"from": "10:00", "to": "10:00"}]}, "empty"),
        ({"effectiveDates": [{"from": "04-01", "to": "2020-12-01"}]}, "mix"),
        ({"effectiveDates": [{"from": "02-30", "to": "03-01"}]}, "day of the year"),
        ({"effectiveDates": [{"from": "2020-05-01", "to": "2020-04-01"}]}, "backwards"),
        ({"daysOfWeek": {"days": ["xx"]}}, "not one of"),
        ({"designatedPeriods": [{"name": "game day", "apply": "sometimes"}]}, "apply"),
        ({"timesOfWeek": []}, "unknown time span field"),
    ],
)
def test_time_spans_we_cannot_express_reject_the_regulation(tmp_path: Path, span: dict[str, Any], words: str) -> None:
    conv = convert(tmp_path, [feature([parking(timeSpans=[span]), {"rule": {"activity": "no parking"}}])])
    (reject,) = conv.rejected_regulations
    assert words in reject.reason
    assert len(conv.places) == 1


# --- rejects and counting ---------------------------------------------------------------------------------------


def test_counting_features_regulations_and_rejects(tmp_path: Path) -> None:
    features = [
        feature([parking()], start=0, end=5),
        feature([{"timeSpans": [{"effectiveDates": [{"from": "08-15", "to": "06-28"}]}]}], start=5, end=9),
        feature([parking(), {"UserClasses": [], "timeSpans": []}], start=9, end=12),
        feature([parking()], start=12, end=20, geometry=None),
        feature([parking()], start=20, end=30, geometry={"type": "LineString", "coordinates": [[1, 2], [1, 2]]}),
        feature([], start=30, end=40),
        feature([{"rule": {"activity": "dancing"}}], start=40, end=50),
    ]
    conv = convert(tmp_path, features)
    assert conv.read == 7
    assert [p.row_number for p in conv.places] == [1, 3]
    assert [(r.row_number, r.field) for r in conv.rejects] == [
        (2, "regulations[0].rule"),
        (4, "geometry"),
        (5, "geometry"),
        (6, "properties.regulations"),
        (7, "regulations[0].rule.activity"),
    ]
    assert "no rule" in conv.rejects[0].reason
    assert [(r.row_number, r.field) for r in conv.rejected_regulations] == [(3, "regulations[1].rule")]
    assert "the regulation has no rule" in conv.rejected_regulations[0].reason
    assert len(conv.places) + len(conv.rejects) == conv.read


def test_location_problems_reject_the_feature(tmp_path: Path) -> None:
    no_ref = feature([parking()])
    del no_ref["properties"]["location"]["shstRefId"]
    bad_start = feature([parking()], start="near the corner")
    conv = convert(tmp_path, [no_ref, bad_start, "not a feature"])  # type: ignore[list-item]
    assert [r.row_number for r in conv.rejects] == [1, 2, 3]
    assert "shstRefId" in conv.rejects[0].reason


# --- payment ----------------------------------------------------------------------------------------------------


def test_payment_rates_become_an_hourly_tariff(tmp_path: Path) -> None:
    reg = {"rule": {"activity": "parking", "priorityCategory": "paid parking", "maxStay": 120, "payment": True},
           "payment": {"rates": [{"fees": [0.5], "durations": [15]}], "methods": ["pay_station"]}}  # fmt: skip
    rule = only_rule(convert(tmp_path, [feature([reg])]))
    assert rule.payment is True and rule.max_stay == 120
    assert [(t.fuel, t.per_hour, t.currency) for t in rule.tariffs] == [("any", Decimal("2.00"), "USD")]
    assert rule.label == "paid parking"


def test_payment_true_beside_the_rule_and_odd_rate_shapes(tmp_path: Path) -> None:
    regs = [
        {"rule": {"activity": "parking"}, "payment": True},
        {"rule": {"activity": "loading", "payment": True},
         "payment": {"rates": [{"fees": [1.5], "durations": [120, 0, 0]}]}},
        {"rule": {"activity": "parking", "maxStay": 60},
         "payment": {"rates": [{"fees": [1, 2], "durations": [60, 60]}]}},
    ]  # fmt: skip
    conv = convert(tmp_path, [feature(regs)], manifest={"timeZone": "America/Toronto"})
    rules = {r.activity: r for r in conv.places[0].regulation.rules if r.max_stay is None}
    assert rules[Activity.PARK].payment is True and rules[Activity.PARK].tariffs == ()
    assert rules[Activity.LOAD].tariffs[0].per_hour == Decimal("0.75")
    assert rules[Activity.LOAD].tariffs[0].currency == ""  # the manifest names no currency
    tiered = next(r for r in conv.places[0].regulation.rules if r.max_stay == 60)
    assert tiered.payment is True and tiered.tariffs[0].per_hour == Decimal("1.00")
    assert conv.flags["curblr_rate_shape"] == 1 and conv.flags["curblr_rate_tiered"] == 1
    assert conv.flags["curblr_currency_unknown"] == 2


def test_prohibitions_carry_no_payment(tmp_path: Path) -> None:
    reg = {
        "rule": {"activity": "no parking", "payment": True},
        "payment": {"rates": [{"fees": [1], "durations": [60]}]},
    }
    rule = only_rule(convert(tmp_path, [feature([reg])]))
    assert rule.payment is False and rule.tariffs == ()


# --- manifest ---------------------------------------------------------------------------------------------------


def test_missing_time_zone_needs_the_option(tmp_path: Path) -> None:
    path = write(tmp_path, [feature([parking()])], {"priorityHierarchy": ["free parking"]})
    with pytest.raises(UsageError, match="--timezone"):
        curblr.convert(path, LoadOptions())
    with pytest.raises(UsageError, match="--timezone"):
        curblr.convert(path, LoadOptions(timezone="Mars/Olympus_Mons"))
    conv = curblr.convert(path, LoadOptions(timezone="America/Toronto"))
    assert conv.meta.timezone == "America/Toronto"


def test_the_option_overrides_the_manifest_time_zone(tmp_path: Path) -> None:
    conv = convert(tmp_path, [feature([parking()])], timezone="America/Chicago")
    assert conv.meta.timezone == "America/Chicago"
    assert conv.flags["curblr_manifest_timezone_overridden"] == 1


def test_meta_from_the_manifest(tmp_path: Path) -> None:
    manifest = dict(MANIFEST_11, lastUpdatedDate="2020-07-30T17:40:45Z")
    conv = convert(tmp_path, [feature([parking()])], manifest, holidays="US-OR")
    meta = conv.meta
    assert (meta.publisher, meta.url, meta.timezone, meta.holidays) == (
        "Test City", "https://example.org", "America/Los_Angeles", "US-OR",
    )  # fmt: skip
    assert meta.published_at is not None and meta.published_at.year == 2020


def test_unknown_holiday_calendar_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--holidays"):
        convert(tmp_path, [feature([parking()])], holidays="XX-YY")


@pytest.mark.parametrize(
    "text",
    ['{"type": "FeatureCollection", "features": [', '["not", "a", "collection"]', '{"type": "FeatureCollection"}'],
)
def test_unreadable_files_are_structural_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(StructuralError):
        curblr.convert(path, LoadOptions(timezone="UTC"))


def test_not_utf8_is_a_structural_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"features": [], "name": "Montréal"}'.encode("latin-1"))
    with pytest.raises(StructuralError, match="UTF-8"):
        curblr.convert(path, LoadOptions(timezone="UTC"))


def test_regulations_survive_the_json_round_trip(tmp_path: Path) -> None:
    reg = parking(timeSpans=[{"effectiveDates": [{"from": "2019-07-01", "to": "2020-06-30"}],
                              "designatedPeriods": [{"name": "holidays", "apply": "except during"}]}])  # fmt: skip
    regulation = convert(tmp_path, [feature([reg])]).places[0].regulation
    assert regulation_from_json(json.loads(json.dumps(regulation_to_json(regulation)))) == regulation


# --- the real feeds ---------------------------------------------------------------------------------------------


def sample(tmp_path: Path, name: str) -> Path:
    out = tmp_path / name.removesuffix(".gz")
    out.write_bytes(gzip.decompress((SAMPLES / name).read_bytes()))
    return out


REAL_FEEDS = [
    # file, options, read, places, rejects, rejected regulations, rules
    ("austin_2020-11.curblr.json.gz", {}, 17, 17, 0, 0, 17),
    ("downtown_portland_2020-07-30.curblr.json.gz", {"holidays": "US-OR"}, 416, 363, 0, 0, 416),
    ("philadelphia_ccd_2019-12.curblr.json.gz", {"inclusive_ends": True}, 465, 227, 0, 0, 438),
    ("montreal_parco_saint-laurent.curblr.json.gz", {"timezone": "America/Toronto"}, 191, 128, 0, 14, 272),
    ("mtl-subset-segment-lasalle.curblr.json.gz", {"timezone": "America/Toronto"}, 14, 13, 0, 0, 22),
    ("mtl-subset-segment-outremont.curblr.json.gz", {"timezone": "America/Toronto"}, 1407, 933, 29, 0, 1762),
]


@pytest.mark.parametrize(("name", "options", "read", "places", "rejects", "partial", "rules"), REAL_FEEDS,
                         ids=[f[0].split(".")[0] for f in REAL_FEEDS])  # fmt: skip
def test_real_feeds_convert(tmp_path: Path, name: str, options: dict[str, Any], read: int, places: int,
                            rejects: int, partial: int, rules: int) -> None:  # fmt: skip
    conv = curblr.convert(sample(tmp_path, name), LoadOptions(**options))
    assert (conv.read, len(conv.places), len(conv.rejects), len(conv.rejected_regulations)) == (
        read, places, rejects, partial,
    )  # fmt: skip
    assert sum(len(p.regulation.rules) for p in conv.places) == rules
    assert sum(len(p.attributes["source_rows"]) for p in conv.places) + len(conv.rejects) == conv.read
    assert len({p.ref for p in conv.places}) == len(conv.places)
    for place in conv.places:
        assert place.geometry_wkt.startswith(("LINESTRING", "MULTILINESTRING"))
        assert place.regulation.category and place.regulation.description
        assert list(place.regulation.rules) == sorted(place.regulation.rules, key=lambda r: r.priority)
        assert len(place.regulation.category) <= 64


def test_portland_details(tmp_path: Path) -> None:
    conv = curblr.convert(sample(tmp_path, "downtown_portland_2020-07-30.curblr.json.gz"), LoadOptions())
    assert conv.meta.publisher == "Portland Bureau of Transportation"
    assert conv.meta.timezone == "America/Los_Angeles"
    first = conv.places[0]
    assert first.ref == "36860eafa27b8af9b448d46d971f9d63:right:4.9-73"
    assert first.attributes["asset_type"] == "fence"
    paid = next(p for p in conv.places if p.regulation.category == "paid")
    (rule,) = paid.regulation.rules
    assert rule.tariffs[0].per_hour == Decimal("2.00") and rule.tariffs[0].currency == "USD"
    assert all(("holidays", "except") in s.designated for s in rule.time_spans)
    dated = [s for p in conv.places for r in p.regulation.rules for s in r.time_spans if s.date_from]
    assert len(dated) == 7
    # overnight free parking written as two windows reaches midnight
    assert any((1140, 1440) in s.windows for p in conv.places for r in p.regulation.rules for s in r.time_spans)


def test_philadelphia_details(tmp_path: Path) -> None:
    conv = curblr.convert(sample(tmp_path, "philadelphia_ccd_2019-12.curblr.json.gz"),
                          LoadOptions(inclusive_ends=True))  # fmt: skip
    windows = {w for p in conv.places for r in p.regulation.rules for s in r.time_spans for w in s.windows}
    assert (0, 480) in windows and not any(end % 60 == 59 for _, end in windows)
    classes = {c for p in conv.places for r in p.regulation.rules for c in r.user_classes}
    assert UserClass.GOODS in classes  # {"class": "truck"}
    assert {r.priority for p in conv.places for r in p.regulation.rules} == {0, 1}


def test_montreal_outremont_details(tmp_path: Path) -> None:
    conv = curblr.convert(sample(tmp_path, "mtl-subset-segment-outremont.curblr.json.gz"),
                          LoadOptions(timezone="America/Toronto", source="montreal-outremont"))  # fmt: skip
    assert conv.meta.publisher == "Ville de Montréal" and conv.meta.licence == "CC BY 4.0"
    no_rule = [r for r in conv.rejects if "no rule" in r.reason]
    assert len(no_rule) == 28  # the 29th rule-less feature also has a zero-length line
    wrapped = {y for p in conv.places for r in p.regulation.rules for s in r.time_spans for y in s.yearly
               if y[0] > y[1]}  # fmt: skip
    assert ("11-30", "04-01") in wrapped  # the "08-15"→"06-28" ranges are all in the rule-less regulations


def test_montreal_integer_priority_category(tmp_path: Path) -> None:
    conv = curblr.convert(sample(tmp_path, "mtl-subset-segment-lasalle.curblr.json.gz"),
                          LoadOptions(timezone="America/Toronto"))  # fmt: skip
    priorities = {r.priority for p in conv.places for r in p.regulation.rules}
    assert priorities <= {0, 1, 2, 3, 4, 5}
    assert conv.flags["curblr_priority_numeric"] == 0  # the integer was found in the hierarchy as text
