#!/bin/sh
# Builds PHEME's container image (deploy/Dockerfile) with Debian's podman, and checks it: the
# container starts as the non-root pheme user, serves /healthz and /readyz on SQLite, and serves
# the web app. Where no container registry is reachable (the machines here reach only Debian's
# archive and npm), the Debian 12 base is made from Debian's own archive: `debootstrap
# --variant=minbase bookworm` with the host's apt sources, imported as a local image and passed to
# the Dockerfile as BASE and SLIM. With a registry, `docker build -f deploy/Dockerfile .` needs none
# of this.
#
#   scripts/image.sh [build|check|all]      (default all; TAG=pheme:dev)
#   scripts/image.sh base                   only the Debian 12 base (localhost/pheme-debian:bookworm)
#   scripts/image.sh anvil                  the Dockerfile's anvil stage (TAG=localhost/pheme-anvil:local)
#
# Needs root (debootstrap, rootful podman); installs podman, runc, debootstrap and curl from
# Debian. The build runs its steps with chroot isolation and the check runs the container with
# runc and explicit limits: on hosts with hybrid cgroups (this VM), crun refuses to create
# containers, and podman's default rlimits exceed what an unprivileged host allows.
set -eu
cd "$(dirname "$0")/.."
# runc, rlimits the host allows (deploy/local/containers.conf says why)
export CONTAINERS_CONF="$PWD/deploy/local/containers.conf"
BASE=localhost/pheme-debian:bookworm
what=${1:-all}
say() { printf 'image: %s\n' "$*" >&2; }

deps() {
  missing=
  for p in podman runc debootstrap curl; do command -v "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  [ -z "$missing" ] && return 0
  say "installing$missing from Debian"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
}

# The host's own Debian mirror (deb822 or one-line sources), read at run time.
mirror() {
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$f"
  done | head -1 | grep . && return 0
  awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null | grep .
}

base() {
  if podman image exists "$BASE"; then return 0; fi
  root=$(mktemp -d /tmp/pheme-image-root.XXXXXX)
  m=$(mirror) || { say "no Debian mirror in the host's apt sources"; exit 1; }
  say "debootstrap bookworm (minbase) from the host's mirror into $root"
  debootstrap --variant=minbase bookworm "$root" "$m" >/tmp/pheme-debootstrap.log 2>&1 ||
    { tail -20 /tmp/pheme-debootstrap.log >&2; rm -rf "$root"; exit 1; }
  # The host's sources (main, updates, security) instead of debootstrap's single line.
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    rm -f "$root/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/"
  fi
  rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
  tar -C "$root" -c . | podman import --change 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
  rm -rf "$root"
  say "base image $BASE imported"
}

# deploy/Dockerfile's stage $1 (runtime: the pheme image) as $TAG.
build() {
  base
  say "building $TAG (deploy/Dockerfile, stage $1)"
  # The host's CA bundle, for npm when the host reaches the registry through a TLS-inspecting
  # proxy: mounted for the RUN steps only (/run is not kept in a layer), named by the
  # NODE_EXTRA_CA_CERTS argument the npm stages declare; the runtime stage never sees it.
  ca=
  [ -f /etc/ssl/certs/ca-certificates.crt ] &&
    ca="-v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro --build-arg NODE_EXTRA_CA_CERTS=/run/host-ca.crt"
  # shellcheck disable=SC2086
  podman build --format docker --isolation chroot --network host $ca --build-arg BASE="$BASE" --build-arg SLIM="$BASE" \
    --target "$1" -f deploy/Dockerfile -t "$TAG" .
}

check() {
  port=$(( 24000 + $$ % 8000 ))
  name=pheme-image-check-$$
  user=$(podman image inspect --format '{{.Config.User}}' "$TAG")
  [ "$user" = "10001:10001" ] || { say "the image runs as '$user', not 10001:10001"; exit 1; }
  podman run -d --rm --name "$name" --network host -e PHEME_LISTEN="127.0.0.1:$port" "$TAG" >/dev/null
  trap 'podman stop -t 5 "$name" >/dev/null 2>&1 || true' EXIT
  ok=0
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { ok=1; break; }
    sleep 0.2
  done
  [ "$ok" = 1 ] || { podman logs "$name" >&2 || true; say "the container never became ready"; exit 1; }
  uid=$(podman exec "$name" id -u)
  [ "$uid" = 10001 ] || { say "pheme runs as uid $uid inside the container"; exit 1; }
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null
  curl -fsS "http://127.0.0.1:$port/" | grep -qi '<html' || { say "/ does not serve the web app"; exit 1; }
  curl -fsS "http://127.0.0.1:$port/api/v1/skills" >/dev/null
  size=$(podman image inspect --format '{{.Size}}' "$TAG")
  say "ok: $TAG runs as uid 10001, ready on SQLite, serves the web app and the API; $((size / 1048576)) MiB"
}

[ "$what" = anvil ] && TAG=${TAG:-localhost/pheme-anvil:local}
TAG=${TAG:-pheme:dev}
case $what in
base) deps; base ;;
build) deps; build runtime ;;
anvil) deps; build anvil ;;
check) deps; check ;;
all) deps; build runtime; check ;;
*) echo "usage: scripts/image.sh [build|check|all|base|anvil]" >&2; exit 2 ;;
esac
