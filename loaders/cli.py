"""``parking load …``: load council data into PostGIS, and look at what earlier loads did.

    parking load camden-bays FILE-OR-URL [--source camden] [--timezone TZ] [--holidays CAL] [--dry-run] [--json]
    parking load camden-cpz  FILE-OR-URL [--source camden] [--timezone TZ] [--holidays CAL]
    parking load suspensions FILE-OR-URL --source NAME [--timezone TZ] [--inclusive-ends]
    parking load curblr      FILE-OR-URL --source NAME [--timezone TZ] [--holidays CAL] [--inclusive-ends]
    parking load mapped      FILE-OR-URL --source NAME --mapping FILE [--timezone TZ] [--holidays CAL]
    parking load events      FILE-OR-URL --source NAME [--observed-at ISO] [--ref-column COLUMN] [--match-within METRES]
    parking load history [--source NAME] [--json]
    parking load rejects RUN [--json]
    parking load bundled

Exit status: 0 when the load succeeded (or the dry run found something to load), 1 when the file could not be read,
nothing could be loaded or the load was refused as a shrink, 2 for a usage error (such as a missing --source).

The kinds, and the options each reads, are declared in ``registry.py``; every kind also takes --source, --dry-run
and --json, and the bay and zone kinds --allow-shrink and --max-shrink PERCENT (a load that would retire more than
that share of the source's live rows is refused; default PARKING_MAX_SHRINK_PERCENT). ``events`` (occupancy
history, not a place table) is a command of its own, in ``events.py``. This group joins the ``parking`` command
through the ``parking.commands`` entry point (pyproject.toml).
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from collections.abc import Callable
from typing import Any

import click

from parking_api.settings import Settings, SettingsError
from parking_api.store.load.runs import history, run_rejects
from parking_api.store.roles import loader_url

from .base import UsageError
from .events import EventsReport, SnapshotOptions, format_events_report, load_events, observed_at_option
from .registry import KINDS, Kind, Option
from .report import format_report
from .runner import load_bundled, run_load

# the command-line form of each option a kind may read (registry.Kind.options)
_OPTIONS: dict[Option, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "mapping": click.option(
        "--mapping", type=click.Path(dir_okay=False), help="The TOML mapping file (see loaders/mappings/README.md)."
    ),
    "timezone": click.option("--timezone", help="IANA time zone of local times in the file, e.g. Europe/London."),
    "holidays": click.option("--holidays", help="Public-holiday calendar, e.g. GB-ENG."),
    "inclusive_ends": click.option(
        "--inclusive-ends", is_flag=True, help="Read end times as inclusive (18:59 means until 19:00)."
    ),
    "lenient": click.option(
        "--lenient",
        is_flag=True,
        help="Load rows whose sign text about hours or a stay limit could not be read, flagged (answers about them "
        "then carry a caveat), instead of rejecting them.",
    ),
}


# the shrink limit's options, for the kinds whose target table is shrink-limited (bays and zones)
_SHRINK_OPTIONS = (
    click.option(
        "--allow-shrink",
        is_flag=True,
        help="Let this load retire more than the --max-shrink share of the source's live rows (the file really is"
        " smaller).",
    ),
    click.option(
        "--max-shrink",
        "max_shrink_percent",
        type=click.FloatRange(0, 100),
        metavar="PERCENT",
        help="Refuse the load if it would retire more than this share of the source's live rows"
        " [default: PARKING_MAX_SHRINK_PERCENT, 5].",
    ),
)


def _settings() -> Settings:
    """The deployment's settings, read once per command; without a database URL (or with a bad setting) the command
    ends with the message and exit status 1."""
    try:
        settings = Settings.from_environment()
        loader_url(settings)  # PARKING_LOADER_DATABASE_URL, or DATABASE_URL to derive it from
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    return settings


def _sigterm_to_exit() -> None:
    """``docker stop`` sends SIGTERM: end like Ctrl-C, so the run is recorded as failed and nothing changes."""

    def handler(signum, _frame):  # pragma: no cover - signal delivery
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError):  # not in the main thread (e.g. under a test runner's thread)
        signal.signal(signal.SIGTERM, handler)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def load() -> None:
    """Load council data into PostGIS (all or nothing per run), and show the history of loads.

    PATH-OR-URL is a file path or an http(s) URL (downloaded to a temporary file first). A newer full file of one
    kind for a source replaces what that kind loaded for that source: rows are upserted by (source, ref) and the
    ones the file no longer lists are retired. Needs DATABASE_URL.
    """


def _run_and_report(run: Callable[[], Any], describe: Callable[[Any], str], as_json: bool) -> None:
    """Run a load and print its report (text, or one JSON object); a usage error, an interruption or a failed load
    ends the command with its message and exit status (2, 130, 1)."""
    try:
        report = run()
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    except KeyboardInterrupt:
        click.echo("interrupted: nothing was changed (the run is recorded as failed)", err=True)
        sys.exit(130)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        click.echo(describe(report))
    if not report.ok:
        if not as_json:
            click.echo(f"load failed: {report.error}", err=True)
        sys.exit(1)


def _kind_command(kind: Kind) -> None:
    """``parking load <kind>``, with the options that kind reads and the ones every kind shares."""
    source_help = (
        f"Source name the rows are loaded under [default: {kind.default_source}]."
        if kind.default_source
        else "Source name the rows are loaded under (required)."
    )

    def command(
        location: str, source: str | None, dry_run: bool, as_json: bool, **options: str | bool | float | None
    ) -> None:
        settings = _settings()
        _sigterm_to_exit()
        limit = options.pop("max_shrink_percent", None)
        _run_and_report(
            lambda: run_load(
                loader_url(settings),
                kind.name,
                location,
                source=source,
                dry_run=dry_run,
                progress=not as_json,
                green_badge_zones=settings.green_badge_zones,
                max_shrink_percent=settings.max_shrink_percent if limit is None else float(limit),
                **options,
            ),
            format_report,
            as_json,
        )

    command.__doc__ = f"{kind.help}\n\nPATH-OR-URL is a file path or an http(s) URL."
    shared = [
        click.argument("location", metavar="PATH-OR-URL"),
        click.option("--source", "source", required=kind.default_source is None, help=source_help),
        *(_OPTIONS[name] for name in kind.options),
        *(_SHRINK_OPTIONS if kind.target.shrink_limited else ()),
        click.option("--dry-run", is_flag=True, help="Convert, validate and report; change nothing."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the text report."),
    ]
    for decorate in reversed(shared):  # as if stacked top to bottom above the function
        command = decorate(command)
    load.command(kind.name)(command)


for _kind in KINDS.values():
    _kind_command(_kind)


@load.command("events")
@click.argument("location", metavar="PATH-OR-URL")
@click.option("--source", required=True, help="The source whose loaded bays the events are for.")
@click.option(
    "--observed-at",
    metavar="ISO",
    help="Sensor snapshots (required for them): when the snapshot was taken, ISO 8601 with an offset.",
)
@click.option(
    "--ref-column",
    metavar="COLUMN",
    help="Sensor snapshots: the file's column holding the bay's ref in --source.",
)
@click.option(
    "--match-within",
    type=click.FloatRange(min=0, min_open=True),
    metavar="METRES",
    help="Sensor snapshots: match each sensor to the nearest live bay of --source within this distance.",
)
@click.option("--dry-run", is_flag=True, help="Check and report; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the text report.")
def events_command(
    location: str,
    source: str,
    observed_at: str | None,
    ref_column: str | None,
    match_within: float | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Import occupancy events of any age for a source's bays: a JSON or CSV event log, or a sensor snapshot.

    One transaction (all or nothing), batches checked as POST /v1/events checks them; an event_id received before
    is a duplicate, counted but not loaded again. A sensor snapshot (bay_id,status,lat,lon, no times) becomes one
    scheduled_report per sensor at --observed-at, for the bay named in --ref-column and/or the nearest live bay
    within --match-within metres. PATH-OR-URL is a file path or an http(s) URL.
    """
    settings = _settings()
    _sigterm_to_exit()

    def run() -> EventsReport:
        snapshot = SnapshotOptions(
            observed_at=observed_at_option(observed_at) if observed_at is not None else None,
            ref_column=ref_column,
            match_within=match_within,
        )
        return load_events(
            loader_url(settings),
            location,
            source=source,
            plate_key=settings.plate_key,
            snapshot=snapshot,
            dry_run=dry_run,
            progress=not as_json,
        )

    _run_and_report(run, format_events_report, as_json)


@load.command("history")
@click.option("--source", help="Only this source's runs.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000), help="How many runs.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def history_command(source: str | None, limit: int, as_json: bool) -> None:
    """List load runs, newest first."""
    runs = history(loader_url(_settings()), source=source, limit=limit)
    if as_json:
        click.echo(json.dumps(runs, ensure_ascii=False))
        return
    if not runs:
        click.echo("no loads yet")
        return
    click.echo(f"{'run':>5}  {'source':<12} {'kind':<12} {'status':<9} {'started (UTC)':<19} "
               f"{'read':>8} {'loaded':>8} {'rejected':>8} {'retired':>7}  location")  # fmt: skip
    for r in runs:
        started = (r["started_at"] or "")[:19].replace("T", " ")
        click.echo(
            f"{r['run_id']:>5}  {r['source']:<12} {r['kind']:<12} {r['status']:<9} {started:<19} "
            f"{r['read']:>8} {r['loaded']:>8} {r['rejected']:>8} {r['retired']:>7}  {r['location']}"
        )
        if r["kind"] == "events" and (r["flagged_by_reason"] or {}).get("duplicate"):
            click.echo(f"       duplicates: {r['flagged_by_reason']['duplicate']} (received before, not loaded again)")
        if r["error"]:
            click.echo(f"       error: {r['error']}")


@load.command("rejects")
@click.argument("run", type=int)
@click.option("--limit", type=click.IntRange(1), help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def rejects_command(run: int, limit: int | None, as_json: bool) -> None:
    """List the rows run RUN rejected: row number (1-based data record), field, reason and raw value."""
    rows = run_rejects(loader_url(_settings()), run, limit=limit)
    if rows is None:
        click.echo(f"no load run {run}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"run {run} rejected no rows")
        return
    for r in rows:
        raw = r["raw"] if len(r["raw"]) <= 200 else r["raw"][:197] + "..."
        click.echo(f"row {r['row_number']}  field {r['field'] or '-'}: {r['reason']}\n    raw: {raw}")


@load.command("bundled")
def bundled_command() -> None:
    """Load the bundled Camden demo data (CPZ and a 1,000-bay sample) unless already loaded."""
    settings = _settings()
    _sigterm_to_exit()
    reports = load_bundled(
        loader_url(settings),
        progress=True,
        echo=click.echo,
        green_badge_zones=settings.green_badge_zones,
        max_shrink_percent=settings.max_shrink_percent,
    )
    if any(not r.ok for r in reports):
        sys.exit(1)
