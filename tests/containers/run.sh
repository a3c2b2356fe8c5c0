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
#   CT_ENGINE=docker   the same with Docker's engine and Debian's docker-compose 1.29 instead: a
#               dockerd of the run's own (scripts/dockerd-private.sh), the images copied into it
#               from podman's store, compose.yaml and compose.local.yaml given to docker-compose
#               as they are (it waits for the health conditions and gives nginx its address itself)
#   CT_KEEP=1   (podman) leave the topology running and the work folder in place (then:
#               PROJECT=pheme-ct-PID COMPOSE_DIR=… scripts/compose-local.sh down)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CONTAINERS_CONF="$root/deploy/local/containers.conf"
CT_ENGINE=${CT_ENGINE:-podman}
export CT_ENGINE
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
  if [ "$CT_ENGINE" = docker ]; then
    [ $rc -eq 0 ] || for c in $(docker_ids ps -a -q); do
      printf '\n---- %s\n' "$(/usr/bin/docker inspect --format '{{.Name}} {{.State.Status}} exit {{.State.ExitCode}}' "$c")" >&2
      /usr/bin/docker logs --tail 30 "$c" >&2 2>&1 || true
    done
    [ $rc -eq 0 ] || { printf '\n---- docker-compose\n' >&2; tail -n 40 "$COMPOSE_LOG" >&2 || true; }
    docker_down
    dockerd_stop
    rm -rf "$work"
  elif [ "${CT_KEEP:-0}" = 1 ]; then
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
# Docker: everything of the project by ID (containers with their anonymous volumes, named
# volumes, networks); then the run's dockerd is stopped by its PID and its folder removed.
docker_ids() { /usr/bin/docker "$@" --filter "label=com.docker.compose.project=$PROJECT"; }
docker_down() {
  [ -n "${DOCKER_HOST:-}" ] || return 0
  ids=$(docker_ids ps -a -q)
  # shellcheck disable=SC2086
  [ -z "$ids" ] || { /usr/bin/docker stop -t 20 $ids >/dev/null; /usr/bin/docker rm -f -v $ids >/dev/null; }
  ids=$(docker_ids volume ls -q)
  # shellcheck disable=SC2086
  [ -z "$ids" ] || /usr/bin/docker volume rm -f $ids >/dev/null
  ids=$(docker_ids network ls -q)
  # shellcheck disable=SC2086
  [ -z "$ids" ] || /usr/bin/docker network rm $ids >/dev/null
}
if [ "$CT_ENGINE" = docker ]; then
  . "$root/scripts/dockerd-private.sh"
  dockerd_deps
fi
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

say "up ($CT_ENGINE): project $PROJECT, nginx 127.0.0.1:$CT_HTTP_PORT, Prometheus 127.0.0.1:$CT_PROM_PORT (compose output: $COMPOSE_LOG)"
if [ "$CT_ENGINE" = docker ]; then
  dockerd_start "$work/docker"
  for i in "${PHEME_IMAGE:-localhost/pheme:dev}" localhost/pheme-anvil:local localhost/pheme-services:bookworm; do
    podman save "$i" | /usr/bin/docker load -q >&2
  done
  say "images loaded into dockerd after $(( $(date +%s) - started )) s"
  # every service but Grafana (no local image); docker-compose starts their dependencies in order
  # and waits for each condition compose.yaml names
  dc() { (cd "$COMPOSE_DIR" && PHEME_IMAGE=${PHEME_IMAGE:-localhost/pheme:dev} docker-compose -p "$PROJECT" \
    -f compose.yaml -f compose.local.yaml "$@"); }
  # shellcheck disable=SC2046
  dc up -d --no-build $(dc config --services | grep -vx grafana) >>"$COMPOSE_LOG" 2>&1
else
  "$root/scripts/compose-local.sh" up
fi
up_s=$(( $(date +%s) - started ))
say "the topology is up after $up_s s"

reporter=""
if node --help 2>/dev/null | grep -q -- '--test-reporter'; then reporter="--test-reporter=spec"; fi
CT_PROJECT=$PROJECT PHEME_IT_WORK="$work" node --test $reporter "$here/check.mjs"
