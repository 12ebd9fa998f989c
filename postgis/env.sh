#!/usr/bin/env bash
# postgis/env.sh - the DATABASE_URL the Makefile exports to `parking` and `pytest`.
#
# Usage: postgis/env.sh [start]
#
#   start     make sure the database is up, then print its URL
#   (none)    print the URL only
#
# When DATABASE_URL is set (a server you run yourself, CI's service, docker compose...), it is used as is and
# nothing is started. Otherwise the project's private cluster (postgis/localdb.sh) provides the databases
# `parking` (the service's) and `parking_test`, and the URL is that of `parking` (the test suite derives its own
# database names from it).
#
# stdout carries only the URL; messages go to stderr, with any password masked.

set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)

mask() { # postgresql://user:secret@host/db -> postgresql://user:***@host/db
    printf '%s\n' "$1" | sed -E 's#^([A-Za-z0-9+.-]+://[^:/@]*):[^/]*@#\1:***@#'
}

case ${1:-} in
    start | '') ;;
    *)
        echo "usage: $0 [start]" >&2
        exit 2
        ;;
esac

if [ -n "${DATABASE_URL:-}" ]; then
    url=$DATABASE_URL
    [ "${1:-}" = start ] && echo "env: using DATABASE_URL from the environment: $(mask "$url")" >&2
else
    if [ "${1:-}" = start ]; then
        "$here/localdb.sh" start parking parking_test
    fi
    url=$("$here/localdb.sh" url parking)
fi
printf '%s\n' "$url"
