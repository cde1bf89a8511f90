#!/usr/bin/env bash
# Run every test: unit, property and integration tests on SQLite, and every
# storage test again on a throwaway PostgreSQL server this script starts and
# stops itself. Usage: scripts/test.sh [extra nextest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# --- a throwaway PostgreSQL -------------------------------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "test.sh: installing PostgreSQL server binaries" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

PGTMP=$(mktemp -d /tmp/mhub-pg.XXXXXX)
PGPORT=${MHUB_TEST_PG_PORT:-$((20000 + RANDOM % 20000))}
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: run the server as an unprivileged user.
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres "$PGTMP"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
as_pg "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGTMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
pg_stop() {
  as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap pg_stop EXIT

export MHUB_TEST_PG_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
# With the server up, a PostgreSQL test that cannot reach it must fail, not skip.
export MHUB_REQUIRE_PG=1

# --- the tests --------------------------------------------------------------
cargo nextest run --workspace --no-fail-fast "$@"

# --- the API contract from outside (issue 7) --------------------------------
# A real hub with the samples, schemathesis against its /v1/openapi.json for
# every operation and role (a few minutes; installs schemathesis from PyPI).
scripts/schemathesis.sh

# --- crash and concurrency (issue 6) -----------------------------------------
# Bounded (a few minutes); each test starts its own PostgreSQL clusters with
# the binaries found above.
MHUB_PGBIN="$PGBIN" scripts/reliability.sh
