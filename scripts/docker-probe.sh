#!/bin/sh
# Can Docker's engine run containers on this host? Installs Debian's docker.io, starts a dockerd of
# its own (scripts/dockerd-private.sh: private socket and roots, no iptables, no default bridge),
# loads the local Debian base image (scripts/image.sh base) from podman's store, runs one
# container on a user-defined bridge network, then stops that dockerd by its PID and removes its
# folder.
#
#   scripts/docker-probe.sh        exit 0 when a container ran
#
# The development machines run no Docker daemon of their own; podman (scripts/compose-local.sh)
# runs the compose topology there, and tests/containers/run.sh with CT_ENGINE=docker runs it on
# this engine with docker-compose.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
export CONTAINERS_CONF="$root/deploy/local/containers.conf"
BASE=localhost/pheme-debian:bookworm
say() { printf 'docker-probe: %s\n' "$*" >&2; }
. "$root/scripts/dockerd-private.sh"
dockerd_deps
dockerd --version >&2
podman image exists "$BASE" || "$root/scripts/image.sh" base

finish() { rc=$?; dockerd_stop; exit "$rc"; }
trap finish EXIT
trap 'exit 130' HUP INT TERM
dockerd_start "$(mktemp -d /tmp/pheme-docker.XXXXXX)"
d() { /usr/bin/docker "$@"; }
say "dockerd $(d version --format '{{.Server.Version}}') answers (cgroup driver $(d info --format '{{.CgroupDriver}} v{{.CgroupVersion}}'))"
podman save "$BASE" | d load -q >&2
d network create --driver bridge pheme-probe >/dev/null
if out=$(d run --rm --network pheme-probe "$BASE" sh -c 'id -u; grep -c eth0 /proc/net/dev; head -1 /proc/1/cgroup' 2>&1); then
  say "a container ran (uid, eth0 lines, cgroup):"; printf '%s\n' "$out" >&2
  d network rm pheme-probe >/dev/null
  say "ok: Docker's engine runs containers here"
else
  say "docker run failed:"; printf '%s\n' "$out" >&2
  tail -5 "$DOCKERD_DIR/dockerd.log" >&2
  d network rm pheme-probe >/dev/null 2>&1 || true
  exit 1
fi
