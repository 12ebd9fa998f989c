"""Least privilege: the API and the loaders connect as roles of their own, named after the database.

The API's journeys as its role are the live-availability and API test packages themselves (their apps connect as
``<db>_api``; ``test_the_served_app_is_connected_as_the_api_role`` checks it); here: what each role may not do.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import errors
from sqlalchemy import create_engine, make_url, pool, text

from parking_api.settings import Settings
from parking_api.store import migrate, roles
from parking_api.store.db import sqlalchemy_url


def _database(url: str) -> str:
    return make_url(url).database


def _dsn(url: str, role: str) -> str:
    """A libpq connection string for ``role`` on the database of ``url``."""
    parsed = make_url(sqlalchemy_url(url))
    parts = {"dbname": parsed.database, "user": role, **{k: v for k, v in parsed.query.items() if isinstance(v, str)}}
    if parsed.host:
        parts["host"] = parsed.host
    if parsed.port:
        parts["port"] = str(parsed.port)
    return " ".join(f"{key}='{value}'" for key, value in parts.items())


def _refused(url: str, role: str, statement: str) -> bool:
    """Whether ``statement`` run as ``role`` fails for want of a privilege (it is rolled back either way)."""
    conn = psycopg2.connect(_dsn(url, role))
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
        return False
    except (errors.InsufficientPrivilege, errors.UndefinedTable):
        return True
    finally:
        conn.rollback()
        conn.close()


def _admin(url: str):
    return create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)


def test_role_names_come_from_the_database_name():
    assert roles.role_names("parking") == roles.Roles("parking_owner", "parking_loader", "parking_api")
    long = roles.role_names("x" * 63)
    assert len({long.owner, long.loader, long.api}) == 3
    assert all(len(name) <= 63 for name in (long.owner, long.loader, long.api))
    assert roles.role_names("x" * 63) != roles.role_names("x" * 62 + "y")


def test_the_derived_urls_keep_the_server_and_drop_the_password():
    settings = Settings(database_url="postgresql://admin:secret@db.example:5432/parking", db_passfile="/run/p/pgpass")
    api = make_url(roles.api_url(settings))
    assert (api.username, api.password, api.host, api.port, api.database) == (
        "parking_api", None, "db.example", 5432, "parking"
    )  # fmt: skip
    assert api.query["passfile"] == "/run/p/pgpass"
    assert make_url(roles.loader_url(settings)).username == "parking_loader"
    explicit = Settings(database_url="postgresql://a@h/parking", api_database_url="postgresql://me@h/parking")
    assert roles.api_url(explicit) == "postgresql://me@h/parking"


API_REFUSED = [
    "UPDATE places SET road = 'x'",
    "DELETE FROM places",
    "INSERT INTO places (source_id, ref) VALUES (1, 'x')",
    "UPDATE regulations SET fingerprint = 'x'",
    "DELETE FROM regulations",
    "DELETE FROM zones",
    "UPDATE suspensions SET reason = 'x'",
    "UPDATE sources SET name = 'x'",
    "SELECT * FROM load_runs",
    "SELECT * FROM load_rejects",
    "DELETE FROM events",
    "DELETE FROM occupancy",
    "TRUNCATE parking_sessions",
    "UPDATE api_keys SET role = 'council'",
    "INSERT INTO api_keys (id, key_hash, name, role) VALUES ('x', 'x', 'x', 'council')",
    "CREATE TABLE mine (x int)",
    "CREATE TEMP TABLE mine (x int)",
    "DROP TABLE places",
    "ALTER TABLE places ADD COLUMN x int",
    "UPDATE alembic_version SET version_num = 'x'",
]


@pytest.mark.parametrize("statement", API_REFUSED)
def test_the_api_role_cannot(committed_db_url, statement):
    assert _refused(committed_db_url, roles.role_names(_database(committed_db_url)).api, statement)


LOADER_REFUSED = [
    "SELECT * FROM api_keys",
    "UPDATE api_keys SET revoked_at = now()",
    "CREATE TABLE mine (x int)",
    "DROP TABLE places",
    "ALTER TABLE places ADD COLUMN x int",
    "TRUNCATE places",
]


@pytest.mark.parametrize("statement", LOADER_REFUSED)
def test_the_loader_role_cannot(committed_db_url, statement):
    assert _refused(committed_db_url, roles.role_names(_database(committed_db_url)).loader, statement)


def test_what_the_api_may_write_it_can(committed_db_url):
    """The rate-limit state of a key (the statement the key check runs), and a temporary table for no one."""
    name = roles.role_names(_database(committed_db_url))
    with _admin(committed_db_url).begin() as conn:
        conn.execute(text("INSERT INTO api_keys (id, key_hash, name, role) VALUES ('k1', 'h1', 'test', 'sensor')"))
    assert not _refused(committed_db_url, name.api, "UPDATE api_keys SET tokens = 1, tokens_at = now() WHERE id = 'k1'")
    assert not _refused(committed_db_url, name.api, "SELECT * FROM api_keys WHERE key_hash = 'h1' FOR UPDATE")
    assert not _refused(committed_db_url, name.api, "SELECT ensure_event_partition(now())")
    assert not _refused(committed_db_url, name.api, "SELECT count(*) FROM places JOIN regulations r ON true")


def test_a_clone_belongs_to_its_own_roles_only(committed_db_url, template_db_url):
    """A clone of the template (as every committed test database is) is owned by, and grants to, its own roles:
    none of the template's are left in it, so either can be dropped with its database."""
    mine = roles.role_names(_database(committed_db_url))
    theirs = roles.role_names(_database(template_db_url))
    with _admin(committed_db_url).connect() as conn:
        owners = set(
            conn.execute(
                text(
                    "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c"
                    " WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'S')"
                    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
                )
            ).scalars()
        )
        grantees = set(
            conn.execute(
                text(
                    "SELECT pg_get_userbyid(a.grantee) FROM pg_class c, aclexplode(c.relacl) a"
                    " WHERE c.relnamespace = 'public'::regnamespace AND a.grantee <> 0"
                    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
                    " UNION SELECT pg_get_userbyid(a.grantee) FROM pg_proc p, aclexplode(p.proacl) a"
                    " WHERE p.pronamespace = 'public'::regnamespace AND a.grantee <> 0"
                    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
                )
            ).scalars()
        )
    assert owners == {mine.owner}
    assert grantees == {mine.owner, mine.api, mine.loader}
    assert not grantees & {theirs.owner, theirs.api, theirs.loader}


def test_the_served_app_is_connected_as_the_api_role(committed_db_url):
    from parking_api.app import create_app

    app = create_app(Settings(database_url=committed_db_url), testing=True)
    try:
        assert app.test_client().get("/readyz").status_code == 200
        with app.extensions["parking_engine"].connect() as conn:
            user = conn.execute(text("SELECT current_user")).scalar()
        assert user == roles.role_names(_database(committed_db_url)).api
    finally:
        app.extensions["parking_engine"].dispose()


def test_upgrade_creates_the_roles_with_passwords_in_the_passfile(absent_db_url, tmp_path):
    """``parking db upgrade`` with PARKING_DB_PASSFILE: a new password per login role, stored once (mode 0600) and
    kept by the next upgrade; the server holds only its SCRAM verifier."""
    passfile = tmp_path / "secrets" / "pgpass"
    env = {**os.environ, "DATABASE_URL": absent_db_url, "PARKING_DB_PASSFILE": str(passfile)}
    command = [sys.executable, "-m", "parking_api.cli", "db", "upgrade"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    first = passfile.read_text()
    assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
    database = _database(absent_db_url)
    name = roles.role_names(database)
    entries = [line.split(":") for line in first.splitlines()]
    assert sorted(e[3] for e in entries) == sorted([name.api, name.loader])
    assert all(e[2] == database and len(e[4]) >= 40 for e in entries)
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    assert passfile.read_text() == first
    with _admin(absent_db_url).connect() as conn:
        verifiers = conn.execute(
            text("SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(:n)"), {"n": [name.api, name.loader]}
        ).all()
    assert len(verifiers) == 2
    for _role, verifier in verifiers:
        assert verifier.startswith("SCRAM-SHA-256$4096:")
        assert all(e[4] not in verifier for e in entries)


def test_roles_log_in_with_the_passfile_and_their_statements_stay_out_of_the_log(throwaway_cluster, tmp_path):
    """On a server that asks for passwords (as the compose database does), the roles log in through the passfile
    `parking db upgrade` wrote, and not without it; a failing statement of the API's role is logged without its
    text (which would carry a position), whereas the superuser's is quoted."""
    localdb = Path(__file__).resolve().parents[2] / "postgis" / "localdb.sh"
    subprocess.run([str(localdb), "start", "pw"], env=throwaway_cluster, check=True, capture_output=True, timeout=300)
    url = subprocess.run(
        [str(localdb), "url", "pw"], env=throwaway_cluster, check=True, capture_output=True, text=True
    ).stdout.strip()
    passfile = tmp_path / "pgpass"
    migrate.upgrade(url, passfile=passfile)
    data = Path(throwaway_cluster["PARKING_PG_DIR"]) / "data"
    superuser = make_url(url).username
    hba = data / "pg_hba.conf"
    hba.write_text(f"local all {superuser} trust\nlocal all all scram-sha-256\n")
    admin = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # a server of one's own, logging statements after errors as PostgreSQL does by default
        conn.execute(text("ALTER SYSTEM SET log_min_error_statement = 'error'"))
        conn.execute(text("ALTER SYSTEM SET log_error_verbosity = 'default'"))
        conn.execute(text("SELECT pg_reload_conf()"))
    admin.dispose()
    api = make_url(roles.api_url(Settings(database_url=url, db_passfile=str(passfile))))
    with create_engine(api, poolclass=pool.NullPool).connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == "pw_api"
        assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "10s"
        with pytest.raises(Exception, match="division by zero"):
            conn.execute(text("SELECT 1 / 0 FROM places WHERE ST_DWithin(geom, ST_Point(-0.1234567, 51.7654321), 1)"))
    with _admin(url).connect() as conn, pytest.raises(Exception, match="division by zero"):
        conn.execute(text("SELECT 1 / 0 FROM places WHERE ST_DWithin(geom, ST_Point(-0.7654321, 51.1234567), 1)"))
    log = (Path(throwaway_cluster["PARKING_PG_DIR"]) / "postgres.log").read_text()
    assert log.count("division by zero") >= 2
    assert "51.1234567" in log  # the superuser's statement is quoted: the check can see one
    assert "51.7654321" not in log
    with pytest.raises(Exception, match="password"):
        create_engine(api.set(query={k: v for k, v in api.query.items() if k != "passfile"}),
                      poolclass=pool.NullPool, connect_args={"passfile": "/nonexistent"}).connect()  # fmt: skip


def test_a_scratch_database_takes_its_roles_with_it(template_db_url, base_name, request):
    suite = Path(__file__).resolve().parents[1] / "conftest.py"
    [conftest] = [p for p in request.config.pluginmanager.get_plugins() if getattr(p, "__file__", None) == str(suite)]
    name = conftest._unique_name(base_name)
    wanted = list(vars(roles.role_names(name)).values())
    count = "SELECT count(*) FROM pg_roles WHERE rolname = ANY(:n)"
    with conftest._scratch_database(name, template_url=template_db_url) as url, _admin(url).connect() as conn:
        assert conn.execute(text(count), {"n": wanted}).scalar() == 3
    with _admin(template_db_url).connect() as conn:
        assert conn.execute(text(count), {"n": wanted}).scalar() == 0
