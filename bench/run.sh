#!/usr/bin/env bash
# HTTP throughput/latency of the release binary with wrk, over loopback only.
#
#   bench/run.sh                 # cargo build --release, then benchmark
#   bench/run.sh --no-build      # use the existing binary
#
# Env: DURATION (default 10s), CONNECTIONS (default 32), THREADS (default 1: wrk
#      shares the 2 cores with the server), CARGO_TARGET_DIR, SMARTCITY_BIN,
#      SMARTCITY_DATABASE_URL (run the server on PostgreSQL instead of SQLite),
#      RUST_LOG (server log filter during the run, default warn).
# Prints one summary line per scenario and a markdown table for bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../e2e/server.sh
source "$ROOT/e2e/server.sh"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
export RUST_LOG="${RUST_LOG:-warn}"

build=1
if [[ "${1:-}" == --no-build ]]; then build=0; fi

if ! command -v wrk >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if ((build)); then
  cargo build --release
fi

work="$(mktemp -d /tmp/smartcity-bench.XXXXXX)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && sc_stop_server "$server_pid"
  rm -rf "$work"
}
trap cleanup EXIT

extra=()
if [[ -n "${SMARTCITY_DATABASE_URL:-}" ]]; then extra=(--database-url "$SMARTCITY_DATABASE_URL"); fi
sc_start_server "$work/server.log" "$work/data" "${extra[@]}"
server_pid="$SC_PID"
URL="$SC_URL"

# Log in as the demo citizen through the API and keep the session cookie.
status="$(curl -s -o "$work/login.json" -D "$work/login.headers" -w '%{http_code}' \
  -H 'Content-Type: application/json' \
  --data '{"identifier":"citizen@hue.demo","password":"demo-citizen-2026"}' \
  "$URL/api/v1/auth/login")"
session="$(sed -n 's/^[Ss]et-[Cc]ookie: *sc_session=\([^;[:space:]]*\).*/\1/p' "$work/login.headers" | tail -n 1)"
if [[ "$status" != 200 || -z "$session" ]]; then
  echo "login as citizen@hue.demo failed: HTTP $status, sc_session cookie ${session:+present}${session:-missing}" >&2
  cat "$work/login.headers" "$work/login.json" >&2
  exit 1
fi
cookie="sc_session=$session"
account_status="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$URL/account")"
if [[ "$account_status" != 200 ]]; then
  echo "GET /account with the session cookie answered $account_status, expected 200" >&2
  exit 1
fi

# run_wrk NAME PATH [wrk args...]: runs wrk and prints "NAME: X req/s, p99 Y".
results=()
run_wrk() {
  local name="$1" path="$2" out rps p99 non2xx errors
  shift 2
  out="$work/wrk-$name.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$URL$path" >"$out"
  cat "$out"
  rps="$(awk '/^Requests\/sec:/{print $2}' "$out")"
  p99="$(awk '$1 == "99%" {print $2}' "$out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$out")"
  errors="$(awk '/Socket errors:/{sub(/^ *Socket errors: */, ""); print}' "$out")"
  results+=("| $name | \`GET $path\` | $rps | $p99 | ${non2xx:-0} |")
  echo "SUMMARY $name: ${rps} req/s, p99 ${p99}${non2xx:+, non-2xx/3xx ${non2xx}}${errors:+, socket errors: ${errors}}"
  echo
}

echo "benchmark: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), wrk -t$THREADS -c$CONNECTIONS -d$DURATION against $URL"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (anything else busy on the machine skews the figures)"
run_wrk healthz /healthz
run_wrk account /account -H "Cookie: $cookie"

echo "| scenario | request | requests/s | p99 latency | non-2xx/3xx |"
echo "| --- | --- | ---: | ---: | ---: |"
printf '%s\n' "${results[@]}"
