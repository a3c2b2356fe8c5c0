#!/usr/bin/env bash
# Job queue throughput (issue 10 §2): no-op jobs, enqueue → done, jobs/s end to end and
# processing alone, on PostgreSQL against a bare FOR UPDATE SKIP LOCKED claim loop on the same
# cluster (same jobs, threads and batch size), and on SQLite. The PostgreSQL cluster is a
# throwaway one started and stopped (by PID) through scripts/pg-test.sh.
#
#   bench/jobs/run.sh [N]     default 100000 jobs per measurement; BUILD=build
#   WORKERS=4 BATCH=100 PRODUCERS=4 REPEAT=3
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
n=${1:-100000}
workers=${WORKERS:-4}
batch=${BATCH:-100}
producers=${PRODUCERS:-4}
repeat=${REPEAT:-3}
out=bench/out/jobs
mkdir -p "$out"

cmake --build "$build" --target pheme_server >/dev/null
# Built here from the build tree's libraries (the top-level CMakeLists.txt has no entry for it).
cc -O2 -std=c17 -D_GNU_SOURCE -I src -I "$build/generated" $(pkg-config --cflags libpq) \
   bench/jobs/bench_jobs.c "$build/libpheme_server.a" "$build/src/eth/libpheme_eth.a" "$build/libpheme_core.a" \
   $(pkg-config --libs libmicrohttpd jansson sqlite3 libpq nettle libsecp256k1 zlib libcurl) -lm -lpthread \
   -o "$out/bench_jobs"

pgdir=""
work=$(mktemp -d /tmp/pheme-bench-jobs.XXXXXX)
trap '[ -n "$pgdir" ] && scripts/pg-test.sh stop "$pgdir"; rm -rf "$work"' EXIT
eval "$(scripts/pg-test.sh start | sed 's/^/export /')"
pgdir=$PG_TEST_DIR

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: pheme $(git rev-parse --short HEAD); $(ls -d /usr/lib/postgresql/*/bin | sed 's|.*/postgresql/\([0-9]*\)/bin|PostgreSQL \1|' | tail -1) (fsync off, synchronous_commit off: scripts/pg-test.sh); SQLite $(sqlite3 --version | cut -d' ' -f1)"
echo "jobs: $n no-op per measurement; $workers worker threads, claims of $batch; $producers producer threads (one transaction per job) end to end"
for rep in $(seq "$repeat"); do
  "$out/bench_jobs" bare "$PG_TEST_URL" "$n" "$workers" "$batch" | sed "s/^/pg $rep /"
  "$out/bench_jobs" ours "$PG_TEST_URL" "$n" "$workers" "$batch" "$producers" | sed "s/^/pg $rep /"
  rm -f "$work"/sq.db*
  "$out/bench_jobs" ours "sqlite:$work/sq.db" "$n" "$workers" "$batch" "$producers" | sed "s/^/sqlite $rep /"
done
