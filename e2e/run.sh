#!/usr/bin/env bash
# Runs the browser journeys (node:test + playwright-core + Debian's Chromium).
#
#   SMARTCITY_URL=http://127.0.0.1:8080 e2e/run.sh   # against a running server
#   e2e/run.sh                                      # starts target/release/smartcity serve --demo
#                                                   # on a free port with a temp SQLite data dir
#   e2e/run.sh tests/c-admin-grant.test.mjs         # one journey
#
# Env: SMARTCITY_URL, SMARTCITY_BIN (binary to start), CARGO_TARGET_DIR,
#      SMARTCITY_DATABASE_URL (only when starting a server: run it on PostgreSQL),
#      CHROMIUM_PATH (default /usr/bin/chromium), E2E_TIMEOUT_MS (per action, default 15000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then
  echo "Chromium not found at ${CHROMIUM_PATH:-/usr/bin/chromium} (apt-get install -y chromium)" >&2
  exit 1
fi
if [[ ! -d node_modules/playwright-core || ! -d node_modules/axe-core ]]; then
  npm ci --no-audit --no-fund --prefer-offline
fi

server_pid=""
workdir=""
cleanup() {
  if [[ -n "$server_pid" ]]; then sc_stop_server "$server_pid"; fi
  if [[ -n "$workdir" ]]; then rm -rf "$workdir"; fi
}
trap cleanup EXIT

if [[ -z "${SMARTCITY_URL:-}" ]]; then
  # shellcheck source=server.sh
  source ./server.sh
  workdir="$(mktemp -d /tmp/smartcity-e2e-run.XXXXXX)"
  extra=()
  if [[ -n "${SMARTCITY_DATABASE_URL:-}" ]]; then extra=(--database-url "$SMARTCITY_DATABASE_URL"); fi
  sc_start_server "$workdir/server.log" "$workdir/data" "${extra[@]}"
  server_pid="$SC_PID"
  export SMARTCITY_URL="$SC_URL"
fi

echo "e2e journeys against $SMARTCITY_URL"
rm -rf test-results
files=("$@")
if ((${#files[@]} == 0)); then files=(tests/*.test.mjs); fi
status=0
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || status=$?
if ((status != 0)) && [[ -n "$workdir" ]]; then
  echo "---- server log (last 100 lines) ----"
  tail -n 100 "$workdir/server.log" || true
fi
exit "$status"
