#!/usr/bin/env bash
# The GraphQL parser against graphql-js's parse (issue 13): bytes/s on the same 10 KiB document
# (bench/graphql/doc.graphql), each pinned to one core, three alternating rounds, in one run.
# Target: PHEME ≥ 2× graphql-js. Appends to bench/graphql/RESULTS.md (which holds the other GraphQL
# benchmarks' runs too); exit 3 when the target is missed.
#   bench/graphql/run.sh [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-3}
cd "$root"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target bench_graphql >/dev/null
(cd tests/graphql && { [ -d node_modules/graphql ] || npm ci --no-audit --no-fund --loglevel=error; })
export GRAPHQL_FROM="$root/tests/graphql"
ours=(); theirs=()
for round in 1 2 3; do
  o=$(taskset -c 1 build/bench_graphql "$here/doc.graphql" "$secs")
  t=$(cd tests/graphql && taskset -c 1 node "$here/parse.mjs" "$here/doc.graphql" "$secs")
  ours+=("$(sed -E 's/.*bytes_per_s=([0-9]+).*/\1/' <<<"$o")")
  theirs+=("$(sed -E 's/.*bytes_per_s=([0-9]+).*/\1/' <<<"$t")")
  echo "round $round: PHEME $o"
  echo "round $round: graphql-js $t"
  pv=$(sed -E 's/.*parse_validate_per_s=([0-9]+).*/\1/' <<<"$o")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
mo=$(median "${ours[@]}"); mt=$(median "${theirs[@]}")
ratio=$(awk -v a="$mo" -v b="$mt" 'BEGIN { printf "%.2f", a / b }')
gv=$(node -p 'require(process.env.GRAPHQL_FROM + "/node_modules/graphql/package.json").version')
echo "median: PHEME $mo B/s, graphql-js $mt B/s: ${ratio}×"
cat >> "$here/RESULTS.md" <<EOT

## GraphQL parser (issue 13) — \`bench/graphql/run.sh\`

- **Date:** $(date -u '+%Y-%m-%d %H:%M:%S UTC')
- **Machine:** $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)
- **Versions:** pheme $(git rev-parse --short HEAD), build RelWithDebInfo; graphql-js $gv on Node $(node --version)
- **Document:** bench/graphql/doc.graphql, $(wc -c < "$here/doc.graphql") bytes: 15 operations and fragments with variables, defaults, nested arguments, aliases and directives (valid against PHEME's schema)
- **Method:** each parser parses the document again and again for ${secs} s, pinned to core 1 (taskset); graphql-js after 2,000 warm-up parses; three alternating rounds, medians

| | bytes/s (median of 3) | rounds |
|---|---|---|
| PHEME \`gql_parse\` | $mo | ${ours[*]} |
| graphql-js \`parse\` | $mt | ${theirs[*]} |
| **ratio** | **${ratio}×** (target ≥ 2×) | |

PHEME also parsed and validated the document (every rule of §5) $pv times per second in the last round.
EOT
awk -v r="$ratio" 'BEGIN { exit (r >= 2.0) ? 0 : 3 }'
