"""The ``parking`` command: database migrations and the web server, plus every command another package registers
under the ``parking.commands`` entry-point group (the loaders' ``parking load``; see pyproject.toml), so that this
package never imports the loaders."""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

import click

from parking_api.settings import Settings, SettingsError
from parking_api.store import migrate

COMMANDS_GROUP = "parking.commands"


def database_url() -> str:
    """The configured database URL; without one (or with a bad setting) the command ends with the message and exit
    status 1."""
    try:
        return Settings.from_environment().require_database_url()
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


def _check_api_role() -> None:
    """End the command (exit 1) when the API's role cannot log in because it does not exist yet; any other failure
    to connect is left to the service, which answers 503 until the database is back."""
    from sqlalchemy import create_engine, pool
    from sqlalchemy.exc import OperationalError

    from parking_api.store.db import sqlalchemy_url
    from parking_api.store.roles import api_url

    try:
        url = api_url(Settings.from_environment())
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        if "role" in str(exc.orig) and "does not exist" in str(exc.orig):
            click.echo(f"{str(exc.orig).strip()}: run `parking db upgrade` first (it creates the roles)", err=True)
            sys.exit(1)
    finally:
        engine.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Kerbside parking backend: migrate the database, load council data, serve the API."""


@main.group()
def db() -> None:
    """Database schema (alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Migrate the database (DATABASE_URL) up to REVISION; creates the PostGIS extension if needed, and the roles
    the API and the loaders connect as, with their privileges (passwords in PARKING_DB_PASSFILE when set)."""
    url = database_url()
    passfile = Settings.from_environment().db_passfile
    migrate.upgrade(url, revision, passfile=Path(passfile) if passfile else None)
    current, head = migrate.status(url)
    click.echo(f"database at revision {current} (head {head})")


@db.command("downgrade")
@click.option("--revision", default="-1", show_default=True, help="Target revision ('base' for an empty schema).")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    url = database_url()
    migrate.downgrade(url, revision)
    current, _ = migrate.status(url)
    click.echo(f"database at revision {current or 'base'}")


@db.command("status")
def db_status() -> None:
    """Show the database's revision and the code's head; exit 1 when a migration is pending."""
    current, head = migrate.status(database_url())
    click.echo(f"current: {current or 'base (empty)'}\nhead:    {head}")
    if current != head:
        click.echo("a migration is pending: run `parking db upgrade`", err=True)
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to bind.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes.")
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1, 600), help="Worker timeout (s).")
@click.option("--threads", default=16, show_default=True, type=click.IntRange(1, 256), help="Threads per worker.")
@click.option(
    "--control-socket",
    help="gunicorn's control socket (`gunicornc`); default: one per instance, named after its process id.",
)
@click.option("--no-control-socket", is_flag=True, help="Open no control socket.")
def serve(
    host: str, port: int, workers: int, timeout: int, threads: int, control_socket: str | None, no_control_socket: bool
) -> None:
    """Serve the API with gunicorn's threaded workers, so that slow clients cannot starve the rest (each worker
    opens its own database connections after fork); see parking_api/serving.py."""
    from parking_api import serving

    _check_api_role()  # fail early with a clear message
    _check_serving_settings()
    click.echo(f"API docs: http://{host}:{port}/docs")
    ctl = None if no_control_socket else control_socket or serving.control_socket_path()
    args = serving.gunicorn_argv(host, port, workers=workers, threads=threads, timeout=timeout, control_socket=ctl)
    os.execv(sys.executable, args)


def _check_serving_settings() -> None:
    """End the command (exit 1) on a rate limit or proxy setting the app could not start with."""
    from parking_api.api import limits

    try:
        limits.check_settings(Settings.from_environment())
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@main.group()
def keys() -> None:
    """API keys of councils, sensors and apps (stored hashed; the key itself is shown once, at creation)."""


def _session():
    from sqlalchemy.orm import Session

    from parking_api.store.db import make_engine

    engine = make_engine(database_url(), pool_size=1)
    return engine, Session(engine)


@keys.command("create")
@click.option("--role", required=True, type=click.Choice(["council", "sensor", "app"]), help="What the key may do.")
@click.option("--name", required=True, help="Who holds it (e.g. 'Camden parking team', 'Acme sensors').")
@click.option("--sources", help="Comma-separated sources the key is limited to (default: all).")
@click.option("--rate", default=20.0, show_default=True, type=click.FloatRange(min=0.001), help="Requests/s sustained.")
@click.option("--burst", default=200, show_default=True, type=click.IntRange(1), help="Requests in a burst.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def keys_create(role: str, name: str, sources: str | None, rate: float, burst: int, as_json: bool) -> None:
    """Create a key; prints its id and, this once, the key."""
    import json

    from parking_api.services import keys as service

    engine, session = _session()
    try:
        with session.begin():
            wanted = [s for s in (sources or "").split(",") if s.strip()] or None
            new = service.create(session, role=role, name=name, sources=wanted, rate=rate, burst=burst)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        session.close()
        engine.dispose()
    if as_json:
        body = {"id": new.id, "key": new.key, "role": new.role, "name": new.name, "sources": new.sources}
        click.echo(json.dumps({**body, "sources": list(new.sources) if new.sources else None}))
    else:
        click.echo(f"id:      {new.id}\nrole:    {new.role}\nsources: {', '.join(new.sources or ['all'])}")
        click.echo(f"key:     {new.key}\n(store the key now: it is not shown again)")


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def keys_list(as_json: bool) -> None:
    """Every key (never the secret): id, name, role, sources, limits, last use, revocation."""
    import json

    from parking_api.services import keys as service

    engine, session = _session()
    try:
        rows = service.listing(session)
    finally:
        session.close()
        engine.dispose()
    if as_json:
        click.echo(json.dumps(rows, default=str))
        return
    for row in rows:
        state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        used = f"{row['last_used_at']:%Y-%m-%d %H:%M}" if row["last_used_at"] else "never"
        scope = ",".join(row["sources"]) if row["sources"] else "all"
        click.echo(
            f"{row['id']}  {row['role']:<7}  {state:<24}  sources={scope}  rate={float(row['rate_per_second']):g}/s"
            f" burst={row['burst']}  last used {used}  {row['name']}"
        )


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """Revoke key KEY_ID (its requests get 401 at once)."""
    from parking_api.services import keys as service

    engine, session = _session()
    try:
        with session.begin():
            found = service.revoke(session, key_id)
    finally:
        session.close()
        engine.dispose()
    if not found:
        click.echo(f"error: no key {key_id!r}", err=True)
        sys.exit(1)
    click.echo(f"revoked {key_id}")


@main.group()
def events() -> None:
    """Raw occupancy events (import history with `parking load events`)."""


@events.command("prune")
@click.option("--weeks", type=click.IntRange(1), help="Keep this many weeks (default PARKING_EVENT_RETENTION_WEEKS).")
def events_prune(weeks: int | None) -> None:
    """Delete raw events older than the retention. Sessions, occupancy and the record of every event_id stay, so
    usage and forecasts keep their history and a replayed event is still a duplicate."""
    from datetime import UTC, datetime, timedelta

    from parking_api.store import events as store

    settings = Settings.from_environment()
    keep = timedelta(weeks=weeks) if weeks else settings.event_retention
    engine, session = _session()
    try:
        with session.begin():
            removed = store.prune(session, datetime.now(UTC) - keep)
    finally:
        session.close()
        engine.dispose()
    click.echo(f"pruned {removed} raw events older than {keep.days} days")


def _add_usage_commands() -> None:
    from parking_api.usage.cli import report, usage

    main.add_command(report, "report")
    main.add_command(usage, "usage")


def _add_registered_commands() -> None:
    for entry in entry_points(group=COMMANDS_GROUP):
        main.add_command(entry.load(), entry.name)


_add_usage_commands()
_add_registered_commands()


if __name__ == "__main__":
    main()
