#!/usr/bin/env bash
# postgis/localdb.sh - a private PostgreSQL + PostGIS cluster for this clone.
#
# The Makefile uses this when DATABASE_URL is not set, so that `make run` and `make test` work on a fresh
# machine without Docker and without touching any system-wide PostgreSQL server.
#
# Usage: postgis/localdb.sh COMMAND [ARGS]
#
#   install            make sure PostgreSQL server binaries and PostGIS are installed (apt-get, as root on
#                      Debian/Ubuntu; otherwise say exactly what to install)
#   check              exit 0 if they are installed, 1 if not (never installs anything)
#   start [DB...]      install if needed, create the cluster if new, start it, and create each database
#                      (default: parking) with the postgis extension. Harmless when already running.
#   url [DB]           print the SQLAlchemy/libpq URL of database DB (default: parking)
#   stop               fast shutdown (harmless when not running)
#   status             print the cluster's state; exit 0 running, 3 stopped, 4 no cluster
#   clean              stop, then delete the cluster directory and all its data
#   psql [ARGS]        run psql against the cluster (database parking unless ARGS choose another)
#
# The cluster:
#   * lives in $PARKING_PG_DIR, by default /var/tmp/kerbside-parking-pg/<12 hex of sha1(clone path)>, i.e. one
#     cluster per clone, outside the clone (a clone under /root is not reachable by the server's user);
#       data/          the PostgreSQL data directory
#       socket/        the unix socket directory
#       postgres.log   the server log
#   * listens ONLY on a unix socket in socket/ (listen_addresses=''), port $PARKING_PG_PORT (default 5433), so
#     it never clashes with a system server; the cluster directory, socket/ and the socket are mode 0700, owned
#     by the server's user, so no other local user (root aside) can reach it;
#   * uses trust authentication (safe behind that socket); its superuser role is the OS user that runs the server,
#     and `parking db upgrade` adds the service's roles (<db>_api, <db>_loader, <db>_owner) without passwords;
#   * runs as the invoking user, or, when invoked as root (PostgreSQL refuses to run as root), as the system user
#     `postgres` (created by the Debian package) or else a system user `parking-pg` created for it.
#
# Environment:
#   PARKING_PG_DIR    cluster directory (see above)
#   PARKING_PG_PORT   port number, i.e. the socket's name (default 5433)
#   PG_BINDIR         directory holding initdb/pg_ctl/postgres (default: newest /usr/lib/postgresql/*/bin)

set -euo pipefail
umask 022 # directories we create (including parents of PARKING_PG_DIR) must be traversable by the server user

PROG=localdb
say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------------------------
# Locations
# ---------------------------------------------------------------------------------------------------------------

# The clone: the directory above this script, as an absolute physical path (symlinks resolved), so the default
# cluster directory is stable however the script is invoked.
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)

DEFAULT_PARENT=/var/tmp/kerbside-parking-pg
SERVER_SYSTEM_USER=parking-pg # created only when running as root and there is no `postgres` user

sha1_12() { # first 12 hex digits of the SHA-1 of $1
    if command -v sha1sum >/dev/null 2>&1; then
        printf '%s' "$1" | sha1sum | cut -c1-12
    elif command -v shasum >/dev/null 2>&1; then
        printf '%s' "$1" | shasum -a 1 | cut -c1-12
    else
        printf '%s' "$1" | openssl sha1 -r | cut -c1-12
    fi
}

if [ -n "${PARKING_PG_DIR:-}" ]; then
    DIR=$PARKING_PG_DIR
    case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
    while [ "${DIR%/}" != "$DIR" ] && [ "$DIR" != / ]; do DIR=${DIR%/}; done # drop trailing slashes
    USING_DEFAULT_DIR=no
else
    DIR=$DEFAULT_PARENT/$(sha1_12 "$ROOT")
    USING_DEFAULT_DIR=yes
fi
case $DIR in / | "$DEFAULT_PARENT") die "refusing to use '$DIR' as the cluster directory" ;; esac

DATA=$DIR/data
SOCK=$DIR/socket
LOG=$DIR/postgres.log
MARKER=$DIR/.kerbside-parking-pg # tells `clean` that this directory is ours to delete
LOCKFILE=$DIR/.lock

# libpq settings from the caller's environment must not redirect our own client calls elsewhere.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGPASSFILE PGDATABASE PGSERVICE PGSERVICEFILE PGSSLMODE

REQUESTED_PORT=${PARKING_PG_PORT:-5433}
case $REQUESTED_PORT in
    '' | *[!0-9]*) die "PARKING_PG_PORT must be a number, got '$REQUESTED_PORT'" ;;
esac

# ---------------------------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------------------------

is_root() { [ "$(id -u)" -eq 0 ]; }

owner_of() { # user name owning path $1 (portable: no GNU stat)
    # shellcheck disable=SC2012
    ls -ld -- "$1" 2>/dev/null | awk '{print $3}'
}

# The OS user that runs (or would run) the server. An existing cluster keeps the user that created it.
server_user() {
    local owner
    if [ -d "$DATA" ]; then
        owner=$(owner_of "$DATA")
        if [ -n "$owner" ]; then
            printf '%s\n' "$owner"
            return
        fi
    fi
    if ! is_root; then
        id -un
    elif id -u postgres >/dev/null 2>&1; then
        echo postgres
    else
        echo "$SERVER_SYSTEM_USER"
    fi
}

# Root only: create the unprivileged system user that will run the server, if it does not exist.
ensure_server_user() {
    local user=$1 shell
    id -u "$user" >/dev/null 2>&1 && return 0
    shell=$(command -v nologin 2>/dev/null || echo /bin/false)
    say "creating system user '$user' to run PostgreSQL (it refuses to run as root)"
    if command -v useradd >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell "$shell" "$user"
    elif command -v adduser >/dev/null 2>&1; then
        adduser --system --group --no-create-home --home /nonexistent --shell "$shell" "$user"
    else
        die "cannot create system user '$user' (no useradd/adduser): create it, or install PostgreSQL's package (which creates 'postgres')"
    fi
}

# Run a command as the server user, from / (the caller's directory, e.g. a clone under /root, may not be
# readable by it). File descriptor 9 (our lock) is closed so the postmaster does not inherit it.
as_server() {
    local user
    user=$(server_user)
    if is_root && [ "$user" != root ]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u "$user" -- "$@") 9>&-
        else
            (cd / && su -s /bin/sh "$user" -c "$(printf '%q ' "$@")") 9>&-
        fi
    else
        (cd / && "$@") 9>&-
    fi
}

# ---------------------------------------------------------------------------------------------------------------
# Finding and installing PostgreSQL and PostGIS
# ---------------------------------------------------------------------------------------------------------------

BINDIR=
MAJOR=
SHAREDIR=

has_server_binaries() { [ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ] && [ -x "$1/postgres" ]; }

# Set BINDIR/MAJOR/SHAREDIR; return 1 when no server binaries are found. An existing cluster needs the binaries of
# the version that created it; otherwise use PG_BINDIR, else the newest /usr/lib/postgresql/*/bin (Debian/Ubuntu
# layout), else pg_ctl on PATH (other platforms).
locate_server() {
    local d want=''
    BINDIR='' MAJOR='' SHAREDIR=''
    [ -r "$DATA/PG_VERSION" ] && want=$(cat "$DATA/PG_VERSION")
    if [ -n "${PG_BINDIR:-}" ]; then
        has_server_binaries "$PG_BINDIR" && BINDIR=$PG_BINDIR
    elif [ -n "$want" ] && has_server_binaries "/usr/lib/postgresql/$want/bin"; then
        BINDIR=/usr/lib/postgresql/$want/bin
    else
        # shellcheck disable=SC2012 # paths like /usr/lib/postgresql/15/bin, sorted by version number
        for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n); do
            has_server_binaries "$d" && BINDIR=$d
        done
        if [ -z "$BINDIR" ] && command -v pg_ctl >/dev/null 2>&1; then
            d=$(dirname -- "$(command -v pg_ctl)")
            has_server_binaries "$d" && BINDIR=$d
        fi
    fi
    [ -n "$BINDIR" ] || return 1
    # "postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)" -> 15
    MAJOR=$("$BINDIR/postgres" --version | sed -n 's/^[^0-9]*\([0-9][0-9]*\).*/\1/p')
    if [ -n "$want" ] && [ "$MAJOR" != "$want" ]; then
        die "the cluster in $DATA was created by PostgreSQL $want but $BINDIR is PostgreSQL $MAJOR: install PostgreSQL $want, or run '$0 clean' to recreate it (deletes its data)"
    fi
    if [ -x "$BINDIR/pg_config" ]; then
        SHAREDIR=$("$BINDIR/pg_config" --sharedir)
    else
        SHAREDIR=/usr/share/postgresql/$MAJOR
    fi
}

has_postgis() { [ -n "$SHAREDIR" ] && [ -f "$SHAREDIR/extension/postgis.control" ]; }

APT_UPDATED=no
apt_update() {
    [ "$APT_UPDATED" = yes ] && return 0
    say "apt-get update"
    if ! apt-get update; then
        say "apt-get update failed; retrying once in 5 seconds"
        sleep 5
        apt-get update
    fi
    APT_UPDATED=yes
}

apt_install() {
    say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

can_apt_install() {
    is_root && [ -z "${PG_BINDIR:-}" ] && [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1
}

install_hint() {
    local major=${MAJOR:-15}
    cat >&2 <<EOF
$PROG: $1
$PROG: install the PostgreSQL server and PostGIS 3 for it, then retry:
$PROG:   Debian/Ubuntu:  sudo apt-get install postgresql postgresql-$major-postgis-3
$PROG:   (or run this as root on Debian/Ubuntu and it installs them itself)
$PROG:   elsewhere:      your platform's PostgreSQL server + PostGIS packages; set PG_BINDIR to the directory
$PROG:                   holding initdb, pg_ctl and postgres if it is not found
$PROG: or skip the private cluster: export DATABASE_URL=postgresql://user:password@host/dbname (with PostGIS)
EOF
    exit 1
}

cmd_check() {
    locate_server || {
        say "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found"
        return 1
    }
    has_postgis || {
        say "PostGIS is not installed for PostgreSQL $MAJOR ($SHAREDIR/extension/postgis.control is missing)"
        return 1
    }
    say "PostgreSQL $MAJOR in $BINDIR, with PostGIS"
}

cmd_install() {
    if locate_server && has_postgis; then
        return 0
    fi
    if ! can_apt_install; then
        if [ -z "$BINDIR" ]; then
            install_hint "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found${PG_BINDIR:+ in PG_BINDIR=$PG_BINDIR}"
        fi
        install_hint "PostGIS is not installed for PostgreSQL $MAJOR ($SHAREDIR/extension/postgis.control is missing)"
    fi
    apt_update
    if [ -z "$BINDIR" ]; then
        # No server yet: install the distribution's default version, then add PostGIS for whatever that is.
        apt_install postgresql
        locate_server || die "installed the 'postgresql' package but still found no server binaries under /usr/lib/postgresql"
    fi
    if ! has_postgis; then
        # Only the PostGIS package for the detected major: adding the 'postgresql' metapackage here could pull in
        # a second, newer server where a non-default major is installed.
        apt_install "postgresql-$MAJOR-postgis-3" ||
            die "could not install postgresql-$MAJOR-postgis-3 (is PostgreSQL $MAJOR's PostGIS packaged for this release?)"
        has_postgis || die "installed postgresql-$MAJOR-postgis-3 but $SHAREDIR/extension/postgis.control is still missing"
    fi
    say "installed PostgreSQL $MAJOR with PostGIS"
}

# ---------------------------------------------------------------------------------------------------------------
# The cluster
# ---------------------------------------------------------------------------------------------------------------

initialized() { [ -f "$DATA/PG_VERSION" ]; }

# pg_ctl status: 0 running, 3 not running, 4 no data directory.
running() {
    initialized || return 1
    locate_server || return 1
    as_server "$BINDIR/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

# The port the running server actually uses (line 4 of postmaster.pid), else the requested one.
port() {
    local p=
    if [ -r "$DATA/postmaster.pid" ] && running; then
        p=$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)
    fi
    case $p in '' | *[!0-9]*) p=$REQUESTED_PORT ;; esac
    printf '%s\n' "$p"
}

# Serialise start/stop/clean of this cluster (e.g. `make run` and `make test` started together).
lock() {
    command -v flock >/dev/null 2>&1 || return 0
    exec 9>>"$LOCKFILE"
    flock -w 300 9 || die "timed out waiting for another $PROG on $DIR"
}

unreachable() {
    die "the server user '$1' cannot reach $DIR (a parent directory is not searchable by it, e.g. a clone under /root): set PARKING_PG_DIR to a directory it can reach, e.g. under /var/tmp"
}

# Create the cluster directory (and parents) for the server user, and check that user can reach it.
prepare_dir() {
    local user=$1
    if [ "$USING_DEFAULT_DIR" = yes ] && [ ! -d "$DEFAULT_PARENT" ]; then
        # Shared by every clone and user on the machine, like /var/tmp itself: world-writable and sticky.
        mkdir -p "$DEFAULT_PARENT"
        chmod 1777 "$DEFAULT_PARENT" 2>/dev/null || true
    fi
    if [ -e "$DIR" ] && [ ! -d "$DIR" ]; then
        die "$DIR exists and is not a directory"
    fi
    if [ ! -d "$DIR" ]; then
        # Check before creating anything: the nearest existing ancestor must be searchable by the server user
        # (the parents we create are 0755).
        local ancestor=$DIR
        while [ ! -d "$ancestor" ]; do ancestor=$(dirname -- "$ancestor"); done
        as_server test -x "$ancestor" || unreachable "$user"
        mkdir -p "$DIR"
        : >"$MARKER"
    elif [ ! -f "$MARKER" ] && [ -n "$(ls -A "$DIR")" ]; then
        die "$DIR is not empty and was not created by $PROG: choose another PARKING_PG_DIR"
    else
        : >>"$MARKER"
    fi
    mkdir -p "$SOCK"
    if is_root && [ "$user" != root ]; then
        chown "$user" "$DIR" "$SOCK" "$MARKER"
    fi
    # Only the server's user (and root) may enter: the socket, with trust authentication, is the only way in.
    chmod 0700 "$DIR" "$SOCK"
    as_server test -w "$DIR" -a -x "$DIR" || unreachable "$user"
    # A unix socket path is limited to ~107 bytes; keep a margin for "/.s.PGSQL.<port>".
    if [ "${#SOCK}" -gt 90 ]; then
        die "socket directory path is too long for a unix socket ($SOCK): choose a shorter PARKING_PG_DIR"
    fi
}

initdb_cluster() {
    local user=$1 locale=C
    # C.UTF-8 (glibc >= 2.35, Debian 12) sorts like C but knows Unicode character classes; fall back to C.
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
    say "creating a new cluster in $DATA (PostgreSQL $MAJOR, superuser '$user', locale $locale)"
    if ! as_server "$BINDIR/initdb" -D "$DATA" -U "$user" --encoding=UTF8 --locale="$locale" --auth=trust \
        >"$DIR/initdb.log" 2>&1; then
        cat "$DIR/initdb.log" >&2
        die "initdb failed (log above, also in $DIR/initdb.log)"
    fi
    # Our settings live in their own file, rewritten at each start; postgresql.conf stays yours to edit.
    printf "\n# Settings managed by postgis/localdb.sh (rewritten at every start)\ninclude_if_exists = 'localdb.conf'\n" |
        as_server tee -a "$DATA/postgresql.conf" >/dev/null
}

write_settings() {
    local sock_quoted=${SOCK//\'/\'\'}
    as_server tee "$DATA/localdb.conf" >/dev/null <<EOF
# Written by postgis/localdb.sh at every start: edits here are lost (put yours in postgresql.conf).
listen_addresses = ''                      # no TCP at all: unix socket only
unix_socket_directories = '$sock_quoted'
unix_socket_permissions = 0700             # and the socket itself, inside a 0700 directory
port = $REQUESTED_PORT
max_connections = 100
shared_buffers = 128MB                     # a development box, not a server
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

# Bounded wait until the server accepts connections.
wait_ready() {
    local p i=0
    p=$(port)
    until "$BINDIR/pg_isready" -q -h "$SOCK" -p "$p" -t 2; do
        i=$((i + 1))
        if [ "$i" -ge 60 ]; then
            tail -n 30 "$LOG" >&2 2>/dev/null || true
            die "the server did not accept connections within ~60s (log: $LOG)"
        fi
        sleep 1
    done
}

# psql as a client of the cluster, as the invoking user (root can reach the socket in the server's directory).
client_psql() {
    PGHOST=$SOCK PGPORT=$(port) PGUSER=$(server_user) "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

valid_dbname() { printf '%s' "$1" | grep -qE '^[A-Za-z_][A-Za-z0-9_]{0,62}$'; }

ensure_database() {
    local db=$1
    if [ "$(client_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
        say "creating database $db"
        client_psql -d postgres -c "CREATE DATABASE \"$db\""
    fi
    client_psql -d "$db" -c 'SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis'
}

cmd_start() {
    local user db p
    [ "$#" -gt 0 ] || set -- parking
    for db in "$@"; do
        valid_dbname "$db" || die "invalid database name '$db' (letters, digits, underscores)"
    done
    cmd_install
    user=$(server_user)
    if is_root && [ "$user" = root ]; then
        die "$DATA is owned by root, but PostgreSQL refuses to run as root: run '$0 clean' and start again"
    fi
    if ! is_root && [ "$user" != "$(id -un)" ]; then
        die "the cluster in $DIR belongs to '$user': run as that user (or root), or choose another PARKING_PG_DIR"
    fi
    is_root && ensure_server_user "$user"
    prepare_dir "$user"
    lock
    locate_server || die "PostgreSQL server binaries disappeared"
    if ! initialized; then
        if [ -e "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
            die "$DATA exists but holds no cluster (a failed initdb?): run '$0 clean' and start again"
        fi
        initdb_cluster "$user"
    fi
    if running; then
        p=$(port)
        if [ "$p" != "$REQUESTED_PORT" ] && [ -n "${PARKING_PG_PORT:-}" ]; then
            say "already running on port $p, not $REQUESTED_PORT: run '$0 stop' first to change the port"
        else
            say "already running (port $p, socket $SOCK)"
        fi
    else
        write_settings
        say "starting PostgreSQL $MAJOR (port $REQUESTED_PORT, socket $SOCK, log $LOG)"
        if ! as_server "$BINDIR/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 -s; then
            tail -n 30 "$LOG" >&2 2>/dev/null || true
            die "the server failed to start (log above, in $LOG)"
        fi
    fi
    wait_ready
    for db in "$@"; do
        ensure_database "$db"
    done
    say "ready: $(cmd_url "$1")"
}

cmd_stop() {
    if ! initialized; then
        say "no cluster in $DIR: nothing to stop"
        return 0
    fi
    lock
    if running; then
        say "stopping the cluster in $DIR"
        as_server "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t 60 -s
    else
        say "not running"
    fi
}

cmd_status() {
    local p
    if ! initialized; then
        say "no cluster in $DIR"
        return 4
    fi
    p=$(port)
    if running; then
        say "running: PostgreSQL $MAJOR, data $DATA, socket $SOCK, port $p, server user $(server_user)"
        say "url: $(cmd_url parking)"
        return 0
    fi
    say "stopped: data $DATA"
    return 3
}

cmd_clean() {
    if [ ! -e "$DIR" ]; then
        say "no cluster directory $DIR: nothing to clean"
        return 0
    fi
    if [ ! -f "$MARKER" ] && [ -n "$(ls -A "$DIR")" ]; then
        die "$DIR was not created by $PROG: not deleting it"
    fi
    lock
    if initialized && locate_server && running; then
        cmd_stop
    fi
    say "deleting $DIR"
    rm -rf -- "$DIR"
}

# Percent-encode everything but unreserved characters and '/', for a URL's user name and query values.
urlencode() {
    local LC_ALL=C # iterate over bytes, not characters
    local s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9/._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

cmd_url() {
    local db=${1:-parking}
    valid_dbname "$db" || die "invalid database name '$db'"
    printf 'postgresql://%s@/%s?host=%s&port=%s\n' \
        "$(urlencode "$(server_user)")" "$db" "$(urlencode "$SOCK")" "$(port)"
}

cmd_psql() {
    running || die "the cluster in $DIR is not running: start it with '$0 start'"
    PGHOST=$SOCK PGPORT=$(port) PGUSER=$(server_user) PGDATABASE=parking exec "$BINDIR/psql" "$@"
}

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

main() {
    local cmd=${1:-}
    [ "$#" -gt 0 ] && shift
    case $cmd in
        install) cmd_install ;;
        check) cmd_check ;;
        start) cmd_start "$@" ;;
        url) cmd_url "$@" ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        clean) cmd_clean ;;
        psql) cmd_psql "$@" ;;
        help | -h | --help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
