"""Benchmark the pure evaluator on the real Camden 2020 Parking Bays sample.

Builds every bay's regulation with ``parking_api.engine.camden`` and evaluates each bay for a few drivers, then prints
answers per second (median of several runs). Two figures:

- *request*: caches cleared before each run, one instant per run: the shape of one API request over many places
  (bays sharing a regulation share the work);
- *distinct instants*: every evaluation at its own instant, so no answer is reused (interval caches still warm).

Usage: ``python bench/bench_engine.py [--data FILE] [--runs N]``; FILE is a Camden Parking Bays JSON export
(default: the bundled extract in ``loaders/data/camden``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from parking_api.engine.camden import CAMDEN, build_bay_regulation_from_row  # noqa: E402
from parking_api.engine.evaluate import clear_caches, evaluate  # noqa: E402
from parking_api.engine.model import Activity, Badge, Driver, Fuel, Place, Regulation, Vehicle  # noqa: E402

BAYS = REPO / "loaders" / "data" / "camden" / "camden_parking_bays_7hiv-3r9k_2020-02.json"
DRIVERS = (
    Driver(),
    Driver(permits=frozenset({"CA-B"}), fuel=Fuel.DIESEL),
    Driver(badge=Badge.BLUE, fuel=Fuel.PETROL),
    Driver(vehicle=Vehicle.GOODS, activity=Activity.LOAD),
)
LONDON = ZoneInfo("Europe/London")
# One instant per run: weekdays, an evening, a Saturday, a bank holiday and the day the clocks go back.
INSTANTS = [
    datetime(2026, 10, 21, 12, 0, tzinfo=LONDON),
    datetime(2026, 10, 23, 17, 45, tzinfo=LONDON),
    datetime(2026, 10, 24, 11, 0, tzinfo=LONDON),
    datetime(2026, 8, 31, 9, 0, tzinfo=LONDON),
    datetime(2026, 10, 25, 0, 30, tzinfo=LONDON),
    datetime(2027, 3, 26, 8, 0, tzinfo=LONDON),
    datetime(2026, 12, 28, 14, 0, tzinfo=LONDON),
]


def load_places(path: Path) -> list[Place]:
    """The bays as the service holds them: bays with the same regulation share one object (the loader stores each
    distinct regulation once, and the API's regulation cache keeps one parsed object per stored row)."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    shared: dict[Regulation, Regulation] = {}
    return [
        Place(
            "camden",
            row["unique_identifier"],
            "bay",
            shared.setdefault(regulation, regulation),
            restriction_type=row["restriction_type"],
            zone=row.get("controlled_parking_zone"),
        )
        for row in rows
        for regulation in (build_bay_regulation_from_row(row, CAMDEN),)
    ]


def run_request(places: list[Place], at: datetime) -> float:
    clear_caches()
    started = time.process_time()
    for place in places:
        for driver in DRIVERS:
            evaluate(place, driver, at, CAMDEN)
    return len(places) * len(DRIVERS) / (time.process_time() - started)


def run_distinct(places: list[Place], at: datetime) -> float:
    started = time.process_time()
    n = 0
    for place in places:
        for driver in DRIVERS:
            evaluate(place, driver, at + timedelta(seconds=n), CAMDEN)
            n += 1
    return n / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BAYS, help="a Camden Parking Bays JSON export")
    parser.add_argument("--runs", type=int, default=len(INSTANTS))
    args = parser.parse_args()
    places = load_places(args.data)
    instants = [INSTANTS[k % len(INSTANTS)] for k in range(args.runs)]
    request = [run_request(places, at) for at in instants]
    distinct = [run_distinct(places, at) for at in instants]
    print(f"Camden 2020 sample: {len(places)} bays x {len(DRIVERS)} drivers, {args.runs} runs")
    for name, rates in (("request (cold caches, one instant)", request), ("distinct instants", distinct)):
        spread = f"(min {min(rates):,.0f}, max {max(rates):,.0f})"
        print(f"{name:36} median {statistics.median(rates):9,.0f} answers/s {spread}")


if __name__ == "__main__":
    main()
