#!/bin/sh
# docker/init-secrets.sh - the compose deployment's secrets, generated on its first start (the `secrets` service
# runs it as root before anything else starts), so that no password is ever written in docker-compose.yml.
#
# Usage: init-secrets.sh ADMIN_DIR SERVICE_DIR
#
#   ADMIN_DIR/postgres_password  the database superuser's password, made once (the db service reads it through
#                                POSTGRES_PASSWORD_FILE when it creates its data directory)
#   ADMIN_DIR/pgpass             the same as a libpq password file, for `parking db upgrade` (the migrate service)
#   SERVICE_DIR/                 made writable by the API image's user: `parking db upgrade` writes the API's and
#                                the loader's generated passwords there (PARKING_DB_PASSFILE)
#
# Running it again keeps every password. The password lives in the database's own volume too: remove the volumes
# together (`docker compose down -v`), never the secrets alone.
#
# Environment: DB_UID (default 999, the postgres user of the postgis image), APP_UID (default 10001, the parking
# user of the API image); files are handed to them only when run as root.

set -eu
umask 077

usage="usage: init-secrets.sh ADMIN_DIR SERVICE_DIR"
admin=${1:?$usage}
service=${2:?$usage}
db_uid=${DB_UID:-999}
app_uid=${APP_UID:-10001}

mkdir -p "$admin" "$service"
if [ ! -s "$admin/postgres_password" ]; then
    # 32 random bytes as 64 hex digits: no character that a URL, a pgpass line or a shell would need to escape
    password=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
    if [ "${#password}" -ne 64 ]; then
        echo "init-secrets: could not read 32 random bytes from /dev/urandom" >&2
        exit 1
    fi
    printf '%s\n' "$password" >"$admin/postgres_password.new"
    mv "$admin/postgres_password.new" "$admin/postgres_password"
    echo "init-secrets: generated the database password" >&2
fi
password=$(cat "$admin/postgres_password")
printf '*:*:*:parking:%s\n' "$password" >"$admin/pgpass.new"
mv "$admin/pgpass.new" "$admin/pgpass"

chmod 0711 "$admin"
chmod 0400 "$admin/postgres_password"
chmod 0600 "$admin/pgpass"
chmod 0700 "$service"
if [ "$(id -u)" -eq 0 ]; then
    chown "$db_uid" "$admin/postgres_password"
    chown "$app_uid" "$admin/pgpass" "$service"
fi
echo "init-secrets: secrets ready" >&2
