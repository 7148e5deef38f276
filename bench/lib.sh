# Shared set-up of the benchmark scenarios (sourced, not run): the release binary, a throw-away work directory
# with the server stopped on exit, the database choice, and logging in as a demo account.
#
#   source "$ROOT/bench/lib.sh"
#   bench_binary "$@"            -> builds unless --no-build; sets BIN
#   bench_workdir NAME           -> sets WORK (removed on exit with the server in SERVER_PID)
#   bench_database               -> sets DB_ARGS (--database-url … when SMARTCITY_DATABASE_URL is set) and BACKEND
#   bench_login URL EMAIL PASSWORD -> sets COOKIE ("sc_session=…") and CSRF
#   bench_data                   -> sets DATA: $DATA_DIR when set (SQLite data kept and reused by the next run),
#                                   else $WORK/data; HISTORY starts as "demo data only"
#   bench_generate KIND COUNT    -> `smartcity demo --KIND COUNT` into DATA (KIND: dossiers, reports, articles),
#                                   timed and added to HISTORY; skipped when DATA_DIR already holds that generation
#
# shellcheck source=../e2e/server.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/e2e/server.sh"

bench_binary() {
  if [[ "${1:-}" != --no-build ]]; then cargo build --release -p smartcity; fi
  BIN="$(sc_binary)"
  if [[ ! -x "$BIN" ]]; then
    echo "smartcity binary not found at $BIN (run: cargo build --release -p smartcity)" >&2
    exit 1
  fi
}

SERVER_PID=""
bench_cleanup() {
  [[ -n "$SERVER_PID" ]] && sc_stop_server "$SERVER_PID"
  [[ -n "${WORK:-}" ]] && rm -rf "$WORK"
}

bench_workdir() {
  WORK="$(mktemp -d "/tmp/smartcity-bench-$1.XXXXXX")"
  mkdir -p "$WORK/data"
  trap bench_cleanup EXIT
}

bench_database() {
  DB_ARGS=()
  BACKEND="SQLite"
  if [[ -n "${SMARTCITY_DATABASE_URL:-}" ]]; then
    DB_ARGS=(--database-url "$SMARTCITY_DATABASE_URL")
    BACKEND="PostgreSQL (${SMARTCITY_DATABASE_URL%%\?*})"
  fi
}

bench_login() {
  local url="$1" email="$2" password="$3"
  curl -s -o "$WORK/login.json" -D "$WORK/login.headers" -H 'Content-Type: application/json' \
    -d "{\"identifier\":\"$email\",\"password\":\"$password\"}" "$url/api/v1/auth/login" >/dev/null
  COOKIE="sc_session=$(sed -n 's/^[Ss]et-[Cc]ookie: *sc_session=\([^;[:space:]]*\).*/\1/p' "$WORK/login.headers" | tail -n 1)"
  CSRF="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$WORK/login.json")"
}

bench_data() {
  DATA="${DATA_DIR:-$WORK/data}"
  mkdir -p "$DATA"
  HISTORY="demo data only"
  if [[ -n "${DATA_DIR:-}" ]]; then BACKEND="$BACKEND, data kept in $DATA_DIR"; fi
}

bench_generate() {
  local kind="$1" count="$2" t0 t1 line
  ((count > 0)) || return 0
  if [[ -n "${DATA_DIR:-}" && -f "$DATA/generated-$kind.txt" ]]; then
    line="$(cat "$DATA/generated-$kind.txt") (reused)"
  else
    echo "generating $count $kind: smartcity demo --$kind $count"
    t0=$(date +%s.%N)
    "$BIN" demo "--$kind" "$count" --data-dir "$DATA" "${DB_ARGS[@]}" >"$WORK/demo-$kind.log" 2>&1 || {
      echo "smartcity demo --$kind $count failed:" >&2
      tail -n 30 "$WORK/demo-$kind.log" >&2
      exit 1
    }
    t1=$(date +%s.%N)
    line="$count generated $kind in $(python3 -c "print(f'{$t1-$t0:.0f}')") s"
    if [[ -n "${DATA_DIR:-}" ]]; then echo "$line" >"$DATA/generated-$kind.txt"; fi
  fi
  echo "$line"
  if [[ "$HISTORY" == "demo data only" ]]; then HISTORY="$line"; else HISTORY="$HISTORY, $line"; fi
}
