#!/bin/sh
# GraphiQL in Chromium against a real server (graphiql.mjs): builds the web app and GraphiQL
# (scripts/web.sh build, which also installs web/'s locked tree with playwright-core) and uses
# build/pheme (or PHEME_BIN). Needs Debian's chromium (scripts/web.sh test installs it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
"$root/scripts/web.sh" build
command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 || { echo "graphiql: chromium is not installed (scripts/web.sh test installs it)" >&2; exit 1; }
exec node "$here/graphiql.mjs"
