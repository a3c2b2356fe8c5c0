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

# The two test runners (tests/integration/run.sh, tests/multinode/run.sh) end alike:
#   on_exit FUNC             FUNC runs when the script ends, however: HUP, INT, PIPE and TERM exit
#                            with 128 + the signal's number, and the EXIT trap runs FUNC
#   runner_stop ROOT WORK TEST_PID PG_DIR   stops the node test runner of the file in progress
#                            (TEST_PID, may be empty; timeout passes the signal on to node), kills
#                            what the test files left in WORK/pids, and stops the PostgreSQL
#                            cluster of PG_DIR (scripts/pg-test.sh; may be empty)
#   runner_done LABEL WORK   removes WORK, or keeps it and says so with PHEME_IT_KEEP=1
on_exit() {
  trap "$1" EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 141' PIPE
  trap 'exit 143' TERM
}

runner_stop() {
  if [ -n "$3" ]; then
    kill -TERM "$3" 2>/dev/null || true
    wait "$3" 2>/dev/null || true
  fi
  proc_kill_dir "$2/pids"
  if [ -n "$4" ]; then "$1/scripts/pg-test.sh" stop "$4" || true; fi
}

runner_done() {
  if [ "${PHEME_IT_KEEP:-0}" = 1 ]; then echo "$1: kept $2"; else rm -rf "$2"; fi
}
