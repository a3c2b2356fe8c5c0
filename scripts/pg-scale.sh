#!/bin/sh
# Query plans at scale (docs/operations.md, "Query plans at scale"): a throwaway PostgreSQL
# (scripts/pg-test.sh) filled by bench/scale/generate.sql with generate_series — PEOPLE people,
# SUBMISSIONS submissions, PEOPLE/10 tasks, and their ledgers, timelines and events — then a
# `pheme serve` (role all) on it answers the hot paths once each (bench/scale/requests.mjs: task
# lists and pages, a task, its submissions, a submission, the Skill Wallet, a profile, /me and its
# lists, XP, a leaderboard, a new submission through the validation pipeline, a sign-in) while
# PostgreSQL's auto_explain logs the plan of every statement pheme runs (EXPLAIN ANALYZE).
# The distinct statements and their plans are written to bench/scale/plans.md; any sequential scan
# of a table of more than 10,000 rows fails the run. The periodic batch jobs that read whole tables
# on purpose (the full reputation recompute, the game sweep) are off: they are not hot paths.
#
#   scripts/pg-scale.sh [PEOPLE [SUBMISSIONS]]     default 1000000 10000000 (about 30 min on 2 busy
#                                                  cores: 15 to make the data, 10 for pheme's start)
#   PHEME_BIN   the pheme binary (default build/pheme)
set -eu
cd "$(dirname "$0")/.."
people=${1:-1000000}
subs=${2:-10000000}
tasks=$((people / 10))
bin=${PHEME_BIN:-build/pheme}
[ -x "$bin" ] || { echo "pg-scale: build $bin first" >&2; exit 2; }
[ -d tests/auth/node_modules/viem ] || (cd tests/auth && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)

eval "$(scripts/pg-test.sh start)"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  scripts/pg-test.sh stop "$PG_TEST_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
q() { psql "$PG_TEST_URL" -X -v ON_ERROR_STOP=1 -qAt "$@"; }
started=$(date +%s)
echo "pg-scale: $people people, $subs submissions, $tasks tasks into $PG_TEST_URL"
"$bin" migrate --database "$PG_TEST_URL" --log-level warn >/dev/null
q -v people="$people" -v submissions="$subs" -v tasks="$tasks" -f bench/scale/generate.sql >"$PG_TEST_DIR/generate.out"
sed 's/^/pg-scale: /' "$PG_TEST_DIR/generate.out"
if grep -q '^orphan.*|[1-9]' "$PG_TEST_DIR/generate.out"; then echo "pg-scale: the data breaks a foreign key" >&2; exit 1; fi
q -f bench/scale/jobs.sql >/dev/null
echo "pg-scale: data made in $(( $(date +%s) - started ))s: $(q -c "SELECT pg_size_pretty(pg_database_size('pheme'))")"

addr() { printf '0x%040x' "$1"; }
key() { "$bin" key create --role "$1" --owner "$2" --database "$PG_TEST_URL" --log-level warn | tail -n 1; }
CREATOR=$(key creator "$(addr 1)")
USER=$(key user "$(addr $((people / 2)))")
ADMIN=$(key admin "$(addr 7)")

# every statement of every session from now on is explained (ANALYZE: real row counts and times)
q -c "LOAD 'auto_explain'" -c "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'" \
  -c "ALTER SYSTEM SET auto_explain.log_min_duration = 0" \
  -c "ALTER SYSTEM SET auto_explain.log_analyze = on" \
  -c "ALTER SYSTEM SET auto_explain.log_buffers = on" \
  -c "SELECT pg_reload_conf()" >/dev/null
port=$(( 30000 + $$ % 20000 ))
"$bin" serve --role all --listen "127.0.0.1:$port" --database "$PG_TEST_URL" --web-root '' --rate-limit off \
  --matching false --log-requests false --jobs-poll-ms 100 --log-level warn \
  --reputation-recompute-interval 0 --game-sweep-interval 0 2>"$PG_TEST_DIR/pheme.log" &
PID=$!
# (start-up reads every stored submission text into the near-duplicate index: at 10M submissions
# that alone took 9 minutes on 2 busy cores, so the wait is long)
i=0
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 18000 ] || { cat "$PG_TEST_DIR/pheme.log" >&2; exit 1; }
  kill -0 "$PID" 2>/dev/null || { cat "$PG_TEST_DIR/pheme.log" >&2; exit 1; }
  sleep 0.1
done
echo "pg-scale: pheme ready after $(( $(date +%s) - started ))s"
log=$PG_TEST_DIR/server.log
from=$(wc -c <"$log")
node bench/scale/requests.mjs run "http://127.0.0.1:$port" "$CREATOR" "$USER" "$ADMIN" "$people" "$tasks"
sleep 1
kill -TERM "$PID"; wait "$PID" || true; PID=""
node bench/scale/requests.mjs report "$log" "$from" "$PG_TEST_URL" "$people" "$subs" bench/scale/plans.md
