#!/usr/bin/env bash
# Operations-centre benchmark (issue 8), over loopback:
#   (a) summary: GET /api/v1/ioc/summary as the demo IOC operator, SERIES sequential curl calls while nothing
#       changes (the figures come from the cache) -> p50/p95;
#   (b) summary after a change: SERIES_COLD times, one change (an SOP step ticked or unticked, which writes an
#       outbox event) then the summary, timed alone -> p50/p95 of a full computation;
#   (c) SSE fan-out: DASHBOARDS connections to /api/v1/ioc/events (bench/ioc-fanout.mjs, Node), then one change;
#       how many dashboards got the event within 1 s, p50/p95/max delivery time;
#   (d) transparency: GET /minh-bach?from=YEAR-01-01&to=YEAR-12-31 (the whole city's public page for a year, every
#       unit ranked, dossier and report figures), SERIES_COLD sequential curl calls -> p50/p95.
# Optionally generates history first: DOSSIERS (smartcity demo --dossiers) and REPORTS (smartcity demo --reports).
#
#   bench/ioc.sh                 # cargo build --release, then benchmark
#   bench/ioc.sh --no-build      # use the existing binary
#   DASHBOARDS=1000 REPORTS=100000 bench/ioc.sh --no-build
#   SMARTCITY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/ioc.sh --no-build
#
# Env: DASHBOARDS (1000), SERIES (200), SERIES_COLD (30), DOSSIERS (0), REPORTS (0), CARGO_TARGET_DIR, SMARTCITY_BIN,
#      SMARTCITY_DATABASE_URL (a fresh database), RUST_LOG (warn), DATA_DIR (SQLite: keep the generated data there
#      and reuse it on the next run), YEAR (of the transparency page; current year). Prints SUMMARY lines and a
#      markdown table.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib.sh
source "$ROOT/bench/lib.sh"

DASHBOARDS="${DASHBOARDS:-1000}"
SERIES="${SERIES:-200}"
SERIES_COLD="${SERIES_COLD:-30}"
DOSSIERS="${DOSSIERS:-0}"
REPORTS="${REPORTS:-0}"
export RUST_LOG="${RUST_LOG:-warn}"

for tool in curl python3 node; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done
bench_binary "$@"
# Two sockets per dashboard (client and server side) on one machine.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
bench_workdir ioc
bench_database
work="$WORK"

bench_data
bench_generate dossiers "$DOSSIERS"
bench_generate reports "$REPORTS"

sc_start_server "$work/server.log" "$DATA" "${DB_ARGS[@]}"
SERVER_PID="$SC_PID"
URL="$SC_URL"
bench_login "$URL" ioc@hue.demo demo-ioc-2026
csrf="$CSRF"

# A change to make on demand: tick, then untick, the first step of the first alarm in the queue (the demo's silent
# devices raise alarms at start; wait for one).
for _ in $(seq 1 60); do
  curl -s -H "Cookie: $COOKIE" "$URL/ioc/hang-doi" >"$work/queue.html"
  step_path="$(grep -o '/ioc/hang-doi/[0-9a-f-]*/buoc/[0-9a-f-]*' "$work/queue.html" | head -n 1 || true)"
  [[ -n "$step_path" ]] && break
  sleep 1
done
[[ -n "$step_path" ]] || { echo "no alarm with a procedure in the queue" >&2; exit 1; }
cat >"$work/change.sh" <<SH
#!/usr/bin/env bash
# Alternates a tick and an untick so that every call writes one outbox event.
state="$work/ticked"
if [[ -f "\$state" ]]; then rm -f "\$state"; body="_csrf=$csrf"; else touch "\$state"; body="_csrf=$csrf&done=1"; fi
curl -s -o /dev/null -H "Cookie: $COOKIE" -H 'HX-Request: true' --data "\$body" "$URL$step_path"
SH
chmod +x "$work/change.sh"

timings() { # $1 = file of seconds, one per line -> "p50 p95" in ms
  python3 - "$1" <<'PY'
import sys
v = sorted(float(x) * 1000 for x in open(sys.argv[1]) if x.strip())
q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
print(f"{q(0.5):.1f} {q(0.95):.1f}")
PY
}

# (a) the summary while nothing changes.
curl -s -o /dev/null -H "Cookie: $COOKIE" "$URL/api/v1/ioc/summary"
: >"$work/warm.txt"
for _ in $(seq 1 "$SERIES"); do
  curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $COOKIE" "$URL/api/v1/ioc/summary" >>"$work/warm.txt"
done
read -r warm50 warm95 < <(timings "$work/warm.txt")
echo "SUMMARY summary_cached p50_ms=$warm50 p95_ms=$warm95 runs=$SERIES"

# (b) the summary right after a change.
: >"$work/cold.txt"
for _ in $(seq 1 "$SERIES_COLD"); do
  "$work/change.sh"
  curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $COOKIE" "$URL/api/v1/ioc/summary" >>"$work/cold.txt"
done
read -r cold50 cold95 < <(timings "$work/cold.txt")
echo "SUMMARY summary_after_change p50_ms=$cold50 p95_ms=$cold95 runs=$SERIES_COLD"

# (d) the public transparency page for a year.
YEAR="${YEAR:-$(date +%Y)}"
: >"$work/year.txt"
for _ in $(seq 1 "$SERIES_COLD"); do
  curl -s -o /dev/null -w '%{time_total}\n' "$URL/minh-bach?from=$YEAR-01-01&to=$YEAR-12-31" >>"$work/year.txt"
done
read -r year50 year95 < <(timings "$work/year.txt")
echo "SUMMARY transparency_year p50_ms=$year50 p95_ms=$year95 runs=$SERIES_COLD"

# (c) fan-out to many dashboards.
fan="$(node "$ROOT/bench/ioc-fanout.mjs" "$URL" "$COOKIE" "$DASHBOARDS" "$work/change.sh")"
echo "SUMMARY sse_fanout $fan"
read -r open delivered within p50 p95 max < <(python3 -c '
import json,sys; f=json.loads(sys.argv[1])
print(f["open"], f["delivered"], f["within_1s"], f["p50_ms"], f["p95_ms"], f["max_ms"])' "$fan")

echo
echo "$BACKEND, $HISTORY; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| scenario | measure | figure | goal |"
echo "| --- | --- | ---: | --- |"
echo "| summary, no change | \`GET /api/v1/ioc/summary\`, $SERIES × curl | p50 $warm50 ms, p95 $warm95 ms | p95 < 50 ms |"
echo "| summary after a change | one outbox event, then the summary, $SERIES_COLD × | p50 $cold50 ms, p95 $cold95 ms | p95 < 50 ms |"
echo "| transparency, a year | \`GET /minh-bach?from=$YEAR-01-01&to=$YEAR-12-31\`, $SERIES_COLD × curl | p50 $year50 ms, p95 $year95 ms | < 100 ms |"
echo "| SSE fan-out | $open dashboards open, one change | $within of $open within 1 s (delivered $delivered; p50 $p50 ms, p95 $p95 ms, max $max ms) | all within 1 s |"
