#!/usr/bin/env bash
# Crash and concurrency tests (issue 6): kill -9 at random points during
# ingest and during feed appends, twelve acquirers uploading at once with
# retries (SQLite and PostgreSQL), PostgreSQL stopped and restarted under
# load. They drive real `mhub serve` processes over HTTP, on real SQLite
# files and on PostgreSQL clusters each test starts, stops and removes
# itself, so they never touch the server the other tests share.
#
# Usage: scripts/reliability.sh [extra nextest arguments]
#   MHUB_RELIABILITY_SEED=N replays the random choices of a failed run (each
#   test prints its seed). scripts/test.sh runs this after its main run.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

# PostgreSQL server binaries (test.sh installs them when missing); the tests
# read MHUB_PGBIN.
PGBIN=${MHUB_PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "reliability.sh: no PostgreSQL server binaries; run scripts/test.sh or install postgresql" >&2
  exit 1
fi
export MHUB_PGBIN="$PGBIN"
# As root (CI), each cluster runs as `postgres`: initdb refuses root.
if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi

# Only the ignored reliability tests of the cli binary, one at a time: each
# loads both cores, and a kill or an outage timed against a competing test
# would test the machine, not the hub.
nice -n 10 cargo nextest run --workspace --run-ignored only --test-threads 1 --no-fail-fast \
  -E 'binary(cli) & test(/^(crash|concurrency|outage)::/)' --no-capture "$@"

echo "reliability.sh: passed in $(( $(date +%s) - started )) s"
