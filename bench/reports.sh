#!/usr/bin/env bash
# Field-report benchmark (issue 5) with wrk and curl, over loopback only:
#   (a) GET /healthz ceiling, (b) GET /open311/v2/requests/{id}.json (req/s, p99, ratio to (a)) — one id, as a
#       partner polls it, and then up to 50,000 different ids in turn (each document read and rendered),
#   (c) a filtered page of 1000: GET /open311/v2/requests.json?service_code=…&status=open&page_size=1000,
#       (d) a map-viewport query: GET /open311/v2/requests.json?lat=…&long=…&radius=1500&page_size=1000,
#       both as sequential curl calls (p50/p95/p99: the latency one client sees),
#   (e) report submissions/s: POST /open311/v2/requests.json, multipart with one ~2 MB JPEG photo
#       (decoded, re-encoded without EXIF on every request), with a partner key.
#
#   bench/reports.sh                          # cargo build --release, then benchmark
#   bench/reports.sh --no-build               # use the existing binary
#   REPORTS=1000000 bench/reports.sh --no-build
#   SMARTCITY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/reports.sh --no-build
#
# Env: REPORTS (synthetic reports generated first with `smartcity demo --reports`, default 100000),
#      DURATION (10s), CONNECTIONS (32), THREADS (1), SERIES (sequential curl calls per query, 200),
#      SUBMIT_CONNECTIONS (4), CARGO_TARGET_DIR, SMARTCITY_BIN, SMARTCITY_DATABASE_URL (a fresh
#      database), RUST_LOG (warn), DATA_DIR (SQLite: keep the generated data there and reuse it on the next
#      run instead of generating again — 1M reports take half an hour).
#      Needs wrk and python3-pil (installed from Debian when missing).
# Prints one SUMMARY line per scenario and a markdown table for bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib.sh
source "$ROOT/bench/lib.sh"

REPORTS="${REPORTS:-100000}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
SERIES="${SERIES:-200}"
SUBMIT_CONNECTIONS="${SUBMIT_CONNECTIONS:-4}"
export RUST_LOG="${RUST_LOG:-warn}"
# Partners are rate-limited per key (60 POSTs a minute by default); the benchmark lifts the limit.
export SMARTCITY_OPEN311_POSTS_PER_MINUTE=100000000

# Debian's python3 (python3-pil is a Debian package; a pyenv python3 earlier on PATH would not see it).
PY3=/usr/bin/python3
[[ -x "$PY3" ]] || PY3=python3
need=()
command -v wrk >/dev/null || need+=(wrk)
"$PY3" -c 'import PIL' 2>/dev/null || need+=(python3-pil)
if ((${#need[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
bench_binary "$@"
bench_workdir reports
bench_database
bench_data
bench_generate reports "$REPORTS"
work="$WORK" data="$DATA" backend="$BACKEND" history="$HISTORY"
db=("${DB_ARGS[@]}")
KEY="$("$BIN" open311-key add 'Benchmark partner' --data-dir "$data" "${db[@]}" 2>/dev/null)"

sc_start_server "$work/server.log" "$data" "${db[@]}"
SERVER_PID="$SC_PID"
URL="$SC_URL"

# A ~2 MB photo: a 3000 × 2000 picture with texture, JPEG quality chosen to land near 2,000,000 bytes.
"$PY3" - "$work/photo.jpg" <<'PY'
import io, random, sys
from PIL import Image, ImageDraw, ImageFilter
random.seed(5)
img = Image.new("RGB", (3000, 2000), (90, 120, 150))
d = ImageDraw.Draw(img)
for _ in range(4000):
    x, y = random.randrange(3000), random.randrange(2000)
    r = random.randrange(4, 60)
    d.ellipse((x, y, x + r, y + r), fill=tuple(random.randrange(256) for _ in range(3)))
noise = Image.effect_noise((3000, 2000), 40).convert("RGB")
img = Image.blend(img, noise, 0.25).filter(ImageFilter.SMOOTH)
best = None
for q in range(95, 30, -3):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    if buf.tell() <= 2_000_000:
        best = buf.getvalue()
        break
best = best or buf.getvalue()
open(sys.argv[1], "wb").write(best)
print(f"photo: 3000x2000 JPEG, {len(best):,} bytes")
PY

# The multipart body: a pin in ward 19753 (Phú Xuân), category CS (street lights), the photo.
python3 - "$work/submit.body" "$work/photo.jpg" "$KEY" <<'PY'
import sys
out, photo, key = sys.argv[1:4]
b = "----smartcity-bench"
fields = {"api_key": key, "service_code": "CS", "lat": "16.4785", "long": "107.5770",
          "description": "Đèn đường không sáng (benchmark)"}
body = b"".join(f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode() for k, v in fields.items())
body += f"--{b}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".encode()
body += open(photo, "rb").read() + f"\r\n--{b}--\r\n".encode()
open(out, "wb").write(body)
print(f"submission body: {len(body):,} bytes")
PY
ctype='multipart/form-data; boundary=----smartcity-bench'
status="$(curl -s -o "$work/first.json" -w '%{http_code}' -H "Content-Type: $ctype" --data-binary "@$work/submit.body" \
  "$URL/open311/v2/requests.json")"
if [[ "$status" != 200 ]]; then
  echo "POST /open311/v2/requests.json answered $status:" >&2
  head -c 2000 "$work/first.json" >&2
  echo >&2
  exit 1
fi
id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["service_request_id"])' "$work/first.json")"

filtered="/open311/v2/requests.json?service_code=MT,CS,GT,CTN&status=open&page_size=1000"
viewport="/open311/v2/requests.json?lat=16.4637&long=107.5909&radius=1500&page_size=1000"
for path in "/open311/v2/requests/$id.json" "$filtered" "$viewport"; do
  got="$(curl -s -o "$work/check.json" -w '%{http_code}' "$URL$path")"
  n="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/check.json" 2>/dev/null || echo '?')"
  echo "check GET $path: HTTP $got, $n requests"
  [[ "$got" == 200 ]] || exit 1
done
filtered_n="$(curl -s "$URL$filtered" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
# Ids of up to 50,000 different requests (the newest 50 pages of the default window), for by-id reads that miss
# the server's cache of polled requests (2 s, 10,000 documents): each document is read and rendered.
for page in $(seq 1 50); do
  curl -s "$URL/open311/v2/requests.json?page_size=1000&page=$page" |
    python3 -c 'import json,sys; print("\n".join("/open311/v2/requests/%s.json" % r["service_request_id"] for r in json.load(sys.stdin)))'
done | grep . >"$work/ids.txt"
ids_n="$(wc -l <"$work/ids.txt")"
viewport_n="$(curl -s "$URL$viewport" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

cat >"$work/many.lua" <<'LUA'
-- GET a different request each time, in turn through the list.
local paths, i = {}, 0
for line in io.lines(os.getenv("SC_IDS")) do paths[#paths + 1] = line end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

cat >"$work/submit.lua" <<'LUA'
-- POST the same multipart report with its photo on every request: each one is a new report.
local f = assert(io.open(os.getenv("SC_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("SC_CTYPE")
LUA

results=()
RPS="" P99=""
run_wrk() {
  local name="$1" label="$2" path="$3" conns="$4" out non2xx errors
  shift 4
  out="$work/wrk-$name.txt"
  wrk -t"$THREADS" -c"$conns" -d"$DURATION" --latency "$@" "$URL$path" >"$out"
  cat "$out"
  RPS="$(awk '/^Requests\/sec:/{print $2}' "$out")"
  P99="$(awk '$1 == "99%" {print $2}' "$out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$out")"
  errors="$(awk '/Socket errors:/{sub(/^ *Socket errors: */, ""); print}' "$out")"
  results+=("| $name | $label | $RPS | p99 $P99 | ${non2xx:-0} |")
  echo "SUMMARY $name: ${RPS} req/s, p99 ${P99}${non2xx:+, non-2xx/3xx ${non2xx}}${errors:+, socket errors: ${errors}}"
  echo
}

# series NAME LABEL PATH: SERIES sequential curl calls; prints p50/p95/p99.
series() {
  local name="$1" label="$2" path="$3"
  : >"$work/$name.times"
  for i in $(seq 1 "$SERIES"); do
    curl -s -o /dev/null -w '%{time_total}\n' "$URL${path//COUNTER/$i}" >>"$work/$name.times"
  done
  read -r p50 p95 p99 < <(python3 - "$work/$name.times" <<'PY'
import sys
t = sorted(float(x) * 1000 for x in open(sys.argv[1]) if x.strip())
pick = lambda q: t[min(len(t) - 1, max(0, round(q * len(t) + 0.5) - 1))]
print(f"{pick(0.5):.1f}ms {pick(0.95):.1f}ms {pick(0.99):.1f}ms")
PY
  )
  echo "SUMMARY $name, $SERIES sequential calls: p50 $p50, p95 $p95, p99 $p99"
  results+=("| $name | $label ×$SERIES (curl, sequential) | p50 $p50 | p95 $p95, p99 $p99 | 0 |")
  echo
}

echo "benchmark: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $backend, history: $history"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (anything else busy on the machine skews the figures)"

run_wrk healthz '`GET /healthz`' /healthz "$CONNECTIONS"
healthz_rps="$RPS"
run_wrk by_id '`GET /open311/v2/requests/{id}.json`' "/open311/v2/requests/$id.json" "$CONNECTIONS"
by_id_rps="$RPS"
ratio="$(python3 -c "print(f'{float(\"$by_id_rps\")/float(\"$healthz_rps\"):.2f}')")"
echo "SUMMARY by_id/healthz ratio: $ratio (goal >= 0.6)"
echo
SC_IDS="$work/ids.txt" run_wrk by_id_many "\`GET /open311/v2/requests/{id}.json\`, $ids_n ids in turn" \
  /open311/v2/requests.json "$CONNECTIONS" -s "$work/many.lua"
many_ratio="$(python3 -c "print(f'{float(\"$RPS\")/float(\"$healthz_rps\"):.2f}')")"
echo "SUMMARY by_id_many/healthz ratio: $many_ratio"
echo

series filtered "\`GET $filtered\` ($filtered_n requests)" "$filtered"
echo "(goal: p99 < 10 ms)"
series viewport "\`GET $viewport\` ($viewport_n requests)" "$viewport"
echo "(goal: p95 < 20 ms)"
# The same queries with a parameter the server ignores but that makes each call a new query string: every call
# misses the server's kept lists (2 s, voided by any report write) and reads and renders the page.
series filtered_cold "\`GET $filtered\`, each call a new query string" "$filtered&bench_call=COUNTER"
series viewport_cold "\`GET $viewport\`, each call a new query string" "$viewport&bench_call=COUNTER"

SC_BODY="$work/submit.body" SC_CTYPE="$ctype" \
  run_wrk submit "\`POST /open311/v2/requests.json\` (multipart, one $(stat -c %s "$work/photo.jpg") B JPEG)" \
  /open311/v2/requests.json "$SUBMIT_CONNECTIONS" -s "$work/submit.lua"
echo "SUMMARY report submissions with a 2 MB photo: $RPS/s"
echo

echo "| scenario | request | requests/s | latency | non-2xx/3xx |"
echo "| --- | --- | ---: | ---: | ---: |"
printf '%s\n' "${results[@]}"
echo
echo "by_id/healthz ratio: $ratio, by_id_many/healthz ratio: $many_ratio"
