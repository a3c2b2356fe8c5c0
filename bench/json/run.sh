#!/usr/bin/env bash
# JSON of the sign-in: json_dumps against jw_value (src/core/jsonw.h) on its answers, json_loadb
# against json_parse_body (src/core/json.c) on its request bodies;
# CPU time per document (median of 21 batches), pinned to one core. See bench_json.c.
#   bench/json/run.sh [ITERATIONS]       default 200000 per shape and implementation; BUILD=build
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
out=bench/out/json
mkdir -p "$out"
cmake --build "$build" --target bench_json >/dev/null   # bench/CMakeLists.txt
cp "$build/bench_json" "$out/bench_json"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "jansson $(pkg-config --modversion jansson), build $(grep -m1 CMAKE_BUILD_TYPE "$build/CMakeCache.txt" | cut -d= -f2)"
taskset -c "${CORE:-1}" "$out/bench_json" "${1:-200000}"
