#!/usr/bin/env bash
# Job queue throughput (issue 10 §2): no-op jobs, enqueue → done, jobs/s end to end and
# processing alone. On PostgreSQL against a bare FOR UPDATE SKIP LOCKED claim loop on the same
# cluster (same jobs, threads and batch size) and against pg-boss (npm) at its fastest; on SQLite
# against BullMQ (npm, concurrency 200) on a local redis-server. The PostgreSQL cluster
# (scripts/pg-test.sh) and redis-server are throwaway ones on loopback, stopped by PID.
# The peers come from bench/jobs/peers/package.json (npm install there; PEERS=0 skips them).
# After each processing measurement on PostgreSQL, a "meter" line gives what one job cost:
# CPU µs of the cluster's processes and of the bench, WAL bytes, WAL records and buffers (the
# last two from pg_stat_statements): figures that do not swing with the machine's load the way
# jobs/s do (bench/jobs/bench_jobs.c).
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

cmake --build "$build" --target bench_jobs >/dev/null   # bench/CMakeLists.txt
cp "$build/bench_jobs" "$out/bench_jobs"

pgdir=""
work=$(mktemp -d /tmp/pheme-bench-jobs.XXXXXX)
redis_pid=""
# (redis-server writes its log until it has exited: waited for before its folder is removed)
trap '[ -n "$pgdir" ] && scripts/pg-test.sh stop "$pgdir"; [ -n "$redis_pid" ] && kill "$redis_pid" && wait "$redis_pid"; rm -rf "$work"' EXIT
eval "$(scripts/pg-test.sh start | sed 's/^/export /')"
pgdir=$PG_TEST_DIR
# pg_stat_statements, for the WAL records and buffers per job of bench_jobs' "meter" lines: it is
# loaded at start, so the cluster is restarted once (pg_ctl reuses its options; the stop above
# reads the new PID from the data folder). Without it the meter gives CPU and WAL bytes only.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgowner=""
[ "$(id -u)" -eq 0 ] && pgowner="runuser -u postgres --"
if psql -qX "$PG_TEST_URL" -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null 2>&1 &&
   $pgowner "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w restart >/dev/null; then
  psql -qX "$PG_TEST_URL" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || true
fi
peers=${PEERS:-1}
if [ "$peers" = 1 ]; then
  [ -d bench/jobs/peers/node_modules ] || (cd bench/jobs/peers && npm install --no-audit --no-fund >/dev/null)
  redis_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --logfile "$work/redis.log" &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: pheme $(git rev-parse --short HEAD); node $(node --version); $(cd bench/jobs/peers && node -e 'for (const p of ["pg-boss","bullmq"]) process.stdout.write(p + " " + require("./node_modules/" + p + "/package.json").version + "; ")')$(redis-server --version | cut -d' ' -f1-3); $(ls -d /usr/lib/postgresql/*/bin | sed 's|.*/postgresql/\([0-9]*\)/bin|PostgreSQL \1|' | tail -1) (fsync off, synchronous_commit off: scripts/pg-test.sh); SQLite $(sqlite3 --version | cut -d' ' -f1)"
echo "jobs: $n no-op per measurement; $workers worker threads, claims of $batch; $producers producer threads (one transaction per job) end to end"
for rep in $(seq "$repeat"); do
  "$out/bench_jobs" bare "$PG_TEST_URL" "$n" "$workers" "$batch" | sed "s/^/pg $rep /"
  "$out/bench_jobs" ours "$PG_TEST_URL" "$n" "$workers" "$batch" "$producers" | sed "s/^/pg $rep /"
  if [ "$peers" = 1 ]; then
    node bench/jobs/peers/pgboss.mjs "$PG_TEST_URL" "$n" "$workers" "$batch" "$producers" | sed "s/^/pg $rep /"
  fi
  rm -f "$work"/sq.db*
  "$out/bench_jobs" ours "sqlite:$work/sq.db" "$n" "$workers" "$batch" "$producers" | sed "s/^/sqlite $rep /"
  if [ "$peers" = 1 ]; then
    node bench/jobs/peers/bullmq.mjs "$redis_port" "$n" "$producers" | sed "s/^/redis $rep /"
  fi
done
