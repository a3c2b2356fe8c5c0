# Process helpers for the test and benchmark scripts, sourced (POSIX sh; bash sources it too):
#   . "$root/scripts/procs.sh"
# Every process a script starts is stopped by its PID, never by name.
#
#   proc_alive PID           whether PID runs (a zombie does not)
#   proc_stop PID [TRIES]    SIGTERM, up to TRIES × 50 ms (default 100: 5 s) for it to go, then
#                            SIGKILL; reaps it when it is this shell's child
#   proc_kill_dir DIR        SIGKILL to every PID named by a file in DIR (the PID folders test
#                            files leave their servers in: what a crashed or interrupted file left)
#   free_port                a TCP port on loopback that nothing listens on or uses
#   wait_http URL PID [TRIES]  0 once URL answers 2xx, 1 when PID has died or TRIES × 50 ms
#                            (default 200: 10 s) have passed

proc_alive() { [ -r "/proc/$1/stat" ] && ! sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'; }

proc_stop() {
  _p=$1
  _n=${2:-100}
  if proc_alive "$_p"; then
    kill -TERM "$_p" 2>/dev/null || true
    while [ "$_n" -gt 0 ] && proc_alive "$_p"; do sleep 0.05; _n=$((_n - 1)); done
    if proc_alive "$_p"; then kill -KILL "$_p" 2>/dev/null || true; fi
  fi
  wait "$_p" 2>/dev/null || true
}

proc_kill_dir() {
  for _f in "$1"/*; do
    [ -e "$_f" ] || continue
    _p=$(basename "$_f")
    case $_p in *[!0-9]*) continue ;; esac
    kill -KILL "$_p" 2>/dev/null || true
  done
}

free_port() {
  while :; do
    _port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
    ss -Htan "( sport = :$_port or dport = :$_port )" 2>/dev/null | grep -q . || { echo "$_port"; return 0; }
  done
}

wait_http() {
  _n=${3:-200}
  while [ "$_n" -gt 0 ]; do
    proc_alive "$2" || return 1
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    sleep 0.05
    _n=$((_n - 1))
  done
  return 1
}
