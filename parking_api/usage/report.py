"""``parking report usage``: a zone's usage over a period as files a parking manager can hand on — the CSVs of the
API (per bay, per zone and day, the overstays) and three PNG charts drawn with matplotlib (Agg, no display):
occupancy by hour of the week as a heat map, the dwell-time distribution against the maximum stays, and the
streets with the most overstays."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from parking_api.services import usage as service
from parking_api.services.context import utcnow
from parking_api.services.context import zone as tzinfo
from parking_api.services.usage import Period
from parking_api.settings import Settings
from parking_api.store import usage as store
from parking_api.store.usage import Scope

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TOP_STREETS = 10


@dataclass(frozen=True)
class Written:
    files: list[Path]
    bays: int
    sessions: int
    overstays: int


def write_report(session: Session, settings: Settings, scope: Scope, when: Period, out: Path) -> Written:
    """Write the report's files into ``out`` (made if missing); returns what was written (nothing for a zone
    without bays)."""
    now = utcnow()
    bays = service.usage(session, settings, scope, when, by="bay", unit="total", now=now)
    if not bays:
        return Written([], 0, 0, 0)
    out.mkdir(parents=True, exist_ok=True)
    days = service.usage(session, settings, scope, when, by="zone", unit="day", now=now)
    overstays = service.overstays(session, settings, scope, when)
    hours = _hourly(session, settings, scope, when)
    dwell = store.dwell_minutes(session, scope, lo=when.start, hi=when.end)
    limits = store.max_stays(session, scope)
    files = [
        _csv(out / "bays.csv", bays, service.columns("bay")),
        _csv(out / "zone_days.csv", days, service.columns("zone")),
        _csv(out / "overstays.csv", overstays, service.OVERSTAY_COLUMNS),
        heat_map(out / "occupancy_by_hour_of_week.png", hours, title=_title(scope, when, "Occupancy by hour of week")),
        dwell_chart(out / "dwell_times.png", dwell, limits, title=_title(scope, when, "Dwell time")),
        streets_chart(out / "top_overstay_streets.png", overstays,
                      title=_title(scope, when, "Streets with the most overstays")),
    ]  # fmt: skip
    return Written(files, len(bays), sum(r["total_sessions"] or 0 for r in bays), len(overstays))


def _title(scope: Scope, when: Period, what: str) -> str:
    last = (when.end - timedelta(seconds=1)).date()
    return f"{what} — zone {scope.zone or 'all'}, {when.start.date():%d %b %Y} to {last:%d %b %Y}"


def _csv(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Path:
    path.write_text(service.to_csv(rows, columns), encoding="utf-8")
    return path


def _hourly(session: Session, settings: Settings, scope: Scope, when: Period) -> list[dict[str, Any]]:
    """The zone's hourly rows over the whole period, asked for in parts of at most 31 days."""
    rows: list[dict[str, Any]] = []
    start = when.start
    while start < when.end:
        end = min(when.end, start + service.MAX_SPAN["hour"])
        part = Period(start, end, when.tz)
        rows.extend(service.usage(session, settings, scope, part, by="zone", unit="hour", now=utcnow()))
        start = end
    return rows


def hour_of_week_grid(rows: list[dict[str, Any]], tz: str) -> list[list[float | None]]:
    """7 × 24 mean occupancy (%) per local weekday and hour over the rows that have one (``None``: no data)."""
    sums: dict[tuple[int, int], list[float]] = defaultdict(list)
    for row in rows:
        if row["occupancy_percent"] is None:
            continue
        local = datetime.fromisoformat(row["bucket_start"]).astimezone(tzinfo(tz))
        sums[(local.weekday(), local.hour)].append(float(row["occupancy_percent"]))
    return [[(sum(v) / len(v)) if (v := sums.get((d, h))) else None for h in range(24)] for d in range(7)]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def heat_map(path: Path, rows: list[dict[str, Any]], *, title: str, tz: str = "Europe/London") -> Path:
    import numpy as np

    plt = _pyplot()
    grid = hour_of_week_grid(rows, tz)
    values = np.array([[np.nan if v is None else v for v in day] for day in grid], dtype=float)
    fig, ax = plt.subplots(figsize=(12, 4.2), dpi=110)
    cmap = plt.get_cmap("YlOrRd").with_extremes(bad="#dddddd")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(24), [f"{h:02d}" for h in range(24)])
    ax.set_yticks(range(7), DAYS)
    ax.set_xlabel("Hour of day (local time)")
    for d in range(7):
        for h in range(24):
            if not np.isnan(values[d, h]):
                ax.text(h, d, f"{values[d, h]:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if values[d, h] > 60 else "black")  # fmt: skip
    fig.colorbar(image, ax=ax, label="Mean occupancy (%)", fraction=0.03, pad=0.02)
    ax.set_title(title + "\n(grey: no data online)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def dwell_chart(path: Path, minutes: list[float], limits: list[int], *, title: str) -> Path:
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator
    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    longest = max([*minutes, *limits, 60.0])
    top = min(longest, 24 * 60)
    bins = [b * 15 for b in range(int(top // 15) + 2)]
    shown = [min(m, bins[-1] - 1) for m in minutes]
    if shown:
        ax.hist(shown, bins=bins, color="#4c72b0", edgecolor="white", label=f"{len(minutes)} sessions")
    else:
        ax.text(0.5, 0.5, "No ended sessions in this period", transform=ax.transAxes, ha="center", va="center")
    for limit, colour in zip(sorted(set(limits)), ("#c44e52", "#dd8452", "#8172b3", "#937860"), strict=False):
        ax.axvline(limit, color=colour, linestyle="--", linewidth=2, label=f"max stay {_duration(limit)}")
    ax.set_xlabel("Dwell time (minutes; the last bar holds longer stays)" if longest > top else "Dwell time (minutes)")
    ax.set_ylabel("Sessions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=11)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "")


def streets_chart(path: Path, overstays: list[dict[str, Any]], *, title: str) -> Path:
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator
    counts = Counter((row.get("road") or f"bay {row['ref']}") for row in overstays).most_common(TOP_STREETS)
    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    if counts:
        names = [name for name, _ in counts]
        values = [n for _, n in counts]
        bars = ax.barh(names, values, color="#c44e52", height=0.6)
        ax.bar_label(bars, padding=3)
        ax.set_xlabel("Overstays")
        ax.set_xlim(0, max(values) * 1.15)
        ax.set_ylim(max(len(values), 4) - 0.4, -0.6)  # the most first, at the top
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.text(0.5, 0.5, "No overstays in this period", transform=ax.transAxes, ha="center", va="center")
        ax.set_yticks([])
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
