"""``parking load …``: the loader commands (filled in by the loaders)."""

import click


@click.group()
def load() -> None:
    """Load council data into PostGIS."""
