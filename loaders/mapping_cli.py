"""``parking mapping …``: tools for writing the TOML mapping of a borough's bay file (see loaders/mappings/README.md).

    parking mapping draft FILE [--timezone TZ]

This group joins the ``parking`` command through the ``parking.commands`` entry point (pyproject.toml).
"""

from __future__ import annotations

import sys

import click

from .base import StructuralError, UsageError
from .mapped.draft import DEFAULT_TIMEZONE, draft


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def mapping() -> None:
    """Write and check the mapping of a borough's bay file for `parking load mapped`."""


@mapping.command("draft")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--timezone",
    default=DEFAULT_TIMEZONE,
    show_default=True,
    help="IANA time zone of the file's local times; it also suggests the holiday calendar (GB-ENG for London).",
)
def draft_command(file: str, timezone: str) -> None:
    """Print a starting mapping for FILE (GeoJSON, JSON records or CSV) from its columns and their most common
    values: save it, fill in [types], check the commented guesses, and try it with `parking load mapped FILE
    --mapping M --dry-run`."""
    try:
        click.echo(draft(file, timezone), nl=False)
    except UsageError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except StructuralError as exc:
        click.echo(f"cannot draft a mapping: {exc}", err=True)
        sys.exit(1)
