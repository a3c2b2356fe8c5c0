#!/usr/bin/env bash
# Sign-in end to end over HTTP (issue 3): server CPU per completed sign-in vs one raw
# secp256k1_ecdsa_recover, measured in the same run. The server (one HTTP thread, SQLite with the
# production default synchronous=normal, the default group-commit wait, rate limits off) is pinned
# to core 0; the C client (bench_signin.c, signing with src/eth) to core 1. Both are stopped by PID.
#
#   bench/signin/run.sh [SIGNINS]     default 20000 per load; BUILD=build; PHEME_BIN=another server
#                                     binary to measure (A/B runs)
#   CONNS="1 16 64"                   the loads: sign-ins kept in flight, one connection each;
#                                     each run gets a fresh server and database
#   BENCH_CLIENT=spin|sleep           the client polls without sleeping (default), or sleeps in poll,
#                                     which on loopback also charges the server ~10 µs per answer
#                                     for waking it (see bench_signin.c)
#   REPEAT=3                          runs per load; the summary gives each and their median
#                                     (this VM's CPU time per sign-in varies by ±10% run to run)
#
# A lone client (1) pays a whole commit per sign-in; with sign-ins in flight together, the group
# commit shares it (src/store/batch.h). The summary prints one line per load.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
n=${1:-20000}
loads=${CONNS:-"1 16 64"}
repeat=${REPEAT:-3}
bin=${PHEME_BIN:-$build/pheme}
out=bench/out/signin
mkdir -p "$out"

[ -x "$build/pheme" ] || cmake --build "$build" --target pheme
# The client (bench/CMakeLists.txt)
cmake --build "$build" --target bench_signin >/dev/null
cp "$build/bench_signin" "$out/bench_signin"

work=$(mktemp -d /tmp/pheme-bench-signin.XXXXXX)
pid=""
stop_server() {
  [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

echo "machine: $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(nproc) cores"
echo "sqlite synchronous: normal (production default), WAL; server threads: 1 (core 0); client: core 1"
summary=""
for k in $loads; do
ratios=""
for rep in $(seq "$repeat"); do
  rm -rf "$work/db" && mkdir -p "$work/db"
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  PHEME_JWT_KEYS="bench:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    taskset -c 0 "$bin" serve --listen "127.0.0.1:$port" --database "sqlite:$work/db/pheme.db" \
    --sqlite-synchronous normal --threads 1 --rate-limit off --log-requests false --log-level warn \
    --web-root "" --public-url "http://localhost:$port" ${SERVER_ARGS:-} >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo
  echo "== $k sign-in(s) in flight, run $rep of $repeat"
  taskset -c 1 "$out/bench_signin" 127.0.0.1 "$port" "$pid" "$n" "$k" | tee "$work/out"
  # How the sign-ins were grouped into transactions (src/store/batch.h).
  curl -sf "http://127.0.0.1:$port/metrics" | awk '/^pheme_storage_group_(commits|jobs|largest)/ {v[$1]=$2}
    END {if (v["pheme_storage_group_commits_total"] > 0)
           printf "group commit              %d transactions for %d sign-ins (%.1f per transaction, at most %d)\n",
             v["pheme_storage_group_commits_total"], v["pheme_storage_group_jobs_total"],
             v["pheme_storage_group_jobs_total"] / v["pheme_storage_group_commits_total"], v["pheme_storage_group_largest"]
         else print "group commit              none (each sign-in committed on its own thread)"}'
  stop_server
  ratios+="$(awk '/^server CPU per sign-in/ {cpu=$5} /^secp256k1/ {rec=$2} /^ratio  / {r=$2} END {printf "%.1f %.1f %.2f", cpu, rec, r}' "$work/out")"$'\n'
done
summary+=$(printf '%s' "$ratios" | sort -k3 -n | awk -v k="$k" '{cpu[NR]=$1; rec[NR]=$2; r[NR]=$3; all = all sprintf("%s%.2f", NR > 1 ? ", " : "", $3)}
  END {m = int((NR + 1) / 2); printf "%3d in flight: median %6.1f us per sign-in, recover %4.1f us, ratio %.2f x %s (runs: %s)\n", k, cpu[m], rec[m], r[m], (r[m] <= 2.5 ? "(<= 2.5: met)" : "(> 2.5: not met)"), all}')$'\n'
done
echo
echo "summary (target: server CPU per sign-in <= 2.5 x one recover; median of $repeat runs)"
printf '%s' "$summary"
