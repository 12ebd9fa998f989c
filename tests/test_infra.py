"""The ways to run the service: docker compose, the Makefile, CI, and the private PostGIS cluster script.

None of these tests use the suite's database fixtures. The last one starts a throwaway cluster of its own with
``postgis/localdb.sh`` (in a temporary directory, on another port) and checks that PostGIS answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
import yaml
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parents[1]
LOCALDB = ROOT / "postgis" / "localdb.sh"
SHELL_SCRIPTS = [
    ROOT / "postgis" / "localdb.sh",
    ROOT / "postgis" / "env.sh",
    ROOT / ".ci" / "run",
    ROOT / "docker" / "init-secrets.sh",
]
SERVE_STEPS = ["parking db upgrade", "parking load bundled", "parking serve --host 0.0.0.0 --port 8000"]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _environment(service: dict) -> dict[str, str]:
    """A service's environment, written either as a mapping or as a list of ``KEY=value``."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _command_text(command: str | list[str]) -> str:
    return command if isinstance(command, str) else shlex.join(command)


def _runs_upgrade_load_serve(command: str) -> bool:
    """The steps appear in order, each only after the previous one succeeded (``&&``); between loading and serving
    the compose file may start the simulator in the background (a ``{ … & }`` group)."""
    upgrade, load, serve = (re.escape(step) for step in SERVE_STEPS)
    pattern = rf"{upgrade}\s*&&\s*{load}\s*&&\s*(\{{\s.*?&\s*\}}\s*&&\s*)?(exec\s+)?{serve}"
    return re.search(pattern, command) is not None


# --- docker compose / Dockerfile ----------------------------------------------------------------------------------


def test_compose_db_is_the_official_postgis_image_with_a_healthcheck_and_a_volume():
    compose = _compose()
    assert {"secrets", "db", "migrate", "api"} <= set(compose["services"])
    db = compose["services"]["db"]
    assert db["image"] == "postgis/postgis:16-3.4"
    env = _environment(db)
    assert env["POSTGRES_DB"] == "parking"
    assert env["POSTGRES_USER"] and "POSTGRES_PASSWORD" not in env
    test = _command_text(db["healthcheck"]["test"])
    assert "pg_isready" in test
    volume, _, target = db["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data"
    assert volume in compose["volumes"]  # a named volume, not a bind mount


def _mounts(service: dict) -> dict[str, str]:
    """A service's named volumes, by mount point."""
    return {target: volume for volume, target, *_ in (item.split(":") for item in service.get("volumes", []))}


def test_compose_writes_no_password_and_generates_them_on_first_start():
    """The db reads the superuser's password from a file the ``secrets`` service generated (run first, to
    completion); the API mounts only the service roles' passfile, never the superuser's."""
    compose = _compose()
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"PASSWORD\s*:", text)
    assert not re.search(r"://[^/@\s:]+:[^/@\s]+@", text)  # no user:password@ in any URL
    services = compose["services"]
    secrets, db, migrate, api = (services[name] for name in ("secrets", "db", "migrate", "api"))
    assert "init-secrets.sh" in _command_text(secrets["command"])
    assert db["depends_on"]["secrets"]["condition"] == "service_completed_successfully"
    password_file = _environment(db)["POSTGRES_PASSWORD_FILE"]
    assert _mounts(db)[os.path.dirname(password_file)] == _mounts(secrets)[os.path.dirname(password_file)]
    admin_volume = _mounts(db)[os.path.dirname(password_file)]
    assert admin_volume in _mounts(migrate).values()
    assert admin_volume not in _mounts(api).values()
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    passfile = _environment(migrate)["PARKING_DB_PASSFILE"]
    api_url = urlsplit(_environment(api)["PARKING_API_DATABASE_URL"])
    assert api_url.username == "parking_api" and api_url.password is None
    assert f"passfile={passfile}" in api_url.query
    assert _mounts(api)[os.path.dirname(passfile)] == _mounts(migrate)[os.path.dirname(passfile)]


def test_init_secrets_makes_the_password_once_and_keeps_it(tmp_path: Path):
    script = ROOT / "docker" / "init-secrets.sh"
    admin, service = tmp_path / "admin", tmp_path / "service"
    run = [shutil.which("sh") or "/bin/sh", str(script), str(admin), str(service)]
    subprocess.run(run, check=True, capture_output=True, timeout=30)
    password = (admin / "postgres_password").read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", password)
    assert (admin / "pgpass").read_text() == f"*:*:*:parking:{password}\n"
    assert oct((admin / "postgres_password").stat().st_mode & 0o777) == "0o400"
    assert oct((admin / "pgpass").stat().st_mode & 0o777) == "0o600"
    assert oct(service.stat().st_mode & 0o777) == "0o700"
    subprocess.run(run, check=True, capture_output=True, timeout=30)
    assert (admin / "postgres_password").read_text().strip() == password  # kept
    other = tmp_path / "other"
    subprocess.run([*run[:2], str(other / "admin"), str(other / "service")], check=True, capture_output=True)
    assert (other / "admin" / "postgres_password").read_text().strip() != password  # random


def test_compose_api_waits_for_the_migration_and_reaches_the_db_by_service_name():
    compose = _compose()
    api, migrate, db = (compose["services"][name] for name in ("api", "migrate", "db"))
    for service in (api, migrate):
        build = service["build"]
        assert (build if isinstance(build, str) else build.get("context")) == "."
    url = urlsplit(_environment(migrate)["DATABASE_URL"])
    db_env = _environment(db)
    assert url.scheme == "postgresql"
    assert url.hostname == "db"
    assert (url.port or 5432) == 5432
    assert url.path == "/" + db_env["POSTGRES_DB"]
    assert url.username == db_env["POSTGRES_USER"]
    upgrade, load, serve = SERVE_STEPS
    assert re.search(rf"{re.escape(upgrade)}\s*&&\s*{re.escape(load)}", _command_text(migrate["command"]))
    assert re.search(rf"exec\s+{re.escape(serve)}", _command_text(api["command"]))


def test_dockerfile_installs_the_package_and_runs_upgrade_load_serve():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\s*$", text, re.MULTILINE)
    assert re.search(r"^RUN pip install \.(\s|$)", text, re.MULTILINE)
    cmd = re.search(r"^CMD (.+)$", text, re.MULTILINE)
    assert cmd is not None
    assert _runs_upgrade_load_serve(_command_text(json.loads(cmd.group(1))))


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    patterns = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv"} <= patterns
    assert "loaders" not in patterns  # the bundled data ships in the image


# --- CI, Makefile, shell scripts ----------------------------------------------------------------------------------


def test_ci_runs_lint_and_the_test_suite():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    text = ci.read_text()
    assert "set -euo pipefail" in text
    assert re.search(r"^make lint$", text, re.MULTILINE)
    assert re.search(r"^make test$", text, re.MULTILINE)


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_shell_script_parses(script: Path):
    assert os.access(script, os.X_OK)
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_migrates_loads_then_serves_and_prints_the_docs_url():
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}
    env["DATABASE_URL"] = "postgresql://user@example.invalid/parking"
    result = subprocess.run(
        ["make", "-n", "run", "HOST=203.0.113.7", "PORT=8123"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    steps = ["postgis/env.sh start", "parking db upgrade", "parking load bundled", "http://203.0.113.7:8123/docs"]
    steps.append("parking serve --host 203.0.113.7 --port 8123")
    positions = [out.find(step) for step in steps]
    assert -1 not in positions, out
    assert positions == sorted(positions), out


def test_env_sh_uses_a_given_database_url_as_is():
    env = dict(os.environ, DATABASE_URL="postgresql://someone:secret@db.example:5432/parking")
    result = subprocess.run(
        [str(ROOT / "postgis" / "env.sh"), "start"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == env["DATABASE_URL"]
    assert "secret" not in result.stderr  # the password is masked in messages


# --- postgis/localdb.sh -------------------------------------------------------------------------------------------


def _localdb(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(LOCALDB), *args], env=env, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL
    )
    if check:
        assert result.returncode == 0, f"localdb.sh {' '.join(args)} -> {result.returncode}\n{result.stderr}"
    return result


def _query(url: str, sql: str):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone() if cursor.description else None
        conn.commit()
        return row
    finally:
        conn.close()


def test_localdb_default_directory_is_per_clone_and_outside_it():
    env = {key: value for key, value in os.environ.items() if not key.startswith("PARKING_PG_")}
    url = make_url(_localdb("url", env=env).stdout.strip())
    digest = hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]
    assert url.query["host"] == f"/var/tmp/kerbside-parking-pg/{digest}/socket"
    assert url.query["port"] == "5433"
    assert url.database == "parking"


def test_localdb_url_encodes_the_socket_path():
    env = dict(os.environ, PARKING_PG_DIR="/tmp/a dir&more", PARKING_PG_PORT="5999")
    raw = _localdb("url", "parking_test", env=env).stdout.strip()
    assert " " not in raw
    url = make_url(raw)
    assert url.query == {"host": "/tmp/a dir&more/socket", "port": "5999"}
    assert url.database == "parking_test"


def test_localdb_rejects_bad_input_without_side_effects(tmp_path: Path):
    env = dict(os.environ, PARKING_PG_DIR=str(tmp_path / "cluster"))
    assert _localdb("start", "bad;name", env=env, check=False).returncode != 0
    assert _localdb("no-such-command", env=env, check=False).returncode != 0
    assert not (tmp_path / "cluster").exists()


def test_localdb_cluster_lifecycle(throwaway_cluster: dict[str, str]):  # the fixture: see tests/conftest.py
    env = throwaway_cluster
    available = _localdb("check", env=env, check=False)
    if available.returncode != 0:
        pytest.skip(f"no local PostgreSQL/PostGIS to run a private cluster: {available.stderr.strip()}")
    cluster = Path(env["PARKING_PG_DIR"])

    assert _localdb("status", env=env, check=False).returncode == 4  # no cluster yet
    _localdb("start", "parking", "parking_test", env=env)
    url = _localdb("url", "parking", env=env).stdout.strip()
    parsed = make_url(url)
    assert parsed.query == {"host": str(cluster / "socket"), "port": "55439"}

    version, user = _query(url, "SELECT postgis_version(), current_user")
    assert version.startswith("3.")
    assert user == parsed.username
    if os.geteuid() == 0:
        assert user != "root"  # PostgreSQL refuses root: it runs as an unprivileged user
    assert _query(_localdb("url", "parking_test", env=env).stdout.strip(), "SELECT postgis_version()")
    assert _query(url, "SHOW listen_addresses") == ("",)  # unix socket only
    _query(url, "CREATE TABLE survives_restart (id int)")

    again = _localdb("start", "parking", env=env)  # starting a running cluster is harmless
    assert "already running" in again.stderr
    assert _localdb("status", env=env, check=False).returncode == 0

    _localdb("stop", env=env)
    assert _localdb("status", env=env, check=False).returncode == 3
    _localdb("stop", env=env)  # stopping a stopped cluster is harmless

    _localdb("start", "parking", env=env)
    assert _query(url, "SELECT count(*) FROM survives_restart") == (0,)  # same data after a restart

    _localdb("clean", env=env)
    assert not cluster.exists()
    assert _localdb("status", env=env, check=False).returncode == 4
