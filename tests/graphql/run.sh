#!/bin/sh
# The GraphQL cross-check with graphql-js (interop.mjs). Installs the pinned package with npm ci
# when node_modules does not match the lockfile; uses build/pheme-gqltool (or PHEME_GQLTOOL).
# Exits 77 (skip) without node.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v node >/dev/null 2>&1 || { echo "graphql interop: node not found, skipping"; exit 77; }
tool=${PHEME_GQLTOOL:-$root/build/pheme-gqltool}
[ -x "$tool" ] || { echo "graphql interop: $tool not built (cmake --build build --target pheme-gqltool)" >&2; exit 1; }
cd "$here"
if ! node -e '
  const want = require("./package-lock.json").packages, have = require("./node_modules/.package-lock.json").packages;
  for (const k in want) if (k && (!have[k] || have[k].version !== want[k].version)) process.exit(1);' 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
fi
PHEME_GQLTOOL=$tool PHEME_SCHEMA=$root/docs/schema.graphql exec node interop.mjs
