#!/usr/bin/env bash
# The indexer's throughput (issue 5): BLOCKS × LOGS_PER_BLOCK recorded logs of the suite's events
# served by a local JSON-RPC server (in bench_indexer.c) through the real RPC client, every
# projection on, into a fresh SQLite database; the same rows inserted plainly in batches into the
# same database as the reference; then every projection checked. Target: ≥ 20,000 events/s.
#   bench/indexer/run.sh [BLOCKS [LOGS_PER_BLOCK]]   default 10000 × 100 (1,000,000 logs); BUILD=build
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
out=bench/out/indexer
mkdir -p "$out"
cmake --build "$build" --target bench_indexer bench_live >/dev/null   # bench/CMakeLists.txt
cp "$build/bench_indexer" "$build/bench_live" "$out/"
work=$(mktemp -d /tmp/pheme-bench-indexer.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC') machine=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores, $(uname -sr)\" load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
BENCH_DB="$work/index.db" "$out/bench_indexer" "${1:-10000}" "${2:-100}"

# Live: a busy anvil (a block a second, flooded with transfers) followed by the real indexer:
# events per second and the lag from a block's appearance on the node to its projection.
"$out/bench_live" contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil "${LIVE_SECONDS:-20}" 1
