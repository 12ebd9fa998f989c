"""The ``parking`` console script: every command has --help, and the db commands work on a real database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from parking_api.cli import main
from parking_api.store import migrate


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(main), ids=lambda p: " ".join(p) or "parking")
def test_every_command_has_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_contract_commands_exist():
    names = {" ".join(p) for p in _commands(main)}
    assert {"db upgrade", "db status", "serve", "load"} <= names


def _parking() -> list[str]:
    script = shutil.which("parking", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "parking_api.cli"]


def test_db_status_and_upgrade_as_a_subprocess(committed_db_url):
    env = {**os.environ, "DATABASE_URL": committed_db_url}
    migrate.downgrade(committed_db_url, "base")
    pending = subprocess.run([*_parking(), "db", "status"], env=env, capture_output=True, text=True, timeout=120)
    assert pending.returncode == 1
    assert "pending" in pending.stderr

    upgraded = subprocess.run([*_parking(), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
    assert migrate.head_revision() in upgraded.stdout

    current = subprocess.run([*_parking(), "db", "status"], env=env, capture_output=True, text=True, timeout=120)
    assert current.returncode == 0


def test_missing_database_url_is_a_clear_error():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run([*_parking(), "db", "status"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
