"""The ``parking`` command: database migrations and the web server, plus every command another package registers
under the ``parking.commands`` entry-point group (the loaders' ``parking load``; see pyproject.toml), so that this
package never imports the loaders."""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Kerbside parking backend: migrate the database, load council data, serve the API."""


@main.group()
def db() -> None:
    """Database schema (alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Migrate the database (DATABASE_URL) up to REVISION; creates the PostGIS extension if needed."""
    url = database_url()
    migrate.upgrade(url, revision)
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
def serve(host: str, port: int, workers: int, timeout: int) -> None:
    """Serve the API with gunicorn (each worker opens its own database connections after fork)."""
    database_url()  # fail early with a clear message
    click.echo(f"API docs: http://{host}:{port}/docs")
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--access-logformat",
        '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms',  # path without the query string: no GPS positions in logs
        "--access-logfile",
        "-",
        "parking_api.wsgi:app",
    ]
    os.execv(sys.executable, args)


def _add_registered_commands() -> None:
    for entry in entry_points(group=COMMANDS_GROUP):
        main.add_command(entry.load(), entry.name)


_add_registered_commands()


if __name__ == "__main__":
    main()
