#!/bin/sh
# The leaderboard of 1,000,000 people (issue 11 targets: top-100 read p99 <= 1 ms, rank of one
# person p99 <= 50 us, an XP update <= 2 us, >= 1x Redis's read throughput), side by side with a
# real redis-server on loopback holding the same data (ZADD through redis-cli --pipe from the
# protocol file bench_leaderboard writes), measured with redis-benchmark in the same run:
# ZREVRANGE lb 0 99 WITHSCORES (top 100), ZREVRANK lb <random member> (rank), ZINCRBY (update).
# Redis is given its best case (50 clients, 16 commands pipelined per round trip) and, for
# latency, one client without pipelining. Ours is one thread calling the ranked set in process
# (what a request handler does); both servers pinned to core 0, redis-benchmark to core 1.
# redis-server is started here and stopped by its PID. Prints a markdown section for
# bench/RESULTS.md.
#   bench/leaderboard/run.sh [PEOPLE] [OPS] [REDIS_REQUESTS]    (defaults 1000000 200000 500000;
#   the one-client latency runs make a tenth of REDIS_REQUESTS)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${BENCH_LEADERBOARD:-}" ]; then
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" -j 2 --target bench_leaderboard >/dev/null
fi
bin=${BENCH_LEADERBOARD:-$root/build/bench_leaderboard}
[ -x "$bin" ] || { echo "bench: $bin is not an executable" >&2; exit 1; }
for t in redis-server redis-cli redis-benchmark taskset; do
  command -v $t >/dev/null || { echo "bench: $t is missing (apt-get install redis-server util-linux)" >&2; exit 1; }
done
people=${1:-1000000}
ops=${2:-200000}
reqs=${3:-500000}

work=$(mktemp -d /tmp/pheme-lb-bench.XXXXXX)
redis_pid=""
cleanup() {
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# redis-server on a free loopback port (a few tries: another process may take the port first)
for try in 1 2 3 4 5; do
  port=$((20000 + ($$ * 7 + try * 131) % 30000))
  taskset -c 0 redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --dir "$work" --logfile "$work/redis.log" &
  redis_pid=$!
  ok=0
  for i in $(seq 50); do
    if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then ok=1; break; fi
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ $ok = 1 ] && break
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
done
[ -n "$redis_pid" ] || { echo "bench: redis-server did not start" >&2; exit 1; }

load=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u '+%Y-%m-%d %H:%M UTC')
out=$(taskset -c 0 "$bin" "$people" "$ops" "$work/lb.resp")
v() { echo "$out" | awk -v k="$1" '$1 == k {print $2}'; }

# the same people in Redis
redis-cli -p "$port" --pipe < "$work/lb.resp" > "$work/pipe.log"
card=$(redis-cli -p "$port" zcard lb)
rtop=$(redis-cli -p "$port" zrevrange lb 0 0 withscores | tail -1)
[ "$card" = "$people" ] || { echo "bench: redis holds $card people, not $people" >&2; exit 1; }
[ "$rtop" = "$(v top_xp)" ] || { echo "bench: redis's top XP $rtop differs from ours $(v top_xp)" >&2; exit 1; }

# rps and p99 (ms) of one redis-benchmark run: csv "test","rps","avg","min","p50","p95","p99","max"
rb() { # clients pipeline command... (one client: a tenth of the requests, it is latency-bound)
  c=$1
  p=$2
  shift 2
  n=$reqs
  [ "$c" -gt 1 ] || n=$((reqs / 10))
  echo "bench: redis-benchmark -n $n -c $c -P $p $*" >&2
  taskset -c 1 redis-benchmark -p "$port" -n "$n" -c "$c" -P "$p" -r "$people" --csv "$@" |
    awk -F'","' 'NR == 2 {gsub(/"/, "", $0); split($0, f, ","); printf "%.0f %s %s\n", f[2], f[5], f[7]}'
}
top_best=$(rb 50 16 zrevrange lb 0 99 withscores)
top_one=$(rb 1 1 zrevrange lb 0 99 withscores)
rank_best=$(rb 50 16 zrevrank lb m:__rand_int__)
rank_one=$(rb 1 1 zrevrank lb m:__rand_int__)
upd_best=$(rb 50 16 zincrby lb 7 m:__rand_int__)
upd_one=$(rb 1 1 zincrby lb 7 m:__rand_int__)
f() { echo "$1" | cut -d' ' -f"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
us() { awk -v a="$1" 'BEGIN {printf "%.0f", a * 1000}'; }

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "### Leaderboard of $people people (issue 11) — \`bench/leaderboard/run.sh\`"
echo
echo "- **Date:** $start; machine: $cpu, $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average before the run $load; $(redis-server --version | cut -d' ' -f1-3)"
echo "- **Data:** $(v people) people, XP = 10^6·u³ (u uniform: most people low, many ties), filled in $(v fill_s) s; the ranked set holds $(v set_mib) MiB (RSS grew $(v rss_growth_mib) MiB); Redis got the same members and scores (ZCARD and top score checked)."
echo "- **Ours:** one thread, in process, $ops calls of each operation timed one by one (percentiles) and $ops more untimed (throughput over wall time, which includes time the loaded machine gave to other processes; the update's mean is also given in this thread's CPU time); pinned to core 0. **Redis:** redis-server pinned to core 0, redis-benchmark ($reqs requests, random members over all $people) on core 1."
echo
echo "| operation | ours p50 | ours p99 | ours max | ours ops/s (1 thread) | ours ops/s (2 readers + 100k updates/s) | Redis ops/s (50 clients, -P 16) | Redis p99, 1 client | ours / Redis best |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
echo "| top 100 (ZREVRANGE 0 99) | $(v top100_p50_us) µs | **$(v top100_p99_us) µs** | $(v top100_max_us) µs | $(v top100_ops_per_s) | $(v top100_2readers_ops_per_s) | $(f "$top_best" 1) | $(us "$(f "$top_one" 3)") µs | **$(ratio "$(v top100_ops_per_s)" "$(f "$top_best" 1)")×** |"
echo "| rank of one person (ZREVRANK) | $(v rank_p50_us) µs | **$(v rank_p99_us) µs** | $(v rank_max_us) µs | $(v rank_ops_per_s) | $(v rank_2readers_ops_per_s) | $(f "$rank_best" 1) | $(us "$(f "$rank_one" 3)") µs | **$(ratio "$(v rank_ops_per_s)" "$(f "$rank_best" 1)")×** |"
echo "| XP update (ZINCRBY) | $(v update_p50_us) µs | $(v update_p99_us) µs | $(v update_max_us) µs | $(v update_ops_per_s) (mean $(v update_mean_us) µs wall, **$(v update_cpu_mean_us) µs CPU**) | — | $(f "$upd_best" 1) | $(us "$(f "$upd_one" 3)") µs | $(ratio "$(v update_ops_per_s)" "$(f "$upd_best" 1)")× |"
echo "| page of 25 after a cursor | $(v page_p50_us) µs | $(v page_p99_us) µs | $(v page_max_us) µs | $(v page_ops_per_s) | — | — | — | — |"
echo "| 25 around a person | $(v around_p50_us) µs | $(v around_p99_us) µs | $(v around_max_us) µs | $(v around_ops_per_s) | — | — | — | — |"
