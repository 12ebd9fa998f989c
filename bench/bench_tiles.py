"""Vector tile time: every zoom-16 tile over central Camden through the whole app (Flask test client: the query
string parsed, the two statements, the engine per bay, ST_AsMVT, the headers), outside CI.

    DATABASE_URL=... .venv/bin/python bench/bench_tiles.py [--zoom 16] [--bbox W,S,E,N] [--runs 5] [--permit CA-B]

Each run asks for every tile in the box once, for one instant (Monday 2 March 2026, 10:00 local, so every run does
the same work). *Cold*: a new app per run and the engine's caches cleared, so regulations are parsed and every
answer evaluated afresh — a server's first tiles. *Warm*: the same app asked again — a server that has seen these
regulations (answers for one instant are memoised too, as they are in a running server). Medians over the runs of
the per-tile medians; bays per tile and bytes per tile from the warm pass.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import mapbox_vector_tile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parking_api.app import create_app
from parking_api.engine.evaluate import clear_caches
from parking_api.settings import Settings

CENTRAL_CAMDEN = (-0.150, 51.515, -0.115, 51.545)  # Camden Town to Holborn
AT = "2026-03-02T10:00"


def tiles_over(bbox: tuple[float, float, float, float], z: int) -> list[tuple[int, int, int]]:
    def xy(lon: float, lat: float) -> tuple[int, int]:
        n = 2**z
        return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    west, south, east, north = bbox
    (x0, y0), (x1, y1) = xy(west, north), xy(east, south)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def one_pass(client, tiles, params) -> tuple[list[float], list[int], list[int]]:
    times, bays, sizes = [], [], []
    for z, x, y in tiles:
        start = time.perf_counter()
        response = client.get(f"/v1/tiles/{z}/{x}/{y}.mvt", query_string=params)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
        layers = mapbox_vector_tile.decode(response.data)
        bays.append(len(layers.get("bays", {}).get("features", [])))
        sizes.append(len(response.data))
    return times, bays, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zoom", type=int, default=16)
    parser.add_argument("--bbox", default=",".join(map(str, CENTRAL_CAMDEN)))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--permit", default=None)
    args = parser.parse_args()
    bbox = tuple(float(v) for v in args.bbox.split(","))
    tiles = tiles_over(bbox, args.zoom)
    params = {"at": AT, **({"permit": args.permit} if args.permit else {})}
    settings = Settings(database_url=os.environ["DATABASE_URL"], rate_limit="100000,100000")  # the tiles, not the limit
    cold_medians, warm_medians, cold_all, warm_all = [], [], [], []
    bays: list[int] = []
    sizes: list[int] = []
    for _ in range(args.runs):
        clear_caches()
        app = create_app(settings)
        client = app.test_client()
        cold, _b, _s = one_pass(client, tiles, params)
        warm, bays, sizes = one_pass(client, tiles, params)
        cold_medians.append(statistics.median(cold))
        warm_medians.append(statistics.median(warm))
        cold_all += cold
        warm_all += warm
        app.extensions["parking_engine"].dispose()

    def p(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))]

    print(f"{len(tiles)} tiles at zoom {args.zoom} over {bbox}, {args.runs} runs, at={AT}, permit={args.permit}")
    print(f"bays per tile: median {statistics.median(bays):.0f}, max {max(bays)}, total {sum(bays)}; "
          f"bytes per tile: median {statistics.median(sizes):.0f}, max {max(sizes)}")  # fmt: skip
    for name, medians, every in (("cold", cold_medians, cold_all), ("warm", warm_medians, warm_all)):
        print(f"{name}: median {statistics.median(medians):.1f} ms per tile (runs {min(medians):.1f}–"
              f"{max(medians):.1f}), p90 {p(every, 0.9):.1f} ms, max {max(every):.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
