#!/usr/bin/env bash
# Instructions per request (valgrind --tool=callgrind) of `pheme serve` for the nested-query
# benchmark's query (bench/graphql/nested.sh: a wallet with its skills, badges, guilds and last 10
# submissions, each with its task and reviews) and for a REST GET of a wallet, on the same seeded
# SQLite data. Instruction counts do not depend on the machine's load, unlike CPU time: this is the
# before/after measure of a change (run it on both binaries). One keep-alive connection, requests
# one at a time; 20 unmeasured requests first, then N measured (instrumentation switched on with
# callgrind_control for those only).
#   bench/graphql/callgrind.sh [PHEME_BINARY] [N]      (default build/pheme, 200)
# With CALLGRIND_KEEP=DIR the profiles are copied to DIR (graphql.out, rest.out) for callgrind_annotate.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:-$root/build/pheme}")
n=${2:-200}
for t in valgrind callgrind_control callgrind_annotate sqlite3 python3 curl; do
  command -v $t >/dev/null || { echo "callgrind.sh: $t is missing" >&2; exit 2; }
done
work=$(mktemp -d /tmp/pheme-gqlcg.XXXXXX)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
db="sqlite:$work/bench.db"
"$bin" migrate --database "$db" >/dev/null 2>&1
"$bin" seed bench --users 2000 --tasks 400 --database "$db" >/dev/null 2>&1
sqlite3 "$work/bench.db" < "$here/seed.sql"
key=$("$bin" key create --role admin --owner 0x00000000000000000000000000000000000000ad --label bench --database "$db" 2>/dev/null | tail -1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/client.py" <<'PY'
import http.client, json, random, sys
port, n, key, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
q = ("query W($a: Bytes!) { wallet(address: $a) { address xp skills { slug level xp } badges { slug name } "
     "guilds { slug role } user { submissions(first: 10) { id state task { title } reviews { round score } } } } }")
c = http.client.HTTPConnection("127.0.0.1", port)
rnd = random.Random(7)
for _ in range(n):
    addr = "0xbe9c5eed0000000000000000%016x" % rnd.randint(1, 2000)
    h = {"Authorization": "Bearer " + key}
    if kind == "graphql":
        h["Content-Type"] = "application/json"
        c.request("POST", "/graphql", json.dumps({"query": q, "variables": {"a": addr}}), h)
    else:
        c.request("GET", "/api/v1/wallets/" + addr, headers=h)
    r = c.getresponse()
    b = r.read()
    if r.status != 200 or b'"errors"' in b:
        sys.exit("bad answer: %d %s" % (r.status, b[:300]))
PY
for kind in graphql rest; do
  out="$work/cg.$kind"
  valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=no --instr-atstart=no "$bin" serve \
    --listen "127.0.0.1:$port" --database "$db" --rate-limit=false --log-requests=false --jobs-workers 0 \
    --threads 1 --migrate-on-start=false >"$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  python3 "$work/client.py" "$port" 20 "$key" $kind
  callgrind_control -i on "$pid" >/dev/null 2>&1
  python3 "$work/client.py" "$port" "$n" "$key" $kind
  callgrind_control -i off "$pid" >/dev/null 2>&1
  callgrind_control -d "$pid" >/dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  total=$(callgrind_annotate "$(ls -t "$out".* | head -1)" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t { gsub(",", "", $1); t = $1 } END { print t }')
  if [ -n "${CALLGRIND_KEEP:-}" ]; then mkdir -p "$CALLGRIND_KEEP"; cp "$(ls -t "$out".* | head -1)" "$CALLGRIND_KEEP/$kind.out"; fi
  echo "$kind instructions_per_request=$((total / n)) requests=$n binary=$bin"
done
