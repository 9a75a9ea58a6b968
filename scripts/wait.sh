# Sourced by the integration tests: wait on the event itself, never on a
# guess of how long it takes. The bound only catches a real hang, so it is
# generous (IOTRSP_TEST_WAIT seconds, 120 by default) and counted in wall-clock
# time, not in tries: a busy machine makes each try slower, not fewer.

# wait_until CMD...: runs CMD until it succeeds; 1 when the bound passed.
wait_until() {
  local end=$(( $(date +%s) + ${IOTRSP_TEST_WAIT:-120} ))
  until "$@"; do
    if [ "$(date +%s)" -ge "$end" ]; then
      echo "wait_until: still not true after ${IOTRSP_TEST_WAIT:-120} s: $*" >&2
      return 1
    fi
    sleep 0.05
  done
}

# wait_port LOG NAME: prints the number after NAME= in LOG once a daemon wrote
# it there (its listening line); the log on stderr when it never comes.
log_port() { local v; v=$(sed -n "s/.*$2=\([0-9]*\).*/\1/p" "$1" | head -1); [ -n "$v" ] && [ "$v" != 0 ] && echo "$v"; }
wait_port() {
  wait_until log_port "$1" "$2" >/dev/null || { cat "$1" >&2; return 1; }
  log_port "$1" "$2"
}

# wait_grep PATTERN FILE: until FILE has a line matching PATTERN.
wait_grep() { wait_until grep -q -- "$1" "$2"; }

# wait_count N PATTERN FILE: until FILE has at least N lines matching PATTERN.
count_ge() { [ "$(grep -c -- "$2" "$3" 2>/dev/null || true)" -ge "$1" ]; }
wait_count() { wait_until count_ge "$@"; }

# wait_socket PATH: until a daemon made its Unix socket.
wait_socket() { wait_until test -S "$1"; }

# has [GREP-OPTION...] PATTERN: grep -q over all of its input, for `cmd | has PATTERN`. Under
# pipefail `cmd | grep -q` fails whenever grep, done at the first match, exits before cmd's last
# write: cmd dies of SIGPIPE (curl of a write error) and takes the pipeline with it, match or not.
has() { local in; in=$(cat); grep -q "$@" <<<"$in"; }
