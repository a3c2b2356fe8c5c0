# Sourced (sh): a Docker engine of our own for one run, from Debian's docker.io, that leaves the
# host alone: its socket, data root and exec root in a folder of ours, no iptables rules, no
# default bridge (user-defined networks still work; published ports go through docker-proxy).
#   dockerd_start DIR    start it (exports DOCKER_HOST); dockerd_stop    stop it by PID, unmount, remove DIR
# Used by scripts/docker-probe.sh and tests/containers/run.sh (CT_ENGINE=docker).
DOCKERD_PID=""
DOCKERD_DIR=""

dockerd_deps() {
  missing=
  command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
  command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
  [ -z "$missing" ] && return 0
  printf 'dockerd: installing%s from Debian\n' "$missing" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

dockerd_start() {
  DOCKERD_DIR=$1
  mkdir -p "$DOCKERD_DIR"
  export DOCKER_HOST="unix://$DOCKERD_DIR/docker.sock"
  dockerd --host "$DOCKER_HOST" --data-root "$DOCKERD_DIR/root" --exec-root "$DOCKERD_DIR/exec" \
    --pidfile "$DOCKERD_DIR/dockerd.pid" --iptables=false --ip-masq=false --ip-forward=false --bridge=none \
    >"$DOCKERD_DIR/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  i=0
  until /usr/bin/docker version >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 150 ] || ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
      printf 'dockerd did not start:\n' >&2; tail -20 "$DOCKERD_DIR/dockerd.log" >&2; return 1
    fi
    sleep 0.2
  done
}

dockerd_stop() {
  [ -n "$DOCKERD_DIR" ] || return 0
  if [ -n "$DOCKERD_PID" ]; then
    kill "$DOCKERD_PID" 2>/dev/null || true
    i=0
    while kill -0 "$DOCKERD_PID" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
    kill -9 "$DOCKERD_PID" 2>/dev/null || true
    # the containerd this dockerd started for itself
    if [ -f "$DOCKERD_DIR/exec/containerd/containerd.pid" ]; then
      kill "$(cat "$DOCKERD_DIR/exec/containerd/containerd.pid")" 2>/dev/null || true
    fi
  fi
  # its mounts under its folder, deepest first
  grep -o " ${DOCKERD_DIR}[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$DOCKERD_DIR"
  DOCKERD_PID="" DOCKERD_DIR=""
}
