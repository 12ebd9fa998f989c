"""Least privilege: the PostgreSQL roles of one database, and what each may do.

Three roles per database, named after it so that test databases and clones never share one:

- ``<db>_owner`` (no login) owns the schema; migrations run as it (``SET ROLE``);
- ``<db>_loader`` (``parking load``) reads everything but the API keys and writes the data it loads;
- ``<db>_api`` (``parking serve``, ``parking simulate``) reads what the API serves — not the load history nor the
  rejected rows — and writes only what live availability needs: events, their ids, stays, occupancy, usage
  verdicts, API-created suspensions and the API keys' rate-limit state. It can never change a place or a rule.

``parking db upgrade`` (connected as ``DATABASE_URL``, an administrator that may create roles) creates the roles,
runs the migrations as the owner and then grants again from scratch (:func:`grant`), so tables a migration adds are
covered and a clone's grants to its template's roles are replaced. Passwords: none by default (the private
cluster's socket sits in a directory only its user can enter, with trust authentication); with
``PARKING_DB_PASSFILE`` set, each login role gets a random password kept in that libpq password file (created on
first use, mode 0600), and the roles' derived URLs name it, so nothing else needs configuring.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Connection, make_url, text

from parking_api.settings import Settings
from parking_api.store.db import sqlalchemy_url

NAME_LIMIT = 63  # PostgreSQL truncates longer identifiers

API_UNREAD = frozenset({"load_runs", "load_rejects"})
"""Tables the API never reads (the load history and the raw rejected rows). It reads every other table."""

API_WRITES = {
    "events": "INSERT",
    "event_ids": "INSERT",
    "parking_sessions": "INSERT, UPDATE",
    "occupancy": "INSERT, UPDATE",
    "session_verdicts": "INSERT, UPDATE",  # the usage endpoints judge stays on first use
    "suspensions": "INSERT, DELETE",
    "api_keys": "UPDATE (tokens, tokens_at, last_used_at)",
}
"""What the API writes, per table (live availability's ingest, usage verdicts, council suspensions, key buckets)."""

LOADER_UNREAD = frozenset({"api_keys", "alembic_version"})
"""Tables the loaders never touch; they read and write every other table."""


LOG_PRIVACY = {"log_min_error_statement": "panic", "log_error_verbosity": "terse"}
"""Set on the login roles (only a superuser may): the server log never quotes their statements, which carry
positions (psycopg2 writes the parameters into the statement) — neither after an error or a timeout nor in the
detail of a deadlock."""

API_SETTINGS = {"idle_in_transaction_session_timeout": "10s"}
"""A request's transaction is short: one left open this long is a frozen or killed worker's, holding row locks."""


@dataclass(frozen=True)
class Roles:
    owner: str
    loader: str
    api: str


def role_names(database: str) -> Roles:
    """The roles of ``database``: ``<db>_owner``, ``<db>_loader``, ``<db>_api`` (a long name is shortened with a
    hash of it, so that the three stay distinct within PostgreSQL's 63 bytes)."""
    base = database
    if len(f"{base}_loader".encode()) > NAME_LIMIT:
        digest = hashlib.sha1(database.encode()).hexdigest()[:8]
        base = database.encode()[: NAME_LIMIT - len("_loader") - 9].decode(errors="ignore") + "_" + digest
    return Roles(owner=f"{base}_owner", loader=f"{base}_loader", api=f"{base}_api")


def database_of(url: str) -> str:
    parsed = make_url(sqlalchemy_url(url))
    return parsed.database or parsed.username or "postgres"


def role_url(url: str, role: str, passfile: str = "") -> str:
    """``url`` (the administrator's) as ``role``: same server and database, no password; the libpq password file
    ``passfile``, when given, supplies it."""
    parsed = make_url(sqlalchemy_url(url))
    query = dict(parsed.query)
    if passfile:
        query["passfile"] = passfile
    bare = URL.create(parsed.drivername, role, None, parsed.host, parsed.port, parsed.database, query)
    return bare.render_as_string(hide_password=False)


def api_url(settings: Settings) -> str:
    """Where the API connects: ``PARKING_API_DATABASE_URL``, else ``DATABASE_URL`` as ``<db>_api``."""
    if settings.api_database_url:
        return settings.api_database_url
    url = settings.require_database_url()
    return role_url(url, role_names(database_of(url)).api, settings.db_passfile)


def loader_url(settings: Settings) -> str:
    """Where the loaders connect: ``PARKING_LOADER_DATABASE_URL``, else ``DATABASE_URL`` as ``<db>_loader``."""
    if settings.loader_database_url:
        return settings.loader_database_url
    url = settings.require_database_url()
    return role_url(url, role_names(database_of(url)).loader, settings.db_passfile)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure(conn: Connection, database: str, passfile: Path | None = None) -> Roles:
    """Create the roles of ``database`` when missing and let the administrator act as the owner; with ``passfile``,
    give each login role its password from that file (a new random one, stored there, when it has none)."""
    roles = role_names(database)
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('parking roles'))"))
    names = list(vars(roles).values())
    existing = set(conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:n)"), {"n": names}).scalars())
    for name, login in ((roles.owner, False), (roles.loader, True), (roles.api, True)):
        if name not in existing:
            conn.execute(text(f"CREATE ROLE {_ident(name)} {'LOGIN' if login else 'NOLOGIN'} NOINHERIT"))
    superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if not superuser:
        conn.execute(text(f"GRANT {_ident(roles.owner)} TO current_user"))
    for name in (roles.loader, roles.api):
        settings = {**(LOG_PRIVACY if superuser else {}), **(API_SETTINGS if name == roles.api else {})}
        for setting, value in settings.items():
            conn.execute(text(f"ALTER ROLE {_ident(name)} SET {setting} = '{value}'"))
    if passfile is not None:
        passwords = _passwords(passfile, database, (roles.loader, roles.api))
        for name, password in passwords.items():
            # a SCRAM verifier, never the password itself: statements may be logged
            conn.execute(text(f"ALTER ROLE {_ident(name)} PASSWORD :verifier"), {"verifier": scram_verifier(password)})
    return roles


def grant(conn: Connection, database: str) -> Roles:
    """Make the owner own every object of the schema, then set every table's privileges from scratch: what the API
    and the loader may do (above), nothing for anyone else."""
    roles = role_names(database)
    owner, api, loader = (_ident(r) for r in (roles.owner, roles.api, roles.loader))
    db = _ident(database)
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('parking roles'))"))
    conn.execute(text(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC"))
    conn.execute(text(f"GRANT CONNECT ON DATABASE {db} TO {api}"))
    conn.execute(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {loader}"))  # staging tables are TEMP
    conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    conn.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {api}, {loader}"))
    for kind, name in _owned_elsewhere(conn, roles.owner):
        conn.execute(text(f"ALTER {kind} {name} OWNER TO {owner}"))
    tables = _tables(conn)
    for table, grantees in tables.items():
        for grantee in grantees:
            conn.execute(text(f"REVOKE ALL ON TABLE {_ident(table)} FROM {grantee}"))
    for table in tables:
        quoted = _ident(table)
        if table not in API_UNREAD:
            conn.execute(text(f"GRANT SELECT ON TABLE {quoted} TO {api}"))
        if table in API_WRITES:
            conn.execute(text(f"GRANT {API_WRITES[table]} ON TABLE {quoted} TO {api}"))
        if table not in LOADER_UNREAD:
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {quoted} TO {loader}"))
    for sequence, table, grantees in _sequences(conn):
        for grantee in grantees:
            conn.execute(text(f"REVOKE ALL ON SEQUENCE {_ident(sequence)} FROM {grantee}"))
        if table not in LOADER_UNREAD:
            conn.execute(text(f"GRANT USAGE ON SEQUENCE {_ident(sequence)} TO {loader}"))
        if table in API_WRITES and "INSERT" in API_WRITES[table]:
            conn.execute(text(f"GRANT USAGE ON SEQUENCE {_ident(sequence)} TO {api}"))
    for function, grantees in _definer_functions(conn):
        for grantee in grantees:
            conn.execute(text(f"REVOKE ALL ON FUNCTION {function} FROM {grantee}"))
        conn.execute(text(f"GRANT EXECUTE ON FUNCTION {function} TO {api}, {loader}"))
    return roles


def drop(conn: Connection, database: str) -> None:
    """Drop the roles of ``database`` (after the database itself: a role that still owns or may use something in
    another database cannot be dropped)."""
    for name in vars(role_names(database)).values():
        conn.execute(text(f"DROP ROLE IF EXISTS {_ident(name)}"))


# --- the catalogue -----------------------------------------------------------------------------------------------

_NOT_EXTENSION = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"


def _owned_elsewhere(conn: Connection, owner: str) -> list[tuple[str, str]]:
    """(``TABLE``/``VIEW``/…/``FUNCTION``, qualified name) of the schema's objects another role owns (extension
    members excepted; a table's indexes and owned sequences follow it)."""
    rows = conn.execute(
        text(
            f"""
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                      ELSE 'TABLE' END, format('public.%I', c.relname)
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
   AND pg_get_userbyid(c.relowner) <> :owner AND {_NOT_EXTENSION.format(oid="c.oid")}
   AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
 UNION ALL
SELECT 'FUNCTION', p.oid::regprocedure::text
  FROM pg_proc p
 WHERE p.pronamespace = 'public'::regnamespace AND pg_get_userbyid(p.proowner) <> :owner
   AND {_NOT_EXTENSION.format(oid="p.oid")}
"""
        ),
        {"owner": owner},
    )
    return [(kind, name) for kind, name in rows]


def _tables(conn: Connection) -> dict[str, list[str]]:
    """Every table and view of the schema (partitions excepted: access goes through their parent), with the roles
    other than its owner that hold a privilege on it (``PUBLIC`` included)."""
    rows = conn.execute(
        text(
            f"""
SELECT c.relname, {_GRANTEES.format(owner="c.relowner")}
  FROM pg_class c
  LEFT JOIN LATERAL aclexplode(c.relacl) a ON true
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
   AND {_NOT_EXTENSION.format(oid="c.oid")}
 GROUP BY c.relname
"""
        )
    )
    return {name: list(grantees) for name, grantees in rows}


_GRANTEES = """coalesce(array_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                               ELSE quote_ident(pg_get_userbyid(a.grantee)) END)
                         FILTER (WHERE a.grantee IS NOT NULL AND a.grantee <> {owner}), '{{}}')"""


def _sequences(conn: Connection) -> list[tuple[str, str, list[str]]]:
    """(sequence, table, grantees) for each sequence a table's column owns (serial ids); the grantees hold a
    privilege on it without owning it (``PUBLIC`` included)."""
    rows = conn.execute(
        text(
            f"""
SELECT s.relname, t.relname, {_GRANTEES.format(owner="s.relowner")}
  FROM pg_class s
  JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') AND d.refclassid = 'pg_class'::regclass
  JOIN pg_class t ON t.oid = d.refobjid
  LEFT JOIN LATERAL aclexplode(s.relacl) a ON true
 WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace
 GROUP BY s.relname, t.relname
"""
        )
    )
    return [(sequence, table, list(grantees)) for sequence, table, grantees in rows]


def _definer_functions(conn: Connection) -> list[tuple[str, list[str]]]:
    """The schema's SECURITY DEFINER functions (they run as the owner: only our roles may call them), each with the
    roles other than its owner that may call it (``PUBLIC`` too while its ACL is the default)."""
    rows = conn.execute(
        text(
            f"""
SELECT p.oid::regprocedure::text,
       CASE WHEN p.proacl IS NULL THEN ARRAY['PUBLIC'] ELSE {_GRANTEES.format(owner="p.proowner")} END
  FROM pg_proc p
  LEFT JOIN LATERAL aclexplode(p.proacl) a ON true
 WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef AND {_NOT_EXTENSION.format(oid="p.oid")}
 GROUP BY p.oid, p.proacl
"""
        )
    )
    return [(function, list(grantees)) for function, grantees in rows]


# --- passwords ---------------------------------------------------------------------------------------------------


def _passwords(passfile: Path, database: str, names: tuple[str, ...]) -> dict[str, str]:
    """Each role's password in ``passfile`` (libpq's format, ``host:port:database:user:password``), adding a random
    one for a role that has none; the file is rewritten atomically, mode 0600."""
    lines = passfile.read_text().splitlines() if passfile.exists() else []
    found: dict[str, str] = {}
    for line in lines:
        fields = _split_pgpass(line)
        if len(fields) == 5 and fields[2] in (database, "*") and fields[3] in names:
            found.setdefault(fields[3], fields[4])
    missing = [name for name in names if name not in found]
    if missing:
        for name in missing:
            found[name] = secrets.token_urlsafe(32)
            lines.append(f"*:*:{_escape(database)}:{_escape(name)}:{found[name]}")
        passfile.parent.mkdir(parents=True, exist_ok=True)
        temporary = passfile.with_name(passfile.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write("\n".join(lines) + "\n")
        os.replace(temporary, passfile)
    return {name: found[name] for name in names}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _split_pgpass(line: str) -> list[str]:
    fields, current, escaped = [], "", False
    for char in line:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ":" and len(fields) < 4:
            fields.append(current)
            current = ""
        else:
            current += char
    return [*fields, current]


def scram_verifier(password: str, *, iterations: int = 4096) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier of ``password`` (RFC 7677): the server stores it as is and never sees the
    password (ASCII passwords only: those need no SASLprep)."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
