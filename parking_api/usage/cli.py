"""``parking report usage`` (a zone's usage report: CSVs and PNG charts) and ``parking usage refresh`` (settle the
online time of past days, judge the recent sessions and recompute the drivers' availability forecast, ahead of
requests)."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import click


def _session():
    from sqlalchemy.orm import Session

    from parking_api.settings import Settings
    from parking_api.store.db import make_engine

    settings = Settings.from_environment()
    engine = make_engine(settings.require_database_url(), pool_size=1, statement_timeout_ms=600_000)
    return settings, engine, Session(engine)


def _date(_ctx: click.Context, param: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param=param) from None


@click.group()
def report() -> None:
    """Reports for the council."""


@report.command("usage")
@click.option("--zone", required=True, help="Zone code, e.g. CA-F.")
@click.option("--from", "start", required=True, callback=_date, help="First day (YYYY-MM-DD), local time.")
@click.option("--to", "end", required=True, callback=_date, help="Day after the last (YYYY-MM-DD), exclusive.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory to write.")
@click.option("--source", help="Only this source's bays.")
@click.option("--include-simulated", is_flag=True, help="Count the simulator's sessions and events too.")
def report_usage(zone: str, start: date, end: date, out: Path, source: str | None, include_simulated: bool) -> None:
    """Write a zone's usage from --from to --to into --out: bays.csv, zone_days.csv, overstays.csv and the charts
    occupancy_by_hour_of_week.png, dwell_times.png, top_overstay_streets.png."""
    from parking_api.errors import InvalidInput
    from parking_api.services import usage as service
    from parking_api.store.usage import Scope
    from parking_api.usage.report import write_report

    settings, engine, session = _session()
    try:
        with session.begin():
            tz = service.timezone_of(session, source)
            try:
                when = service.period(start, end, tz, unit="day")
            except InvalidInput as exc:
                raise click.BadParameter(exc.reason, param_hint=f"--{exc.name}") from None
            scope = Scope(zone=zone, source=source, include_simulated=include_simulated)
            written = write_report(session, settings, scope, when, out)
    finally:
        session.close()
        engine.dispose()
    if not written.bays:
        click.echo(f"error: no bays in zone {zone!r}", err=True)
        sys.exit(1)
    click.echo(f"zone {zone}: {written.bays} bays, {written.sessions} sessions, {written.overstays} overstays")
    for path in written.files:
        click.echo(f"  wrote {path}")


@click.group()
def usage() -> None:
    """Usage: sessions judged, forecasts."""


@usage.command("refresh")
@click.option("--days", default=2, show_default=True, type=click.IntRange(1, 400),
              help="Judge the sessions that started in this many days before now.")
@click.option("--rebuild", is_flag=True, help="Settle every day again from the raw data.")
def usage_refresh(days: int, rebuild: bool) -> None:
    """Settle the online time and hourly usage of the days that ended over a day ago (judging their stays first;
    usage then sums them instead of sweeping a month of raw events and stays, and keeps them after pruning), judge
    the recent sessions against the rules in force, and recompute every bay's availability forecast from the last 8
    weeks. Run it hourly (cron, a systemd timer)."""
    from parking_api.services import forecast
    from parking_api.services import usage as service
    from parking_api.services.context import utcnow
    from parking_api.store.usage import Scope

    settings, engine, session = _session()
    now = utcnow()
    settle_until = (now - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        with session.begin():
            settled = service.settle(session, settings, until=settle_until, rebuild=rebuild)
        with session.begin():
            when = service.Period(now - timedelta(days=days), now, service.timezone_of(session, None))
            judged = service.judge_period(session, settings, Scope(include_simulated=True), when)
        with session.begin():
            rows = forecast.refresh(session, settings, now=now, tz=when.tz)
    finally:
        session.close()
        engine.dispose()
    click.echo(f"settled {settled} days; judged {judged} sessions; {rows} forecast rows")
