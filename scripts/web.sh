#!/usr/bin/env bash
# The web app (web/): React + Vite + TypeScript + Tailwind, served by `pheme serve` from web/dist.
#   scripts/web.sh deps            npm ci in web/, skipped when node_modules matches the lockfile
#   scripts/web.sh build           deps + type check + vite build + .gz twins, skipped when web/dist
#                                  is newer than every source and config (FORCE=1 rebuilds)
#   scripts/web.sh test            build + Vitest unit tests + a browser smoke test: a real
#                                  `build/pheme serve --demo` on a free loopback port with a temp
#                                  SQLite database, driven through Debian's Chromium
#   scripts/web.sh screenshot OUT.png   same set-up; a 1280x800 screenshot of the landing page,
#                                  written to OUT.png and to docs/screenshot.png (the README's picture)
# Works with Debian 12's Node 18 + npm 9 and with Node 20+ / npm 10+.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WEB=$ROOT/web
PHEME=${PHEME_BIN:-$ROOT/build/pheme}

say() { printf 'web: %s\n' "$*"; }
die() { printf 'web: %s\n' "$*" >&2; exit 1; }

need_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
    die "Node.js and npm are needed (scripts/deps.sh run installs Debian's nodejs and npm)"
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 18 ] || die "Node.js 18 or newer is needed; this is $(node -v)"
}

lock_stamp() {
  { cat "$WEB/package.json" "$WEB/package-lock.json"; node -p 'process.platform + process.arch'; } | sha256sum | cut -d' ' -f1
}

cmd_deps() {
  need_node
  local stamp=$WEB/node_modules/.pheme-deps
  local want
  want=$(lock_stamp)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "node_modules is up to date with package-lock.json"
    return
  fi
  say "npm ci ($(node -v), npm $(npm -v))"
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
  say "node_modules: $(du -sh "$WEB/node_modules" | cut -f1)"
}

# Prints the sources and configs newer than web/dist/index.html (all of them when there is no build).
stale_sources() {
  local mark=$WEB/dist/index.html
  local srcs=("$WEB/src" "$WEB/public" "$WEB/index.html" "$WEB/package.json" "$WEB/package-lock.json"
    "$WEB/vite.config.ts" "$WEB/tailwind.config.js" "$WEB/postcss.config.js" "$WEB/tsconfig.json"
    "$WEB/scripts/gzip.mjs")
  local existing=()
  for s in "${srcs[@]}"; do [ -e "$s" ] && existing+=("$s"); done
  if [ ! -f "$mark" ]; then
    echo "$mark"
    return
  fi
  find "${existing[@]}" -type f -newer "$mark" -print
}

cmd_build() {
  cmd_deps
  if [ "${FORCE:-0}" != 1 ] && [ -z "$(stale_sources | head -1)" ]; then
    say "web/dist is newer than every source; build skipped (FORCE=1 rebuilds)"
    cmd_graphiql
    return
  fi
  say "building web/dist"
  (cd "$WEB" && npx --no-install tsc --noEmit && npx --no-install vite build && node scripts/gzip.mjs dist)
  say "web/dist: $(du -sh "$WEB/dist" | cut -f1) ($(find "$WEB/dist" -type f ! -name '*.gz' | wc -l) files + .gz twins)"
  cmd_graphiql
}

# GraphiQL (web/graphiql, its own package.json and lockfile) into web/dist/graphiql, after the app
# (whose build empties web/dist); GET /graphql serves it to browsers (docs/internals/graphql.md).
cmd_graphiql() {
  local g=$WEB/graphiql mark=$WEB/dist/graphiql/index.html
  [ -d "$g" ] || return 0
  if [ "${FORCE:-0}" != 1 ] && [ -f "$mark" ] && [ -z "$(find "$g" -path "$g/node_modules" -prune -o -type f -newer "$mark" -print | head -1)" ]; then
    say "web/dist/graphiql is newer than web/graphiql; build skipped"
    return
  fi
  local want
  want=$(cat "$g/package.json" "$g/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [ ! -f "$g/node_modules/.pheme-deps" ] || [ "$(cat "$g/node_modules/.pheme-deps")" != "$want" ]; then
    say "npm ci in web/graphiql"
    (cd "$g" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$g/node_modules/.pheme-deps"
  fi
  say "building web/dist/graphiql"
  (cd "$g" && npx --no-install vite build --logLevel warn && node ../scripts/gzip.mjs ../dist/graphiql)
}

need_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    say "installing Debian's chromium"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
  export CHROMIUM=${CHROMIUM:-$(command -v chromium)}
}

# The server under test: PHEME_BIN as given, or build/pheme brought up to date (a stale binary
# would test yesterday's server).
need_pheme() {
  if [ -z "${PHEME_BIN:-}" ]; then
    say "building build/pheme"
    cmake -S "$ROOT" -B "$ROOT/build" >/dev/null
    cmake --build "$ROOT/build" -j "$(nproc 2>/dev/null || echo 2)" --target pheme >/dev/null
  fi
  [ -x "$PHEME" ] || die "$PHEME is not an executable"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

SERVER_PID=""
TMP=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  [ -n "$TMP" ] && rm -rf "$TMP"
  TMP=""
}

# Starts `pheme serve --demo` on a free loopback port with a fresh SQLite database; sets PHEME_URL.
# The browser checks sign in from one address many times a minute: the sign-in limit is raised
# (rate_limit_auth, 10 a minute by default) so a fast run is not refused with 429.
start_server() {
  need_pheme
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/pheme-web.XXXXXX")
  trap stop_server EXIT
  trap 'exit 130' INT TERM
  local port
  port=$(free_port)
  export PHEME_URL=http://127.0.0.1:$port
  PHEME_DB=sqlite:$TMP/pheme.db
  export PHEME_DB # the admin page check makes a job that gives up with `pheme jobs add`
  "$PHEME" serve --database "$PHEME_DB" --listen "127.0.0.1:$port" --public-url "$PHEME_URL" \
    --web-root "$WEB/dist" --demo --rate-limit-auth 600 >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  if ! node -e '
    const url = process.argv[1] + "/readyz", until = Date.now() + 20000;
    (async function poll() {
      try { if ((await fetch(url)).ok) process.exit(0); } catch {}
      if (Date.now() > until) process.exit(1);
      setTimeout(poll, 100);
    })();' "$PHEME_URL"; then
    tail -20 "$TMP/server.log" >&2
    die "pheme serve did not become ready at $PHEME_URL"
  fi
  say "pheme serve (pid $SERVER_PID) at $PHEME_URL, database $PHEME_DB"
}

cmd_test() {
  cmd_build
  say "unit tests (Vitest)"
  (cd "$WEB" && npx --no-install vitest run)
  need_chromium
  # viem (tests/auth's locked tree) signs for the test's in-page wallet (Sign-In with Ethereum)
  [ -d "$ROOT/tests/auth/node_modules/viem" ] ||
    (cd "$ROOT/tests/auth" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
  start_server
  # A user key for the write paths (join a guild, submit work): Grace from the demo data.
  PHEME_API_KEY=$("$PHEME" key create --role user --owner 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc \
    --label web-e2e --database "$PHEME_DB" 2>/dev/null | tail -1)
  export PHEME_API_KEY
  # An admin key (the demo creator's) for the set-up the pages need: a quest chain, a creator role.
  PHEME_ADMIN_KEY=$("$PHEME" key create --role admin --owner 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266 \
    --label web-e2e-admin --database "$PHEME_DB" 2>/dev/null | tail -1)
  export PHEME_ADMIN_KEY
  say "browser smoke test ($("$CHROMIUM" --version 2>/dev/null | head -1))"
  if ! (cd "$WEB" && node e2e/browser.mjs smoke); then
    say "last lines of the server log:"
    tail -20 "$TMP/server.log" >&2
    exit 1
  fi
}

cmd_screenshot() {
  local out=${1:-}
  [ -n "$out" ] || die "usage: scripts/web.sh screenshot OUT.png"
  case $out in /*) ;; *) out=$ROOT/$out ;; esac
  mkdir -p "$(dirname "$out")"
  cmd_build
  need_chromium
  start_server
  (cd "$WEB" && node e2e/browser.mjs screenshot "$out")
  [ "$out" -ef "$ROOT/docs/screenshot.png" ] || cp "$out" "$ROOT/docs/screenshot.png"
  say "saved $out and docs/screenshot.png"
}

case ${1:-} in
  deps) cmd_deps ;;
  build) cmd_build ;;
  test) cmd_test ;;
  screenshot) shift; cmd_screenshot "${1:-}" ;;
  *) echo "usage: scripts/web.sh deps|build|test|screenshot OUT.png" >&2; exit 2 ;;
esac
