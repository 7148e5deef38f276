#!/usr/bin/env bash
# One-stop-shop benchmark (issue 3) with wrk and curl, over loopback only:
#   (a) GET /healthz ceiling, (b) public lookup GET /api/v1/lookup/{code} (req/s, p99, ratio to (a)),
#   (c) online submissions/s: POST /api/v1/dossiers (JSON, two base64 PDFs, 1.001193 in ward 19753)
#       as the logged-in demo citizen (cookie + X-CSRF-Token), (d) the QĐ 766 indices for the whole
#       city (unit 46) over a year, 20 sequential curl calls, p50/p95.
#
#   bench/dossiers.sh                 # cargo build --release, then benchmark
#   bench/dossiers.sh --no-build      # use the existing binary
#   DOSSIERS=100000 bench/dossiers.sh --no-build   # first: smartcity demo --dossiers 100000
#   SMARTCITY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/dossiers.sh --no-build
#
# Env: DURATION (default 10s), CONNECTIONS (default 32), THREADS (default 1), DOSSIERS (synthetic
#      history generated before the server starts, default 0 = none; skipped with a note when the
#      binary's `demo` has no --dossiers), YEAR (indices period, default the current year),
#      INDEX_RUNS (default 20), CARGO_TARGET_DIR, SMARTCITY_BIN, SMARTCITY_DATABASE_URL (the
#      database must be fresh or already hold the demo), RUST_LOG (default warn).
# Prints one SUMMARY line per scenario and a markdown table for bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../e2e/server.sh
source "$ROOT/e2e/server.sh"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
DOSSIERS="${DOSSIERS:-0}"
YEAR="${YEAR:-$(date +%Y)}"
INDEX_RUNS="${INDEX_RUNS:-20}"
export RUST_LOG="${RUST_LOG:-warn}"
PROCEDURE=1.001193
WARD=19753

build=1
if [[ "${1:-}" == --no-build ]]; then build=0; fi

if ! command -v wrk >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if ((build)); then
  cargo build --release -p smartcity
fi
BIN="$(sc_binary)"
if [[ ! -x "$BIN" ]]; then
  echo "smartcity binary not found at $BIN (run: cargo build --release -p smartcity)" >&2
  exit 1
fi

work="$(mktemp -d /tmp/smartcity-bench-dossiers.XXXXXX)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && sc_stop_server "$server_pid"
  rm -rf "$work"
}
trap cleanup EXIT

db=()
backend="SQLite (temp dir $work/data)"
if [[ -n "${SMARTCITY_DATABASE_URL:-}" ]]; then
  db=(--database-url "$SMARTCITY_DATABASE_URL")
  backend="PostgreSQL (${SMARTCITY_DATABASE_URL%%\?*})"
fi
mkdir -p "$work/data"

# Optional synthetic history.
history="none"
if [[ "$DOSSIERS" != 0 ]]; then
  if "$BIN" demo --help 2>/dev/null | grep -q -- '--dossiers'; then
    echo "generating $DOSSIERS synthetic dossiers: smartcity demo --dossiers $DOSSIERS"
    t0=$(date +%s.%N)
    "$BIN" demo --dossiers "$DOSSIERS" --data-dir "$work/data" "${db[@]}" >"$work/demo.log" 2>&1 || {
      echo "smartcity demo --dossiers $DOSSIERS failed:" >&2
      tail -n 30 "$work/demo.log" >&2
      exit 1
    }
    t1=$(date +%s.%N)
    history="$DOSSIERS synthetic dossiers (generated in $(python3 -c "print(f'{$t1-$t0:.1f}')") s)"
    echo "$history"
  else
    echo "note: \`smartcity demo --help\` has no --dossiers in this binary; benchmarking without synthetic history"
  fi
fi

sc_start_server "$work/server.log" "$work/data" "${db[@]}"
server_pid="$SC_PID"
URL="$SC_URL"

# The procedure must be in the catalogue.
if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/procedures/$PROCEDURE")" != 200 ]]; then
  echo "procedure $PROCEDURE is not in the demo catalogue of this binary (GET /api/v1/procedures/$PROCEDURE != 200)" >&2
  exit 1
fi

# Log in as the demo citizen: session cookie + CSRF token for unsafe requests.
status="$(curl -s -o "$work/login.json" -D "$work/login.headers" -w '%{http_code}' \
  -H 'Content-Type: application/json' \
  --data '{"identifier":"citizen@hue.demo","password":"demo-citizen-2026"}' \
  "$URL/api/v1/auth/login")"
session="$(sed -n 's/^[Ss]et-[Cc]ookie: *sc_session=\([^;[:space:]]*\).*/\1/p' "$work/login.headers" | tail -n 1)"
csrf="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("csrf_token",""))' "$work/login.json" 2>/dev/null || true)"
if [[ "$status" != 200 || -z "$session" || -z "$csrf" ]]; then
  echo "login as citizen@hue.demo failed: HTTP $status, sc_session ${session:+present}${session:-missing}, csrf_token ${csrf:+present}${csrf:-missing}" >&2
  cat "$work/login.headers" "$work/login.json" >&2
  exit 1
fi
cookie="sc_session=$session"

# The submission body: the birth registration form and two small PDFs, base64.
python3 - "$work/submit.json" "$PROCEDURE" "$WARD" <<'PY'
import base64, json, sys
out, procedure, ward = sys.argv[1:4]
def pdf(text):
    stream = f"BT /F1 12 Tf 40 780 Td ({text}) Tj ET"
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    body, offs = "%PDF-1.4\n", []
    for i, o in enumerate(objs):
        offs.append(len(body)); body += f"{i+1} 0 obj\n{o}\nendobj\n"
    x = len(body)
    body += f"xref\n0 {len(objs)+1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offs)
    body += f"trailer\n<< /Size {len(objs)+1} /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n"
    return base64.b64encode(body.encode("latin1")).decode()
json.dump({
    "procedure_code": procedure, "unit_code": ward,
    "form": {"child_name": "Nguyễn Minh Khôi", "birth_date": "2026-11-20", "gender": "Nam",
             "birth_place": "Bệnh viện Trung ương Huế", "father_name": "Nguyễn Văn An", "mother_name": "Trần Thị Hoa"},
    "documents": [
        {"document_key": "doc1", "file_name": "to-khai.pdf", "content_base64": pdf("To khai dang ky khai sinh")},
        {"document_key": "doc2", "file_name": "giay-chung-sinh.pdf", "content_base64": pdf("Giay chung sinh")},
    ],
}, open(out, "w"), ensure_ascii=False)
PY

# One submission with curl first: checks the body and gives a dossier code for the lookup.
status="$(curl -s -o "$work/first.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" --data-binary "@$work/submit.json" "$URL/api/v1/dossiers")"
code="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("code",""))' "$work/first.json" 2>/dev/null || true)"
if [[ "$status" != 201 || -z "$code" ]]; then
  echo "POST /api/v1/dossiers answered $status (expected 201 with a code):" >&2
  head -c 2000 "$work/first.json" >&2
  echo >&2
  exit 1
fi
lookup_status="$(curl -s -o "$work/lookup.json" -w '%{http_code}' "$URL/api/v1/lookup/$code")"
if [[ "$lookup_status" != 200 ]]; then
  echo "GET /api/v1/lookup/$code answered $lookup_status" >&2
  cat "$work/lookup.json" >&2
  exit 1
fi

cat >"$work/submit.lua" <<'LUA'
-- POST the same JSON submission on every request (no Idempotency-Key: each one is a new dossier).
local f = assert(io.open(os.getenv("SC_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("SC_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("SC_CSRF")
LUA

# run_wrk NAME LABEL PATH [wrk args...]: runs wrk, prints a SUMMARY line, sets RPS and P99.
results=()
RPS="" P99=""
run_wrk() {
  local name="$1" label="$2" path="$3" out non2xx errors
  shift 3
  out="$work/wrk-$name.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$URL$path" >"$out"
  cat "$out"
  RPS="$(awk '/^Requests\/sec:/{print $2}' "$out")"
  P99="$(awk '$1 == "99%" {print $2}' "$out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$out")"
  errors="$(awk '/Socket errors:/{sub(/^ *Socket errors: */, ""); print}' "$out")"
  results+=("| $name | $label | $RPS | $P99 | ${non2xx:-0} |")
  echo "SUMMARY $name: ${RPS} req/s, p99 ${P99}${non2xx:+, non-2xx/3xx ${non2xx}}${errors:+, socket errors: ${errors}}"
  echo
}

echo "benchmark: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $backend, history: $history"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION against $URL; lookup code $code"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (anything else busy on the machine skews the figures)"

run_wrk healthz '`GET /healthz`' /healthz
healthz_rps="$RPS"

run_wrk lookup '`GET /api/v1/lookup/{code}` (public)' "/api/v1/lookup/$code"
lookup_rps="$RPS" lookup_p99="$P99"
ratio="$(python3 -c "print(f'{float(\"$lookup_rps\")/float(\"$healthz_rps\"):.2f}')")"
echo "SUMMARY lookup/healthz ratio: $ratio (goal >= 0.6; lookup p99 $lookup_p99, goal < 5 ms)"
echo

SC_BODY="$work/submit.json" SC_COOKIE="$cookie" SC_CSRF="$csrf" \
  run_wrk submit '`POST /api/v1/dossiers` (JSON, 2 PDFs, citizen session)' /api/v1/dossiers -s "$work/submit.lua"
echo "SUMMARY submissions/s: $RPS (goal >= 2,000/s on SQLite, >= 1,000/s on PostgreSQL)"
echo

# (d) Indices for the whole city over YEAR, sequential curl calls.
ipath="/api/v1/indices?unit=46&from=$YEAR-01-01&to=$YEAR-12-31"
istatus="$(curl -s -o "$work/indices.json" -w '%{http_code}' "$URL$ipath")"
if [[ "$istatus" != 200 ]]; then
  echo "GET $ipath answered $istatus:" >&2
  head -c 1000 "$work/indices.json" >&2
  echo >&2
  results+=("| indices | \`GET $ipath\` | HTTP $istatus | | |")
else
  : >"$work/indices.times"
  for _ in $(seq 1 "$INDEX_RUNS"); do
    curl -s -o /dev/null -w '%{time_total}\n' "$URL$ipath" >>"$work/indices.times"
  done
  read -r p50 p95 max < <(python3 - "$work/indices.times" <<'PY'
import sys
t = sorted(float(x) * 1000 for x in open(sys.argv[1]) if x.strip())
pick = lambda q: t[min(len(t) - 1, max(0, round(q * len(t) + 0.5) - 1))]
print(f"{pick(0.5):.1f}ms {pick(0.95):.1f}ms {t[-1]:.1f}ms")
PY
  )
  counted="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("dossiers","?"))' "$work/indices.json" 2>/dev/null || echo '?')"
  echo "SUMMARY indices $YEAR, unit 46 (whole city, $counted dossiers in the period), $INDEX_RUNS sequential calls: p50 $p50, p95 $p95, max $max (goal < 50 ms)"
  results+=("| indices | \`GET $ipath\` ×$INDEX_RUNS (curl, sequential) | p50 $p50 | p95 $p95 | 0 |")
fi
echo

echo "| scenario | request | requests/s | p99 latency | non-2xx/3xx |"
echo "| --- | --- | ---: | ---: | ---: |"
printf '%s\n' "${results[@]}"
echo
echo "lookup/healthz ratio: $ratio"
