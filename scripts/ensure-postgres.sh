#!/usr/bin/env bash
# Make a local PostgreSQL server available for taxgate's tests, idempotently, and print its URL.
#
#   scripts/ensure-postgres.sh        -> postgresql+psycopg://taxgate@127.0.0.1:54329/taxgate_test
#
# On a fresh Debian/Ubuntu machine (as root) it installs Debian's `postgresql` package when no
# server binaries are found, creates a cluster in ./.taxgate/pg (gitignored) owned by the
# `postgres` OS user (initdb and postgres refuse to run as root), starts it on 127.0.0.1 with
# its socket inside the project directory, and creates the database. Run again, it only checks
# that the server answers and prints the URL. Everything but the URL goes to stderr.
# Settings: TAXGATE_PG_PORT (54329), TAXGATE_PG_DIR (./.taxgate/pg), TAXGATE_PG_DB (taxgate_test).
set -euo pipefail

PORT="${TAXGATE_PG_PORT:-54329}"
DB="${TAXGATE_PG_DB:-taxgate_test}"
ROLE="taxgate"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${TAXGATE_PG_DIR:-$ROOT/.taxgate/pg}"
DATA="$BASE/data"
SOCKET="$BASE/run"
LOG="$BASE/server.log"
URL="postgresql+psycopg://$ROLE@127.0.0.1:$PORT/$DB"

say() { echo "ensure-postgres: $*" >&2; }
fail() { say "$*"; exit 1; }

find_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  fi
  # Debian keeps server binaries per major version; take the newest installed.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  for dir in /usr/local/pgsql/bin /usr/pgsql-*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

# Run as the server's OS user: root may not run initdb or postgres.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

BIN="$(find_bindir || true)"
if [ -z "$BIN" ]; then
  [ "$(id -u)" -eq 0 ] || fail "PostgreSQL server binaries not found; install Debian's 'postgresql' package (needs root)"
  command -v apt-get >/dev/null 2>&1 || fail "PostgreSQL not found and apt-get unavailable; install a PostgreSQL server"
  say "installing PostgreSQL (apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || fail "apt-get update failed"
  apt-get install -y -qq postgresql >&2 || fail "apt-get install postgresql failed"
  BIN="$(find_bindir || true)"
  [ -n "$BIN" ] || fail "installed postgresql but found no initdb/pg_ctl under /usr/lib/postgresql"
fi

if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
fi

mkdir -p "$BASE"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$BASE"
  if ! runuser -u postgres -- test -w "$BASE"; then
    # The server user must be able to reach the project directory it lives in.
    dir="$BASE"
    while [ "$dir" != "/" ]; do
      dir="$(dirname "$dir")"
      if ! runuser -u postgres -- test -x "$dir"; then
        say "letting the postgres user traverse $dir (chmod o+x)"
        chmod o+x "$dir"
      fi
    done
  fi
fi

ready() { as_owner "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" >/dev/null 2>&1; }
psql_() { as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

if ! ready; then
  if [ ! -s "$DATA/PG_VERSION" ]; then
    say "creating a cluster in $DATA ($("$BIN/postgres" --version))"
    as_owner mkdir -p "$DATA" "$SOCKET"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C >"$BASE/initdb.log" 2>&1 \
      || fail "initdb failed; see $BASE/initdb.log"
  fi
  as_owner mkdir -p "$SOCKET"
  say "starting PostgreSQL on 127.0.0.1:$PORT"
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-p $PORT -k $SOCKET -c listen_addresses=127.0.0.1 -c fsync=on" start >&2 \
    || fail "PostgreSQL did not start; see $LOG"
fi

for _ in $(seq 1 30); do ready && break; sleep 1; done
ready || fail "PostgreSQL on port $PORT does not answer; see $LOG"

if [ "$(psql_ -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  psql_ -c "CREATE ROLE $ROLE LOGIN CREATEDB" >&2
fi
if [ "$(psql_ -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  psql_ -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi
echo "$URL"
