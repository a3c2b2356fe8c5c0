#!/bin/sh
# Sign-In with Ethereum end to end (auth.test.mjs): viem signs, a real `pheme serve` answers, first
# on a temporary SQLite file, then on a throwaway PostgreSQL cluster (scripts/pg-test.sh). Each
# server runs on a free loopback port with rate limits off, known JWT keys and an admin API key;
# everything started here is stopped by its PID (trap), whatever happens.
#   tests/auth/run.sh                      both backends, build/pheme
#   PHEME_BIN=… AUTH_BACKENDS=sqlite tests/auth/run.sh
# Exits 77 (skipped) when node is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v node >/dev/null 2>&1 || { echo "auth e2e: node not found, skipping"; exit 77; }
bin=${PHEME_BIN:-$root/build/pheme}
[ -x "$bin" ] || { echo "auth e2e: $bin not built (cmake --build build --target pheme)" >&2; exit 1; }
backends=${AUTH_BACKENDS:-"sqlite postgresql"}

cd "$here"
# npm ci wipes node_modules; only run it when the installed tree is not the locked one
if ! node -e 'const a=require("./package-lock.json").packages,b=require("./node_modules/.package-lock.json").packages;for(const k in a){if(k&&(!b[k]||b[k].version!==a[k].version))process.exit(1)}' 2>/dev/null; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi

work=$(mktemp -d /tmp/pheme-auth-e2e.XXXXXX)
server_pid=""
pg_dir=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [ -n "$pg_dir" ] && "$root/scripts/pg-test.sh" stop "$pg_dir" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# 32-byte keys, fixed for the run: "e2e" signs, "old" only verifies (rotation is exercised).
jwt_keys="e2e:$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))'),old:$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')"

run_backend() {
  backend=$1 db=$2
  port=$(free_port)
  url="http://127.0.0.1:$port"
  public="http://localhost:$port"
  admin_key=$(env -u PHEME_DATABASE "$bin" key create --role admin --owner 0xad00000000000000000000000000000000000001 \
                --database "$db" --log-level warn | tail -n 1)
  PHEME_JWT_KEYS=$jwt_keys "$bin" serve --listen "127.0.0.1:$port" --database "$db" --public-url "$public" \
    --rate-limit off --web-root "" --log-requests false --log-level warn --auth-chain-ids "1,8453" \
    --auth-access-ttl 300 >"$work/server-$backend.log" 2>&1 &
  server_pid=$!
  i=0
  until node -e "fetch('$url/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
      echo "auth e2e: the $backend server did not start:" >&2
      cat "$work/server-$backend.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "== auth e2e on $backend ($url)"
  status=0
  AUTH_E2E_URL=$url AUTH_E2E_PUBLIC=$public AUTH_E2E_ADMIN_KEY=$admin_key AUTH_E2E_JWT_KEYS=$jwt_keys \
    AUTH_E2E_BACKEND=$backend node --test --test-reporter=spec auth.test.mjs || status=$?
  kill -TERM "$server_pid" 2>/dev/null || true
  server_status=0
  wait "$server_pid" 2>/dev/null || server_status=$?
  server_pid=""
  if [ $status -eq 0 ] && [ $server_status -ne 0 ]; then
    echo "auth e2e: the $backend server exited with status $server_status (sanitizer report?)" >&2
    status=$server_status
  fi
  # the server is the ASan + UBSan build: any report in its log fails the run, whatever the exit
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$work/server-$backend.log"; then
    echo "auth e2e: sanitizer report in the $backend server's log" >&2
    [ $status -ne 0 ] || status=1
  fi
  if [ $status -ne 0 ]; then
    echo "auth e2e: failures on $backend; server log:" >&2
    tail -n 50 "$work/server-$backend.log" >&2
    exit $status
  fi
}

for b in $backends; do
  case $b in
  sqlite) run_backend sqlite "sqlite:$work/pheme.db" ;;
  postgresql)
    eval "$("$root/scripts/pg-test.sh" start | sed 's/^/export /')"
    pg_dir=$PG_TEST_DIR
    run_backend postgresql "$PG_TEST_URL"
    "$root/scripts/pg-test.sh" stop "$pg_dir"
    pg_dir=""
    ;;
  *) echo "auth e2e: unknown backend '$b'" >&2; exit 2 ;;
  esac
done
# A stop with sign-ins in flight (their requests parked for the group commit), on its own server.
echo "== auth e2e: shutdown with sign-ins in flight"
AUTH_E2E_BIN=$bin AUTH_E2E_JWT_KEYS=$jwt_keys node --test --test-reporter=spec shutdown.test.mjs
echo "auth e2e: all backends passed"
