#!/usr/bin/env bash
# Portal benchmark (issue 6) with wrk and curl, over loopback only:
#   (a) GET /healthz ceiling, (b) a ward's home page GET /phuong-kim-long/ (req/s, p99, ratio to (a)),
#   (c) the search API over many generated documents: GET /api/v1/search?q=… with a rotating set of
#       Vietnamese queries, sequential curl calls, p50/p95/max, (d) the weight of the ward home page
#       (HTML + the CSS/JS it loads; no map tiles).
#
#   bench/portal.sh                        # cargo build --release, then benchmark
#   bench/portal.sh --no-build             # use the existing binary
#   ARTICLES=1000000 bench/portal.sh --no-build   # first: smartcity demo --articles 1000000
#   SMARTCITY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/portal.sh --no-build
#
# Env: ARTICLES (generated articles, default 100000), DURATION (default 10s), CONNECTIONS (default 32),
#      THREADS (default 1), SEARCH_RUNS (default 200), SMARTCITY_BIN, CARGO_TARGET_DIR,
#      SMARTCITY_DATABASE_URL (fresh database or one holding the demo), RUST_LOG (default warn),
#      DATA_DIR (SQLite: keep the generated data there and reuse it on the next run instead of generating again).
# Prints one SUMMARY line per scenario and a markdown table for bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib.sh
source "$ROOT/bench/lib.sh"

ARTICLES="${ARTICLES:-100000}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
SEARCH_RUNS="${SEARCH_RUNS:-200}"
export RUST_LOG="${RUST_LOG:-warn}"
WARD_PAGE=/phuong-kim-long/

if ! command -v wrk >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
bench_binary "$@"
bench_workdir portal
bench_database
bench_data
bench_generate articles "$ARTICLES"
work="$WORK" data="$DATA" backend="$BACKEND" history="$HISTORY"
db=("${DB_ARGS[@]}")

sc_start_server "$work/server.log" "$data" "${db[@]}"
SERVER_PID="$SC_PID"
URL="$SC_URL"

results=()
RPS="" P99=""
run_wrk() {
  local name="$1" label="$2" path="$3" out non2xx
  shift 3
  out="$work/wrk-$name.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$URL$path" >"$out"
  cat "$out"
  RPS="$(awk '/^Requests\/sec:/{print $2}' "$out")"
  P99="$(awk '$1 == "99%" {print $2}' "$out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$out")"
  results+=("| $name | $label | $RPS | $P99 | ${non2xx:-0} |")
  echo "SUMMARY $name: ${RPS} req/s, p99 ${P99}${non2xx:+, non-2xx/3xx ${non2xx}}"
  echo
}

echo "benchmark: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $backend, $history"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (anything else busy on the machine skews the figures)"

run_wrk healthz '`GET /healthz`' /healthz
healthz_rps="$RPS"
run_wrk ward_home "\`GET $WARD_PAGE\` (ward home page)" "$WARD_PAGE"
home_rps="$RPS"
ratio="$(python3 -c "print(f'{float(\"$home_rps\")/float(\"$healthz_rps\"):.2f}')")"
echo "SUMMARY ward home/healthz ratio: $ratio (goal >= 0.5)"
echo

# (c) Search: rotating queries, sequential. `search` asks the same 10 queries again and again, as visitors do (the
# server keeps recent results until a portal write or 5 s); `search_cold` asks each query for a different page,
# so every call misses what is kept and walks the index.
queries=("duong" "thu+tuc" "lang+tu+duc" "ngap+lut+song+huong" "khai+sinh" "%C4%90%C6%B0%E1%BB%9Dng" "DUONG" "di+tich+dai+noi" "giao+thong" "kinh+doanh+thue")
search_series() { # NAME PAGES: 1 = always the first page, else a new page every round of queries
  local name="$1" pages="$2" q page
  : >"$work/$name.times"
  for i in $(seq 1 "$SEARCH_RUNS"); do
    q="${queries[$((i % ${#queries[@]}))]}"
    page=1
    if ((pages > 1)); then page=$((i / ${#queries[@]} + 1)); fi
    curl -s -o "$work/search.json" -w '%{time_total} %{http_code}\n' "$URL/api/v1/search?q=$q&page=$page" >>"$work/$name.times"
  done
  read -r p50 p95 max bad < <(python3 - "$work/$name.times" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
t = sorted(float(r[0]) * 1000 for r in rows)
bad = sum(1 for r in rows if r[1] != "200")
pick = lambda q: t[min(len(t) - 1, max(0, round(q * len(t) + 0.5) - 1))]
print(f"{pick(0.5):.1f}ms {pick(0.95):.1f}ms {t[-1]:.1f}ms {bad}")
PY
  )
  echo "SUMMARY $name, $SEARCH_RUNS sequential curl calls over ${#queries[@]} queries: p50 $p50, p95 $p95, max $max, non-200: $bad (goal p95 < 10 ms)"
  results+=("| $name | \`GET /api/v1/search?q=…\` ×$SEARCH_RUNS (curl, sequential, ${#queries[@]} queries) | p50 $p50 | p95 $p95 | $bad |")
}
search_series search 1
search_series search_cold "$SEARCH_RUNS"

# (d) Page weight of the ward home page: the HTML and every stylesheet/script it references.
html_bytes="$(curl -s -o "$work/home.html" -w '%{size_download}' "$URL$WARD_PAGE")"
assets_bytes=0
for asset in $(grep -oE '(href|src)="/static/[^"]+"' "$work/home.html" | sed -E 's/.*"(\/static\/[^"]+)"/\1/' | sort -u); do
  n="$(curl -s -o /dev/null -w '%{size_download}' "$URL$asset")"
  assets_bytes=$((assets_bytes + n))
done
weight_kb="$(python3 -c "print(f'{($html_bytes + $assets_bytes) / 1024:.1f}')")"
echo "SUMMARY page weight of $WARD_PAGE: ${weight_kb} KB (HTML $html_bytes B + CSS/JS $assets_bytes B, uncompressed; goal < 100 KB)"
results+=("| weight | \`GET $WARD_PAGE\` + its CSS/JS, uncompressed | ${weight_kb} KB | | |")
echo

echo "| scenario | request | requests/s | p99 latency | non-2xx/3xx |"
echo "| --- | --- | ---: | ---: | ---: |"
printf '%s\n' "${results[@]}"
echo
echo "ward home/healthz ratio: $ratio"
