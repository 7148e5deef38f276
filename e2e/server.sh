# shellcheck shell=bash
# Helpers to start a throw-away `smartcity serve --demo` for tests and benchmarks.
# Source this file; it defines functions only. Used by e2e/run.sh, .ci/run and bench/run.sh.
#
#   sc_binary                      -> prints the path of the release binary
#   sc_free_port                   -> prints a free TCP port on 127.0.0.1
#   sc_start_server LOG DATADIR [extra serve args...]
#                                  -> starts the server in the background, sets SC_PID and SC_URL,
#                                     waits up to SC_READY_TIMEOUT (60 s) for GET /healthz == 200,
#                                     prints the log and returns 1 on failure
#   sc_stop_server PID             -> stops one server started above (TERM, then KILL)

sc_repo_root() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  dirname "$here"
}

sc_binary() {
  if [[ -n "${SMARTCITY_BIN:-}" ]]; then
    printf '%s\n' "$SMARTCITY_BIN"
    return
  fi
  local target="${CARGO_TARGET_DIR:-$(sc_repo_root)/target}"
  printf '%s\n' "$target/release/smartcity"
}

sc_free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

sc_start_server() {
  local log="$1" datadir="$2"
  shift 2
  local bin port deadline
  bin="$(sc_binary)"
  if [[ ! -x "$bin" ]]; then
    echo "smartcity binary not found at $bin (run: cargo build --release)" >&2
    return 1
  fi
  port="$(sc_free_port)"
  SC_URL="http://127.0.0.1:$port"
  mkdir -p "$datadir"
  "$bin" serve --listen "127.0.0.1:$port" --data-dir "$datadir" --demo "$@" >"$log" 2>&1 </dev/null &
  SC_PID=$!
  deadline=$((SECONDS + ${SC_READY_TIMEOUT:-60}))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$SC_PID" 2>/dev/null; then
      echo "smartcity exited before becoming ready; its log ($log):" >&2
      cat "$log" >&2
      return 1
    fi
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SC_URL/healthz" || true)" == "200" ]]; then
      echo "smartcity ready at $SC_URL (pid $SC_PID) after $((SECONDS - deadline + ${SC_READY_TIMEOUT:-60})) s"
      return 0
    fi
    sleep 0.5
  done
  echo "smartcity did not answer GET /healthz with 200 within ${SC_READY_TIMEOUT:-60} s; its log ($log):" >&2
  cat "$log" >&2
  return 1
}

sc_stop_server() {
  local pid="$1"
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
