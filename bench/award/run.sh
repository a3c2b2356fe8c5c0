#!/usr/bin/env bash
# The award path (issue 11): approvals/s from approved outcome to ledger rows, totals, streak, guild,
# events and follow-up jobs, on SQLite through the group committer and on PostgreSQL (the group
# committer with 2,048 awards in flight, and THREADS threads each awarding one outcome at a time as
# the job workers do), each against plain INSERTs of the same rows measured in the same run
# (bench_award.c says how). The PostgreSQL cluster is a throwaway one (scripts/pg-test.sh),
# stopped by PID; its PID (PG_TEST_PID) lets bench_award report the server's CPU.
#
#   bench/award/run.sh [N]     default 20000 approvals per measurement; BUILD=build THREADS=4
#                              PG_N=N: approvals of the PostgreSQL measurements
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
n=${1:-20000}
threads=${THREADS:-4}
pg_n=${PG_N:-$n}
cmake --build "$build" --target bench_award >/dev/null   # bench/CMakeLists.txt
work=$(mktemp -d /tmp/pheme-bench-award.XXXXXX)
pgdir=""
trap '[ -n "$pgdir" ] && scripts/pg-test.sh stop "$pgdir"; rm -rf "$work"' EXIT
eval "$(scripts/pg-test.sh start | sed 's/^/export /')"
pgdir=$PG_TEST_DIR
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); load: $(cut -d' ' -f1-3 /proc/loadavg); pheme $(git rev-parse --short HEAD)"
echo "== sqlite, group committer"
"$build/bench_award" "sqlite:$work/award.db" "$n"
db() { psql "$PG_TEST_URL" -qAt -c "$1" >/dev/null; }
echo "== postgresql, group committer"
db "DROP DATABASE IF EXISTS award1" && db "CREATE DATABASE award1"
"$build/bench_award" "${PG_TEST_URL%/*}/award1" "$pg_n"
echo "== postgresql, $threads threads"
db "DROP DATABASE IF EXISTS award2" && db "CREATE DATABASE award2"
"$build/bench_award" "${PG_TEST_URL%/*}/award2" "$pg_n" "$threads"
