#!/bin/sh
# deploy/compose.yaml's topology as containers (Debian's podman with runc, podman-compose), checked
# end to end, then removed: PostgreSQL primary + streaming replica, Redis, anvil, the one-shot
# migrate and chain-deploy, two API nodes, a worker, the indexer, nginx and Prometheus (Grafana
# has no local image: see deploy/README.md). One command, not part of `make test`:
#
#   tests/containers/run.sh            (PHEME_IMAGE=… to check another pheme image)
#
# Images: scripts/compose-local.sh images builds whatever is missing (from nothing, about 20 min;
# with the images present, nothing). The project runs under its own name (pheme-ct-PID) from a
# copy of deploy/ with fresh random secrets; nginx and Prometheus are published on loopback
# ports only; everything of the project is removed at the end by its containers' IDs (stop, rm),
# its volumes and its network, also when a check fails or the run is interrupted.
#   CT_KEEP=1   leave the topology running and the work folder in place (then:
#               PROJECT=pheme-ct-PID COMPOSE_DIR=… scripts/compose-local.sh down)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CONTAINERS_CONF="$root/deploy/local/containers.conf"
say() { printf 'containers: %s\n' "$*" >&2; }
started=$(date +%s)

command -v node >/dev/null || { say "node is not installed (scripts/deps.sh test)"; exit 2; }
"$root/scripts/compose-local.sh" images
[ -d "$root/tests/auth/node_modules/viem" ] ||
  (cd "$root/tests/auth" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)

work=$(mktemp -d /tmp/pheme-ct.XXXXXX)
export PROJECT="pheme-ct-$$"
export COMPOSE_DIR="$work/deploy"
export COMPOSE_LOG="$work/compose.log"
cleanup() {
  rc=$?
  trap - EXIT HUP INT TERM
  if [ "${CT_KEEP:-0}" = 1 ]; then
    say "kept: PROJECT=$PROJECT COMPOSE_DIR=$COMPOSE_DIR scripts/compose-local.sh down"
  else
    [ $rc -eq 0 ] || for c in $(podman ps -a -q --filter "label=io.podman.compose.project=$PROJECT"); do
      printf '\n---- %s\n' "$(podman inspect --format '{{.Name}} {{.State.Status}} exit {{.State.ExitCode}}' "$c")" >&2
      podman logs --tail 30 "$c" >&2 2>&1 || true
    done
    [ $rc -eq 0 ] || { printf '\n---- podman-compose\n' >&2; tail -n 40 "$COMPOSE_LOG" >&2 || true; }
    "$root/scripts/compose-local.sh" down || rc=1
    rm -rf "$work"
  fi
  say "$( [ $rc -eq 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - started )) s"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM

# The compose files and their bind-mounted files as they are in deploy/, with secrets of this run.
cp -r "$root/deploy" "$COMPOSE_DIR"
rm -f "$COMPOSE_DIR"/secrets/*.env
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
db=$(hex 16) repl=$(hex 16) redis=$(hex 16)
cat >"$COMPOSE_DIR/secrets/postgres.env" <<EOF
POSTGRES_USER=pheme
POSTGRES_DB=pheme
POSTGRES_PASSWORD=$db
REPLICATION_PASSWORD=$repl
EOF
printf 'REDIS_PASSWORD=%s\n' "$redis" >"$COMPOSE_DIR/secrets/redis.env"
printf 'GF_SECURITY_ADMIN_PASSWORD=%s\n' "$(hex 16)" >"$COMPOSE_DIR/secrets/grafana.env"
# anvil's first development account: a public test key, funded only on local chains
cat >"$COMPOSE_DIR/secrets/pheme.env" <<EOF
PHEME_DATABASE=postgresql://pheme:$db@postgres-primary:5432/pheme
PHEME_DATABASE_REPLICA=postgresql://pheme:$db@postgres-replica:5432/pheme
PHEME_REDIS=redis://:$redis@redis:6379/0
PHEME_JWT_KEYS=k1:$(hex 32)
PHEME_CHAIN_OPERATOR_KEY=ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
EOF

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
CT_HTTP_PORT=$(free_port)
CT_PROM_PORT=$(free_port)
export CT_HTTP_PORT CT_PROM_PORT
export PHEME_HTTP_PUBLISH="127.0.0.1:$CT_HTTP_PORT" PHEME_PROMETHEUS_PUBLISH="127.0.0.1:$CT_PROM_PORT"

say "up: project $PROJECT, nginx 127.0.0.1:$CT_HTTP_PORT, Prometheus 127.0.0.1:$CT_PROM_PORT (podman-compose output: $COMPOSE_LOG)"
"$root/scripts/compose-local.sh" up
up_s=$(( $(date +%s) - started ))
say "the topology is up after $up_s s"

reporter=""
if node --help 2>/dev/null | grep -q -- '--test-reporter'; then reporter="--test-reporter=spec"; fi
CT_PROJECT=$PROJECT PHEME_IT_WORK="$work" node --test $reporter "$here/check.mjs"
