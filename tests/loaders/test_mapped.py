"""The mapped loader: a fictional Islington-style borough (GeoJSON and CSV), Camden through its mapping, and every
kind of mapping error named by its TOML key path."""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from loader_testlib import BAYS_2020

from loaders import mapped
from loaders.base import LoadOptions, StructuralError, UsageError
from loaders.report import reason_key
from parking_api.engine.camden import build_bay_regulation_from_row
from parking_api.engine.model import Activity, HolidayMode, UserClass
from parking_api.engine.uk import PRIORITY_CONCESSION

DATA = Path(__file__).parent / "data" / "mapped_islington"
GEOJSON = DATA / "islington_bays.geojson"
CSV = DATA / "islington_bays.csv"
CAMDEN_MAPPING = Path(mapped.__file__).parents[1] / "mappings" / "camden.toml"


def islington(**options: Any):
    return mapped.convert(GEOJSON, LoadOptions(mapping=str(DATA / "islington.toml"), **options))


def by_ref(conv) -> dict[str, Any]:
    return {p.ref: p for p in conv.places}


# --- a borough's GeoJSON ----------------------------------------------------------------------------------------


def test_islington_style_geojson_counts() -> None:
    conv = islington()
    assert conv.read == 11
    assert sorted(by_ref(conv)) == ["ISL-0001", "ISL-0002", "ISL-0003", "ISL-0004", "ISL-0005", "ISL-0006", "ISL-0010"]
    assert [(r.row_number, r.field) for r in conv.rejects] == [
        (7, "BayType"),
        (8, "geometry"),
        (9, "OperatingHours"),
        (10, "BayRef"),
    ]
    reasons = [r.reason for r in conv.rejects]
    assert "'Skip Bay' is not in the mapping's [types]" in reasons[0]
    assert "no usable geometry" in reasons[1]
    assert "cannot read times of operation" in reasons[2]
    assert "duplicate reference 'ISL-0001' (first at row 1)" in reasons[3]
    # counted by category, as the report and the run history show them
    assert [reason_key(r) for r in reasons[:3]] == [
        "restriction type is not in the mapping's [types]",
        "no usable geometry",
        "cannot read times of operation",
    ]
    assert json.loads(conv.rejects[0].raw)["properties"]["BayRef"] == "ISL-0007"
    assert len(conv.places) + len(conv.rejects) == conv.read


def test_islington_style_meta() -> None:
    meta = islington().meta
    assert (meta.publisher, meta.licence, meta.timezone, meta.holidays) == (
        "Fictional borough (test data)", "CC0", "Europe/London", "GB-ENG",
    )  # fmt: skip
    overridden = islington(timezone="Europe/Dublin", holidays="GB-SCT").meta
    assert (overridden.timezone, overridden.holidays) == ("Europe/Dublin", "GB-SCT")


def test_islington_style_resident_bay() -> None:
    place = by_ref(islington())["ISL-0001"]
    assert (place.restriction_type, place.road, place.zone, place.spaces, place.length_m) == (
        "Resident", "Upper Street", "ISL-A", 3, 15.5,
    )  # fmt: skip
    assert place.attributes == {"Notes": "near the green"}
    assert place.geometry_srid == 4326 and place.geom_quality == "line"
    assert place.regulation.category == "resident_permit"
    badge, permit = place.regulation.rules
    assert (badge.user_classes, badge.priority, badge.max_stay) == (frozenset({UserClass.BLUE_BADGE}), 10, None)
    assert (permit.user_classes, permit.permits, permit.priority) == (frozenset({UserClass.PERMIT}), {"ISL-A"}, 20)
    span = permit.time_spans[0]
    assert span.days == frozenset(range(5)) and span.windows == ((510, 1110),)
    assert span.holidays is HolidayMode.EXCEPT  # not enforced on bank holidays


def test_islington_style_shared_use_bay_binds_payers_only() -> None:
    place = by_ref(islington())["ISL-0003"]
    rules = {next(iter(r.user_classes)): r for r in place.regulation.rules}
    assert set(rules) == {UserClass.BLUE_BADGE, UserClass.PERMIT, UserClass.EVERYONE}
    assert rules[UserClass.PERMIT].permits == {"ISL-B"} and rules[UserClass.PERMIT].max_stay is None
    payers = rules[UserClass.EVERYONE]
    assert payers.payment and payers.max_stay == 120
    assert [(t.fuel, t.per_hour) for t in payers.tariffs] == [
        ("non-diesel", Decimal("3.10")),
        ("diesel", Decimal("3.90")),
    ]
    assert place.regulation.description == (
        "Shared Use, Mon-Fri 08:30-18:30, 2 hours, £3.10 (non-diesel) / £3.90 (diesel), permits ISL-B;ISL-B"
    )


def test_islington_style_other_types() -> None:
    places = by_ref(islington())
    (_badge, paid) = places["ISL-0002"].regulation.rules
    assert places["ISL-0002"].restriction_type == "pay & display"  # type names match case-insensitively
    assert paid.payment and paid.max_stay == 240 and paid.tariffs[0].per_hour == Decimal("2.40")
    (disabled,) = places["ISL-0004"].regulation.rules
    assert disabled.user_classes == {UserClass.BLUE_BADGE} and disabled.max_stay == 180
    assert disabled.time_spans[0].holidays is HolidayMode.IGNORE
    (loading,) = places["ISL-0005"].regulation.rules
    assert (loading.activity, loading.user_classes, loading.max_stay) == (Activity.LOAD, {UserClass.GOODS}, 40)
    (bus_stop,) = places["ISL-0006"].regulation.rules
    assert (bus_stop.activity, bus_stop.priority, bus_stop.label) == (Activity.NO_STOPPING, 5, "Bus stop")
    motorcycle = places["ISL-0010"]
    assert motorcycle.geom_quality == "polygon" and motorcycle.spaces is None  # "six" is not a number
    assert motorcycle.regulation.rules[0].time_spans[0].windows == ((0, 1440),)  # the type's own times win


def test_islington_style_flags() -> None:
    assert islington().flags["mapped_spaces_unreadable"] == 1


def test_feature_id_as_the_reference(tmp_path: Path) -> None:
    toml = (DATA / "islington.toml").read_text().replace('ref = "BayRef"', 'ref = "@id"')
    (tmp_path / "by_id.toml").write_text(toml)
    conv = mapped.convert(GEOJSON, LoadOptions(mapping=str(tmp_path / "by_id.toml")))
    assert by_ref(conv)["1"].restriction_type == "Resident"
    assert "10" in by_ref(conv)  # no longer a duplicate


def test_json_records_nested_under_a_key(tmp_path: Path) -> None:
    (tmp_path / "records.json").write_text(json.dumps({"meta": {}, "data": {"rows": [
        {"id": 17, "kind": "Resident", "lon": "-0.1", "lat": "51.5"},
        {"id": 18, "kind": "Resident", "lon": "0", "lat": "0"},
        "not a record",
    ]}}))  # fmt: skip
    (tmp_path / "records.toml").write_text(
        textwrap.dedent("""
        [source]
        format = "json-records"
        records = "data.rows"
        timezone = "Europe/London"
        [fields]
        ref = "id"
        restriction_type = "kind"
        [[geometry]]
        x = "lon"
        y = "lat"
        search_radius_m = 10
        [types.Resident]
        category = "resident_permit"
        park = ["permit"]
    """)
    )
    conv = mapped.convert(tmp_path / "records.json", LoadOptions(mapping=str(tmp_path / "records.toml")))
    assert conv.read == 3
    (place,) = conv.places
    assert (place.ref, place.geometry_wkt, place.search_radius_m) == ("17", "POINT (-0.1 51.5)", 10.0)
    assert place.regulation.rules[0].time_spans[0].windows == ((0, 1440),)  # no times column: always in force
    assert [(r.row_number, r.field) for r in conv.rejects] == [(2, "geometry"), (3, None)]
    (tmp_path / "empty.json").write_text('{"data": {}}')
    with pytest.raises(StructuralError, match=r"not a JSON array of records at 'data\.rows'"):
        mapped.convert(tmp_path / "empty.json", LoadOptions(mapping=str(tmp_path / "records.toml")))


# --- a borough's CSV --------------------------------------------------------------------------------------------


def test_csv_with_its_own_delimiter_encoding_and_british_grid() -> None:
    conv = mapped.convert(CSV, LoadOptions(mapping=str(DATA / "islington_csv.toml")))
    assert conv.read == 5
    assert [p.ref for p in conv.places] == ["C-1", "C-2", "C-5"]
    assert [(r.row_number, r.field) for r in conv.rejects] == [(3, "geometry"), (4, None)]
    assert "the row has 6 fields, the header 10" in conv.rejects[1].reason
    assert reason_key(conv.rejects[1].reason) == "wrong number of fields for the CSV header"
    line, point, _ = conv.places
    assert (line.geometry_wkt, line.geometry_srid, line.geom_quality) == (
        "LINESTRING (531500 184200, 531510 184215)", 27700, "line",
    )  # fmt: skip
    assert (point.geometry_wkt, point.geom_quality, point.search_radius_m) == ("POINT (532010 184420)", "point", 12.5)
    assert point.regulation.rules[0].tariffs[0].per_hour == Decimal("2.40")  # "£" read as cp1252
    assert conv.flags["mapped_geometry_fallback"] == 1


def test_truncated_csv_is_a_structural_error(tmp_path: Path) -> None:
    data = CSV.read_bytes().rstrip(b"\r\n")
    data = data[: data.rindex(b";LINESTRING")]  # the final record cut short, no line end
    (tmp_path / "cut.csv").write_bytes(data)
    with pytest.raises(StructuralError, match="truncated"):
        mapped.convert(tmp_path / "cut.csv", LoadOptions(mapping=str(DATA / "islington_csv.toml")))


def test_csv_in_the_wrong_encoding_is_a_structural_error(tmp_path: Path) -> None:
    toml = (DATA / "islington_csv.toml").read_text().replace('encoding = "cp1252"', 'encoding = "utf-8"')
    (tmp_path / "utf8.toml").write_text(toml)
    with pytest.raises(StructuralError, match="utf-8"):
        mapped.convert(CSV, LoadOptions(mapping=str(tmp_path / "utf8.toml")))


# --- Camden through its mapping ---------------------------------------------------------------------------------


def _essence(regulation) -> list[tuple]:
    return sorted(
        (r.activity, tuple(sorted(r.user_classes)), tuple(sorted(r.permits)), r.priority, r.max_stay, r.no_return,
         r.payment, r.tariffs, r.time_spans)
        for r in regulation.rules
    )  # fmt: skip


def test_camden_2020_json_through_the_mapping() -> None:
    conv = mapped.convert(BAYS_2020, LoadOptions(mapping=str(CAMDEN_MAPPING)))
    assert (conv.read, len(conv.places), len(conv.rejects)) == (1000, 1000, 0)
    assert conv.meta.publisher == "London Borough of Camden" and conv.meta.holidays == "GB-ENG"
    quality = {q: sum(1 for p in conv.places if p.geom_quality == q) for q in ("line", "point", "polygon")}
    assert quality == {"line": 821, "point": 175, "polygon": 4}
    assert conv.flags["mapped_geometry_one_point_parts_dropped"] == 1
    # the same rules (ignoring wording) as the dedicated Camden builder, bay by bay
    rows = json.loads(BAYS_2020.read_text(encoding="utf-8"))
    for place in conv.places:
        row = rows[place.row_number - 1]
        expected = build_bay_regulation_from_row(row)
        assert place.ref == row["unique_identifier"]
        assert place.regulation.category == expected.category, row["restriction_type"]
        assert _essence(place.regulation) == _essence(expected), row["restriction_type"]


def test_camden_green_badge_area() -> None:
    conv = mapped.convert(BAYS_2020, LoadOptions(mapping=str(CAMDEN_MAPPING)))
    concessions = {
        p.zone: next(iter(r.user_classes))
        for p in conv.places
        for r in p.regulation.rules
        if r.priority == PRIORITY_CONCESSION
    }
    assert concessions["CA-D"] is UserClass.GREEN_BADGE
    assert concessions["CA-B"] is UserClass.BLUE_BADGE


# --- mapping errors: each names its TOML key path ---------------------------------------------------------------

GOOD = """
[source]
format = "geojson"
timezone = "Europe/London"

[fields]
ref = "BayRef"
restriction_type = "BayType"

[types.Resident]
category = "resident_permit"
park = ["permit"]
"""


def errors_of(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mapping.toml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(UsageError) as info:
        mapped.load_mapping(path)
    return str(info.value)


def test_the_minimal_mapping_is_valid(tmp_path: Path) -> None:
    (tmp_path / "ok.toml").write_text(GOOD)
    mapping = mapped.load_mapping(tmp_path / "ok.toml")
    assert mapping.format == "geojson" and mapping.geometry[0].kind == "feature"
    assert mapping.bay_type("  RESIDENT ").category == "resident_permit"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("format = ", "fomat = "), "source.fomat: unknown key (did you mean 'format'?)"),
        (("format = ", "fomat = "), "source.format: required key is missing"),
        (('ref = "BayRef"\n', ""), "fields.ref: required key is missing"),
        (('[types.Resident]', '[types.Resident]\ncolour = "blue"'), "types.Resident.colour: unknown key"),
        (('park = ["permit"]', 'park = ["permit", "resident"]'),
         "types.Resident.park[1]: unknown user class 'resident'"),
        (('park = ["permit"]', 'park = ["permit"]\npays = ["blue_badges"]'),
         "types.Resident.pays[0]: unknown user class 'blue_badges' (did you mean 'blue_badge'?"),
        (('park = ["permit"]', 'park = "permit"'), "types.Resident.park: must be a list of user classes, not a string"),
        (('ref = "BayRef"', 'ref = 7'), "fields.ref: must be a string, not an integer"),
        (('[types.Resident]', '[types."Pay & Display"]\ncategory = "paid"\npark = ["everyone"]\npays = "yes"\n'
          '[types.Resident]'), 'types."Pay & Display".pays: must be a list of user classes, not a string'),
        (('park = ["permit"]', 'park = ["permit"]\nblue_badge = "yes"'),
         "types.Resident.blue_badge: must be true or false, not a string"),
        (('category = "resident_permit"\n', ""), "types.Resident.category: required key is missing"),
        (('category = "resident_permit"', 'category = "resident_permits"'),
         "types.Resident.category: unknown category 'resident_permits' (did you mean 'resident_permit'? allowed:"
         " resident_permit, permit, paid, shared_use_resident,"),
        (('category = "resident_permit"', 'category = "electric_charging"'),
         "types.Resident.category: unknown category 'electric_charging' (did you mean 'ev_charging'? allowed:"),
        (('park = ["permit"]', "park = []"), "types.Resident: says nobody may park or load"),
        (('park = ["permit"]', 'park = ["permit"]\nprohibit = "no_dancing"'),
         "types.Resident.prohibit: must be one of no_parking, no_stopping, no_loading"),
        (('park = ["permit"]', 'park = ["permit"]\npermits = { trader = ["TRADER"] }'),
         "types.Resident.permits.trader: 'trader' is not among the classes that park"),
        (('park = ["permit"]', 'park = ["permit"]\nmax_stay_binds = ["goods"]'),
         "types.Resident.max_stay_binds: 'goods' is not among the classes that park or load"),
        (('park = ["permit"]', 'park = ["permit"]\ntimes = "when it rains"'),
         "types.Resident.times: cannot read times of operation"),
        (('format = "geojson"', 'format = "shapefile"'), "source.format: must be one of geojson, csv, json-records"),
        (('timezone = "Europe/London"', 'timezone = "Europe/Camden"'), "source.timezone: 'Europe/Camden' is not"),
        (('timezone = "Europe/London"', 'timezone = "Europe/London"\nholidays = "XX"'), "source.holidays: unknown"),
        (('timezone = "Europe/London"', 'timezone = "Europe/London"\nencoding = "klingon"'),
         "source.encoding: unknown text encoding"),
        (('timezone = "Europe/London"', 'timezone = "Europe/London"\ndelimiter = ";"'),
         'source.delimiter: only applies to format = "csv"'),
        (('timezone = "Europe/London"', 'timezone = "Europe/London"\ncurrency = "pounds"'),
         "source.currency: must be an ISO 4217 code"),
        (('[types.Resident]', '[[geometry]]\nwkt = "WKT"\nx = "E"\ny = "N"\n[types.Resident]'),
         "geometry[0]: give exactly one of wkt, geojson, feature = true, or x and y"),
        (('[types.Resident]', '[[geometry]]\nx = "E"\n[types.Resident]'), "geometry[0].y: required key is missing"),
        (('[types.Resident]', '[[geometry]]\nwkt = "WKT"\ncrs = 999999\n[types.Resident]'),
         "geometry[0].crs: EPSG:999999 is not a known coordinate reference system"),
        (('[types.Resident]', '[[geometry]]\nwkt = "WKT"\ncrs = "27700"\n[types.Resident]'),
         "geometry[0].crs: must be an integer, not a string"),
        (('[types.Resident]', '[[geometry]]\nwkt = "WKT"\nsearch_radius_m = -5\n[types.Resident]'),
         "geometry[0].search_radius_m: must not be negative"),
        (('[types.Resident]', '[types.resident]\ncategory = "x"\npark = ["permit"]\n[types.Resident]'),
         "types.Resident: the same bay type as 'resident'"),
        (("[fields]", "title = 3\n[fields]"), "title: unknown key"),
    ],
)  # fmt: skip
def test_mapping_errors_name_the_key(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    assert message in errors_of(tmp_path, GOOD.replace(old, new, 1))


def test_format_csv_needs_a_geometry(tmp_path: Path) -> None:
    assert "geometry: required for format = 'csv'" in errors_of(tmp_path, GOOD.replace('"geojson"', '"csv"'))


def test_all_problems_are_listed_at_once(tmp_path: Path) -> None:
    text = GOOD.replace('ref = "BayRef"', "ref = 1").replace('park = ["permit"]', 'park = ["wizard"]')
    message = errors_of(tmp_path, text)
    assert "2 problem(s)" in message
    assert "fields.ref" in message and "types.Resident.park[0]" in message


def test_invalid_toml_and_missing_mapping(tmp_path: Path) -> None:
    assert "is not valid TOML" in errors_of(tmp_path, "[source\nformat = 1")
    with pytest.raises(UsageError, match="--mapping"):
        mapped.convert(GEOJSON, LoadOptions())
    with pytest.raises(UsageError, match="cannot read"):
        mapped.convert(GEOJSON, LoadOptions(mapping=str(tmp_path / "nowhere.toml")))


def test_columns_the_file_does_not_have(tmp_path: Path) -> None:
    csv_toml = (DATA / "islington_csv.toml").read_text().replace('times = "Hours"', 'times = "Hourz"')
    (tmp_path / "csv.toml").write_text(csv_toml)
    with pytest.raises(
        UsageError, match=r"fields\.times: column 'Hourz' is not in the CSV header \(did you mean 'Hours'"
    ):
        mapped.convert(CSV, LoadOptions(mapping=str(tmp_path / "csv.toml")))
    geo_toml = (DATA / "islington.toml").read_text().replace('road = "Street"', 'road = "StreetName"')
    (tmp_path / "geo.toml").write_text(geo_toml)
    with pytest.raises(UsageError, match=r"fields\.road: column 'StreetName' is not in any record"):
        mapped.convert(GEOJSON, LoadOptions(mapping=str(tmp_path / "geo.toml")))


def test_a_time_zone_is_needed(tmp_path: Path) -> None:
    (tmp_path / "no_tz.toml").write_text(GOOD.replace('timezone = "Europe/London"\n', ""))
    with pytest.raises(UsageError, match="--timezone"):
        mapped.convert(GEOJSON, LoadOptions(mapping=str(tmp_path / "no_tz.toml")))
    conv = mapped.convert(GEOJSON, LoadOptions(mapping=str(tmp_path / "no_tz.toml"), timezone="Europe/London"))
    assert conv.meta.timezone == "Europe/London"


def test_the_shipped_mappings_are_valid() -> None:
    for path in sorted(CAMDEN_MAPPING.parent.glob("*.toml")):
        assert mapped.load_mapping(path).types, path.name
