#!/bin/sh
# The compose file's PostgreSQL pair as plain processes on loopback: a throwaway primary
# (scripts/pg-test.sh) given deploy/postgres/primary-init.sh, and a replica made by
# deploy/postgres/replica-entrypoint.sh. Passes when a row written on the primary is read on
# the replica, the replica is in recovery (refuses writes) and the primary shows it streaming;
# the replica authenticates by scram-sha-256 with REPLICATION_PASSWORD.
# Both servers are stopped by PID. Needs PostgreSQL (scripts/deps.sh test).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "replication: PostgreSQL is not installed (scripts/deps.sh test)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

eval "$(scripts/pg-test.sh start)"
PRIMARY_PORT=${PG_TEST_URL##*:}; PRIMARY_PORT=${PRIMARY_PORT%%/*}
REPLICA_DIR=$PG_TEST_DIR/replica
REPLICA_PID=""
cleanup() {
  if [ -n "$REPLICA_PID" ]; then
    kill -TERM "$REPLICA_PID" 2>/dev/null || true
    i=0; while kill -0 "$REPLICA_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$REPLICA_PID" 2>/dev/null || true
  fi
  scripts/pg-test.sh stop "$PG_TEST_DIR"
}
trap cleanup EXIT
fail() { echo "replication: FAIL $*" >&2; [ -f "$PG_TEST_DIR/replica.log" ] && tail -20 "$PG_TEST_DIR/replica.log" >&2; exit 1; }
psql_at() { as_owner env PATH="$bin:$PATH" psql -X -q -At -h 127.0.0.1 -p "$1" -U pheme -d pheme -c "$2"; }

# The primary's init script, as the image's entrypoint runs it (then the server reloads pg_hba).
as_owner env PATH="$bin:$PATH" POSTGRES_USER=pheme POSTGRES_DB=pheme REPLICATION_PASSWORD=repl-test \
  PGDATA="$PG_TEST_DIR/data" PGHOST=127.0.0.1 PGPORT="$PRIMARY_PORT" sh "$ROOT/deploy/postgres/primary-init.sh"
grep -q '^host replication replicator all scram-sha-256$' "$PG_TEST_DIR/data/pg_hba.conf" || fail "pg_hba line not written"
# The replica connects from another host in compose, where initdb's loopback trust lines do not
# apply: drop them here so the replica has to pass the scram-sha-256 line with its password.
as_owner sed -i '/^host *replication *all .* trust$/d' "$PG_TEST_DIR/data/pg_hba.conf"
as_owner "$bin/pg_ctl" -D "$PG_TEST_DIR/data" reload >/dev/null
[ "$(psql_at "$PRIMARY_PORT" "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'")" = t ] || fail "no replicator role"

# The replica, by the compose service's entrypoint, on the next free port.
REPLICA_PORT=$((PRIMARY_PORT + 1))
while as_owner "$bin/pg_isready" -q -h 127.0.0.1 -p "$REPLICA_PORT"; do REPLICA_PORT=$((REPLICA_PORT + 1)); done
as_owner env PATH="$bin:$PATH" REPLICATION_PASSWORD=repl-test PGDATA="$REPLICA_DIR" \
  PRIMARY_HOST=127.0.0.1 PRIMARY_PORT="$PRIMARY_PORT" \
  sh "$ROOT/deploy/postgres/replica-entrypoint.sh" -c listen_addresses=127.0.0.1 -p "$REPLICA_PORT" \
  -k "$PG_TEST_DIR" -c fsync=off -c max_connections=200 >"$PG_TEST_DIR/replica.log" 2>&1 &  # as pg-test.sh's primary
REPLICA_PID=$!      # the script execs postgres: this is the server's PID
i=0
until as_owner "$bin/pg_isready" -q -h 127.0.0.1 -p "$REPLICA_PORT"; do
  i=$((i + 1)); [ $i -lt 300 ] || fail "the replica did not start in 30 s"
  kill -0 "$REPLICA_PID" 2>/dev/null || fail "the replica exited"
  sleep 0.1
done

psql_at "$PRIMARY_PORT" "CREATE TABLE repl_probe (v text); INSERT INTO repl_probe VALUES ('written on the primary')"
i=0
until [ "$(psql_at "$REPLICA_PORT" "SELECT v FROM repl_probe" 2>/dev/null)" = "written on the primary" ]; do
  i=$((i + 1)); [ $i -lt 300 ] || fail "the row did not reach the replica in 30 s"
  sleep 0.1
done
[ "$(psql_at "$REPLICA_PORT" "SELECT pg_is_in_recovery()")" = t ] || fail "the replica is not in recovery"
psql_at "$REPLICA_PORT" "INSERT INTO repl_probe VALUES ('x')" 2>/dev/null && fail "the replica took a write"
[ "$(psql_at "$PRIMARY_PORT" "SELECT state FROM pg_stat_replication WHERE usename = 'replicator'")" = streaming ] ||
  fail "the primary shows no streaming replica"
echo "replication: ok: primary :$PRIMARY_PORT streams to replica :$REPLICA_PORT (row read there, writes refused)"
