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
cmake --build "$build" --target pheme_server >/dev/null
# Built here from the build tree's libraries (the top-level CMakeLists.txt has no entry for it).
cc -O2 -std=c17 -D_GNU_SOURCE -I src -I tests/unit -I "$build/generated" bench/indexer/bench_indexer.c \
   "$build/libpheme_server.a" "$build/libpheme_core.a" "$build/src/eth/libpheme_eth.a" "$build/libpheme_core.a" \
   $(pkg-config --cflags --libs libmicrohttpd jansson sqlite3 libpq nettle libsecp256k1 zlib libcurl) \
   -lpthread -lm -o "$out/bench_indexer"
work=$(mktemp -d /tmp/pheme-bench-indexer.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC') machine=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores, $(uname -sr)\" load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
BENCH_DB="$work/index.db" "$out/bench_indexer" "${1:-10000}" "${2:-100}"

# Live: a busy anvil (a block a second, flooded with transfers) followed by the real indexer:
# events per second and the lag from a block's appearance on the node to its projection.
cc -O2 -std=c17 -D_GNU_SOURCE -I src -I "$build/generated" bench/indexer/bench_live.c \
   "$build/libpheme_server.a" "$build/libpheme_core.a" "$build/src/eth/libpheme_eth.a" "$build/libpheme_core.a" \
   $(pkg-config --cflags --libs libmicrohttpd jansson sqlite3 libpq nettle libsecp256k1 zlib libcurl) \
   -lpthread -lm -o "$out/bench_live"
"$out/bench_live" contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil "${LIVE_SECONDS:-20}" 1
