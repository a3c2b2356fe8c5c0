#!/bin/sh
# Cross-checks the validator review (src/validation/review.c) against viem, both ways
# (review_interop.mjs). Uses the viem that tests/interop pins (npm ci there when its installed tree
# is not the locked one) through a node_modules link in this folder. Exits 77 (skip) without node.
#   tests/validation/review-interop.sh                    random seed, printed
#   REVIEW_SEED=123 tests/validation/review-interop.sh    replay a run
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v node >/dev/null 2>&1 || { echo "review interop: node not found, skipping"; exit 77; }
tool=${PHEME_REVIEWTOOL:-$root/build/pheme-reviewtool}
[ -x "$tool" ] || { echo "review interop: $tool not built (cmake --build build --target pheme-reviewtool)" >&2; exit 1; }
cd "$root/tests/interop"
if ! node -e '
  const want = require("./package-lock.json").packages, have = require("./node_modules/.package-lock.json").packages;
  for (const k in want) if (k && (!have[k] || have[k].version !== want[k].version)) process.exit(1);' 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
fi
ln -sfn ../interop/node_modules "$here/node_modules"
cd "$here"
PHEME_REVIEWTOOL=$tool exec node review_interop.mjs
