#!/bin/sh
# Checks deploy/ with real tools (issue 16). Installs what it needs first: Debian's prometheus
# (promtool) and docker-compose packages and, in tests/deploy/, the npm packages yaml and
# kubernetes-models (package-lock.json).
#   1. promtool check rules   deploy/prometheus/alerts.yml
#   2. promtool test rules    tests/deploy/alerts.test.yml (alerts fire on the series they are for)
#   3. promtool check config  deploy/prometheus.yml (rule file path pointed at the repository's)
#   4. tests/deploy/check.mjs: every Kubernetes object in deploy/k8s validated against the
#      Kubernetes schemas, plus probes/PDB/HPA/Service wiring; compose.yaml parses, names every
#      role and keeps secrets in env files; every metric in the alerts, adapter rules and the
#      dashboard is one src/ exports (mw_family); the dashboard is JSON and promtool parses its queries
#   4b. docker-compose config -q: compose.yaml against the Compose schema
#   5. nginx -t on deploy/nginx.conf (upstream names pointed at loopback), when nginx is installed
#   6. the Dockerfile: its stages and runtime (non-root, HEALTHCHECK, EXPOSE, COPY sources, in
#      check.mjs), its runtime packages exist in Debian and cover every library a built binary
#      links (PHEME_BIN or build/pheme, when one exists), its anvil is contracts/package.json's
#   7. sh -n on deploy/postgres/*.sh, and tests/deploy/replication.sh: those scripts make a real
#      primary + streaming replica on loopback (when PostgreSQL is installed)
# Usage: scripts/deploy-check.sh        exit status 0 when every check passes
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { printf 'deploy-check: %s\n' "$*"; }
die() { printf 'deploy-check: FAIL %s\n' "$*" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- tools ----
missing=""
command -v promtool >/dev/null 2>&1 || missing="$missing prometheus"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
if [ -n "$missing" ]; then
  say "installing Debian's$missing (promtool, and docker-compose to validate compose.yaml)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # policy-rc.d keeps apt from starting the prometheus service.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d; rm -rf "$TMP"' EXIT
  fi
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
command -v node >/dev/null 2>&1 || die "Node.js is needed (scripts/deps.sh run)"
stamp=tests/deploy/node_modules/.pheme-deps
want=$(cat tests/deploy/package.json tests/deploy/package-lock.json | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "npm ci in tests/deploy"
  (cd tests/deploy && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$stamp"
fi

# ---- 1-3: promtool ----
promtool check rules deploy/prometheus/alerts.yml >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "promtool check rules"; }
say "ok   promtool check rules: $(grep -o 'SUCCESS: [0-9]* rules found' "$TMP/out")"
(cd tests/deploy && promtool test rules alerts.test.yml) >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "promtool test rules"; }
say "ok   promtool test rules tests/deploy/alerts.test.yml"
sed "s#/etc/prometheus/alerts.yml#$ROOT/deploy/prometheus/alerts.yml#" deploy/prometheus.yml >"$TMP/prometheus.yml"
promtool check config "$TMP/prometheus.yml" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "promtool check config deploy/prometheus.yml"; }
say "ok   promtool check config deploy/prometheus.yml"

# ---- 4: schemas, compose, metric names ----
# Every family src/ declares: mw_family(w, "name", …), also when the call spans lines.
find src -name '*.c' -print0 | xargs -0 perl -0777 -ne 'print "$1\n" while /mw_family\s*\(\s*\w+\s*,\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g' |
  sort -u >"$TMP/metrics"
[ "$(wc -l <"$TMP/metrics")" -gt 20 ] || die "found only $(wc -l <"$TMP/metrics") metric families in src/"
st=0
node tests/deploy/check.mjs "$ROOT" "$TMP/metrics" "$TMP/dashboard-rules.yml" >"$TMP/out" 2>&1 || st=$?
sed 's/^/deploy-check: /' "$TMP/out"
[ "$st" -eq 0 ] || die "tests/deploy/check.mjs"
# The dashboard's queries are PromQL promtool parses (as recording rules).
promtool check rules "$TMP/dashboard-rules.yml" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "a dashboard query is not valid PromQL"; }
say "ok   promtool parses every dashboard query"

# The compose file against the Compose schema, by docker-compose (config only: no daemon needed),
# with the example env files standing in for the secrets.
mkdir -p "$TMP/compose"
cp -r deploy "$TMP/compose/deploy"
for f in "$TMP"/compose/deploy/secrets/*.env.example; do cp "$f" "${f%.example}"; done
(cd "$TMP/compose/deploy" && docker-compose -f compose.yaml config -q) >"$TMP/out" 2>&1 ||
  { cat "$TMP/out" >&2; die "docker-compose config deploy/compose.yaml"; }
say "ok   docker-compose config: compose.yaml is valid against the Compose schema"

# ---- 5: nginx ----
if command -v nginx >/dev/null 2>&1; then
  mkdir -p "$TMP/nginx/logs"
  sed -e 's/server api[12]:4000/server 127.0.0.1:4000/' -e "s#/etc/nginx/mime.types#/etc/nginx/mime.types#" \
    deploy/nginx.conf >"$TMP/nginx/nginx.conf"
  nginx -t -q -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g "error_log $TMP/nginx/logs/error.log;" 2>"$TMP/out" ||
    { cat "$TMP/out" >&2; die "nginx -t deploy/nginx.conf"; }
  say "ok   nginx -t deploy/nginx.conf"
else
  say "skip nginx -t (nginx not installed; scripts/deps.sh test installs it)"
fi

# ---- 6: the Dockerfile ----
pkgs=$(sed -n '/^FROM .* AS runtime/,$p' deploy/Dockerfile | sed -n '/apt-get install/,/rm -rf/p' |
  tr ' \\' '\n\n' | grep -E '^lib|^zlib' | sort -u)
for p in $pkgs; do
  apt-cache show "$p" >/dev/null 2>&1 || die "deploy/Dockerfile installs '$p', which Debian does not have"
done
BIN=${PHEME_BIN:-build/pheme}
if [ -x "$BIN" ]; then
  for lib in $(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
    [ -n "$path" ] || die "$BIN needs $lib, which is not installed here"
    pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) || true
    [ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
    case $pkg in libc6|libgcc-s1|libstdc++6) continue ;; esac
    echo "$pkgs" | grep -qx "$pkg" || die "$BIN links $lib (Debian package $pkg), which deploy/Dockerfile's runtime stage does not install"
  done
  say "ok   deploy/Dockerfile's runtime packages cover every library $BIN links"
else
  say "skip the runtime library check (no $BIN; set PHEME_BIN)"
fi
anvil_pin=$(sed -n 's/.*"@foundry-rs\/anvil-linux-amd64": *"\([^"]*\)".*/\1/p' contracts/package.json)
grep -q "@foundry-rs/anvil-linux-amd64@$anvil_pin\$" deploy/Dockerfile ||
  die "deploy/Dockerfile's anvil is not contracts/package.json's $anvil_pin"
say "ok   deploy/Dockerfile's anvil is contracts/package.json's ($anvil_pin)"
for f in deploy/postgres/*.sh; do sh -n "$f" || die "sh -n $f"; done
say "ok   sh -n deploy/postgres/*.sh"
if ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  tests/deploy/replication.sh >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "tests/deploy/replication.sh"; }
  say "ok   $(tail -1 "$TMP/out")"
else
  say "skip tests/deploy/replication.sh (PostgreSQL not installed; scripts/deps.sh test)"
fi
say "all checks passed"
