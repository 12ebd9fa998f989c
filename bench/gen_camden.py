"""Generate a synthetic, London-scale Camden "Parking Bays" file by varying the real rows.

    python bench/gen_camden.py N OUT [--seed S]

OUT ending in ``.csv`` is written in the CSV download layout (Title Case headers, EPSG:27700 and EPSG:4326 WKT and
GeoJSON columns, ``Last Uploaded`` month first); ``.json`` in the Socrata API layout (a JSON array of snake_case
objects, every value a string). Each of the N bays is one of the 1,000 real bays of the bundled 2020 sample, given a
unique identifier and moved as a whole by a random offset of up to about 20 km, so that the bays spread over Greater
London; its WGS84 and British National Grid geometries, longitude/latitude and easting/northing move together.
Rows without geometry stay without geometry (point-only bays), and the few odd rows (centimetre lengths, a geometry
with one-point parts) keep their oddities, so the loader does its real work. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders.runner import bundled_path  # noqa: E402

CSV_HEADER = [
    "Restriction Type", "Parking Spaces", "Times Of Operation", "Maximum Stay", "Tariff", "Cashless Identifier",
    "Nearest Machine", "Road Name", "Postcode", "Controlled Parking Zone", "Valid Parking Permits",
    "Parking Bay Length Metres", "Disclaimer", "Easting", "Northing", "Longitude", "Latitude",
    "EPSG:27700 Well Known Text Geometry", "EPSG:4326 Well Known Text Geometry", "EPSG:27700 GeoJSON Geometry",
    "EPSG:4326 GeoJSON Geometry", "Unique Identifier", "Spatial Accuracy", "Last Uploaded", "Location",
    "Organisation URI",
]  # fmt: skip
TEXT_FIELDS = [
    ("Restriction Type", "restriction_type"),
    ("Parking Spaces", "parking_spaces"),
    ("Times Of Operation", "times_of_operation"),
    ("Maximum Stay", "maximum_stay"),
    ("Tariff", "tariff"),
    ("Cashless Identifier", "cashless_identifier"),
    ("Nearest Machine", "nearest_machine"),
    ("Road Name", "road_name"),
    ("Postcode", "postcode"),
    ("Controlled Parking Zone", "controlled_parking_zone"),
    ("Valid Parking Permits", "valid_parking_permits"),
    ("Parking Bay Length Metres", "parking_bay_length_metres"),
    ("Disclaimer", "disclaimer"),
    ("Spatial Accuracy", "spatial_accuracy"),
]
ORGANISATION = "http://opendatacommunities.org/id/london-borough-council/camden"
LAST_UPLOADED_CSV = "04/08/2023 11:00:33 PM"
LAST_UPLOADED_JSON = "2023-04-08T23:00:33.000"
FIRST_REF = 60_000_000
BATCH = 20_000
M_PER_DEG_LAT = 111_320.0


class Base:
    """One real bay, parsed once."""

    def __init__(self, row: dict) -> None:
        self.row = row
        self.wkt4326 = row.get("epsg_4326_well_known_text_geometry")
        self.wkt27700 = row.get("epsg_27700_well_known_text_geometry")
        self.g4326 = self._parse(self.wkt4326)
        self.g27700 = self._parse(self.wkt27700)
        self.lon = float(row["longitude"])
        self.lat = float(row["latitude"])
        self.east = float(row.get("easting") or 0)
        self.north = float(row.get("northing") or 0)

    @staticmethod
    def _parse(wkt: str | None):
        if not wkt:
            return None
        try:
            return shapely.from_wkt(wkt)
        except shapely.errors.GEOSException:
            return None  # e.g. one-point parts: copied unmoved, as the publisher wrote them


def _shift(geoms: list, dx: np.ndarray, dy: np.ndarray, digits: int) -> tuple[list[str], list[str]]:
    """Move each geometry by its own offset; return its WKT and GeoJSON texts."""
    arr = np.array(geoms, dtype=object)
    _, index = shapely.get_coordinates(arr, return_index=True)
    offsets = np.column_stack([dx[index], dy[index]])
    moved = shapely.transform(arr, lambda c: c + offsets)  # coordinates come in get_coordinates order
    wkt = shapely.to_wkt(moved, rounding_precision=digits, trim=True)
    geojson = [json.dumps(json.loads(g), separators=(",", ":")) for g in shapely.to_geojson(moved)]
    return list(wkt), geojson


def generate(n: int, out: Path, seed: int = 20200209) -> None:
    sample = bundled_path("camden/camden_parking_bays_7hiv-3r9k_2020-02.json")
    bases = [Base(r) for r in json.loads(sample.read_text(encoding="utf-8"))]
    rng = np.random.default_rng(seed)
    as_csv = out.suffix.lower() == ".csv"
    started = time.monotonic()
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n") if as_csv else None
        if writer:
            writer.writerow(CSV_HEADER)
        else:
            fh.write("[")
        written = 0
        while written < n:
            size = min(BATCH, n - written)
            pick = rng.integers(0, len(bases), size)
            dx = rng.uniform(-20_000.0, 20_000.0, size)  # metres east
            dy = rng.uniform(-15_000.0, 12_000.0, size)  # metres north
            batch = [bases[i] for i in pick]
            lat0 = np.array([b.lat for b in batch])
            dlon = dx / (M_PER_DEG_LAT * np.cos(np.radians(lat0)))
            dlat = dy / M_PER_DEG_LAT
            with_geom = [k for k, b in enumerate(batch) if b.g4326 is not None and b.g27700 is not None]
            w4326, j4326 = _shift([batch[k].g4326 for k in with_geom], dlon[with_geom], dlat[with_geom], 7)
            w27700, j27700 = _shift([batch[k].g27700 for k in with_geom], dx[with_geom], dy[with_geom], 2)
            shifted = {k: (w4326[i], j4326[i], w27700[i], j27700[i]) for i, k in enumerate(with_geom)}
            for k, base in enumerate(batch):
                ref = str(FIRST_REF + written + k)
                lon = f"{base.lon + dlon[k]:.6f}"
                lat = f"{base.lat + dlat[k]:.6f}"
                east = str(round(base.east + dx[k])) if base.east else "0"
                north = str(round(base.north + dy[k])) if base.north else "0"
                if k in shifted:
                    wkt4, gj4, wkt27, gj27 = shifted[k]
                elif base.wkt4326:  # unparseable real geometry: copied as it is
                    wkt4, gj4, wkt27, gj27 = base.wkt4326, "", base.wkt27700 or "", ""
                else:
                    wkt4 = gj4 = wkt27 = gj27 = ""
                row = base.row
                if writer:
                    values = {title: row.get(name, "") for title, name in TEXT_FIELDS}
                    values.update(
                        {
                            "Easting": east,
                            "Northing": north,
                            "Longitude": lon,
                            "Latitude": lat,
                            "EPSG:27700 Well Known Text Geometry": wkt27,
                            "EPSG:4326 Well Known Text Geometry": wkt4,
                            "EPSG:27700 GeoJSON Geometry": gj27,
                            "EPSG:4326 GeoJSON Geometry": gj4,
                            "Unique Identifier": ref,
                            "Last Uploaded": LAST_UPLOADED_CSV,
                            "Location": f"({lat}, {lon})",
                            "Organisation URI": ORGANISATION,
                        }
                    )
                    writer.writerow([values[h] for h in CSV_HEADER])
                else:
                    rec = {name: row[name] for _, name in TEXT_FIELDS if name in row}
                    rec.update({"easting": east, "northing": north, "longitude": lon, "latitude": lat})
                    if wkt4:
                        rec["epsg_27700_well_known_text_geometry"] = wkt27
                        rec["epsg_4326_well_known_text_geometry"] = wkt4
                    rec.update({"unique_identifier": ref, "last_uploaded": LAST_UPLOADED_JSON})
                    rec["location"] = {"latitude": lat, "longitude": lon}
                    rec["organisation_uri"] = {"url": ORGANISATION}
                    fh.write(("," if written + k else "") + "\n" + json.dumps(rec, ensure_ascii=False))
            written += size
            if sys.stderr.isatty():
                rate = written / max(time.monotonic() - started, 1e-9)
                print(f"\r{written:,} / {n:,} rows ({rate:,.0f}/s)", end="", file=sys.stderr)
        if not writer:
            fh.write("\n]\n")
    if sys.stderr.isatty():
        print(file=sys.stderr)
    mb = out.stat().st_size / 1e6
    print(f"wrote {n:,} bays to {out.name} ({mb:,.0f} MB) in {time.monotonic() - started:.1f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of bays, e.g. 1000000")
    parser.add_argument("out", type=Path, help="output file: .csv (CSV download layout) or .json (API layout)")
    parser.add_argument("--seed", type=int, default=20200209)
    args = parser.parse_args(argv)
    if args.n < 1 or args.out.suffix.lower() not in (".csv", ".json"):
        parser.error("N must be positive and OUT must end in .csv or .json")
    generate(args.n, args.out, args.seed)


if __name__ == "__main__":
    main()
