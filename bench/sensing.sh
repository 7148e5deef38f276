#!/usr/bin/env bash
# Sensing benchmark (issue 7), over loopback on SQLite:
#   (a) CreateObservations: POST /sta/v1.1/CreateObservations (dataArray bodies of ROWS_PER_REQUEST rows,
#       REQUESTS requests, 2 in parallel) as the demo IOC operator -> observations/s committed;
#   (b) the same rows inserted raw into a fresh SQLite file with the same table and index, by the sqlite3 shell,
#       multi-row INSERTs of 500 rows, one transaction per request-sized batch -> rows/s, and the ratio (a)/(b);
#   (c) MQTT: MQTT_MESSAGES Observations published with mosquitto_pub at QoS 1 to
#       v1.1/Datastreams(id)/Observations on 127.0.0.1:1883 -> messages/s committed (first publish to last row).
#       MQTT_OWN_BROKER=1 runs its own Mosquitto on 127.0.0.1:MQTT_PORT (18883) configured for throughput
#       (MQTT_INFLIGHT QoS 1 messages in flight per client instead of 20, a deep queue, no persistence) — EXPERIMENTAL:
#       in its first (debug-build) run the platform's ingest queue overflowed (sensing_mqtt_dropped_total > 0), so the
#       window is not yet safe;
#   (d) a $filtered Observations page (result gt 50, newest first, $top=100) over FILTER_ROWS rows of one
#       Datastream (generated straight into the database) -> p50/p95 of PAGE_RUNS sequential requests.
#
#   bench/sensing.sh               # cargo build --release, then benchmark
#   bench/sensing.sh --no-build    # use the existing binary
#   FILTER_ROWS=10000000 bench/sensing.sh --no-build
#
# Env: REQUESTS (40), ROWS_PER_REQUEST (5000), MQTT_MESSAGES (100000), FILTER_ROWS (2000000), PAGE_RUNS (200),
#      MQTT_OWN_BROKER (0), MQTT_PORT (1883, or 18883 with its own broker), MQTT_INFLIGHT (5000),
#      CARGO_TARGET_DIR, SMARTCITY_BIN, RUST_LOG (warn). Prints SUMMARY lines and a markdown table.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../e2e/server.sh
source "$ROOT/e2e/server.sh"

REQUESTS="${REQUESTS:-40}"
ROWS_PER_REQUEST="${ROWS_PER_REQUEST:-5000}"
MQTT_MESSAGES="${MQTT_MESSAGES:-100000}"
FILTER_ROWS="${FILTER_ROWS:-2000000}"
PAGE_RUNS="${PAGE_RUNS:-200}"
MQTT_OWN_BROKER="${MQTT_OWN_BROKER:-0}"
if ((MQTT_OWN_BROKER)); then MQTT_PORT="${MQTT_PORT:-18883}"; else MQTT_PORT="${MQTT_PORT:-1883}"; fi
MQTT_INFLIGHT="${MQTT_INFLIGHT:-5000}"
export RUST_LOG="${RUST_LOG:-warn}"

build=1
if [[ "${1:-}" == --no-build ]]; then build=0; fi
if ((build)); then cargo build --release -p smartcity; fi
for tool in sqlite3 mosquitto_pub curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

work="$(mktemp -d /tmp/smartcity-bench-sensing.XXXXXX)"
server_pid=""
broker_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && sc_stop_server "$server_pid"
  [[ -n "$broker_pid" ]] && kill "$broker_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if ((MQTT_OWN_BROKER)); then
  command -v mosquitto >/dev/null || { echo "mosquitto is required (or MQTT_OWN_BROKER=0)" >&2; exit 1; }
  # Mosquitto's defaults (20 in flight per client, 1000 queued) bound a QoS 1 consumer to a few thousand messages/s
  # and drop what the publisher sends beyond the queue. The in-flight window stays below the platform's ingest
  # queue (10,000), so the broker never sends more than the platform can hold unacknowledged.
  cat >"$work/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages $MQTT_INFLIGHT
max_queued_messages 1000000
max_queued_bytes 0
CONF
  mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  broker_pid=$!
  sleep 0.5
fi

client_id="bench-$$-$RANDOM"
sc_start_server "$work/server.log" "$work/data" --mqtt-url "mqtt://127.0.0.1:$MQTT_PORT" --mqtt-client-id "$client_id"
server_pid="$SC_PID"
URL="$SC_URL"
DB="$work/data/smartcity.db"

# Log in as the demo IOC operator (STA writes need the IOC role): session cookie + CSRF token.
curl -s -o "$work/login.json" -D "$work/login.headers" -H 'Content-Type: application/json' \
  -d '{"identifier":"ioc@hue.demo","password":"demo-ioc-2026"}' "$URL/api/v1/auth/login" >/dev/null
session="$(sed -n 's/^[Ss]et-[Cc]ookie: *sc_session=\([^;[:space:]]*\).*/\1/p' "$work/login.headers" | tail -n 1)"
csrf="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$work/login.json")"
auth=(-H "Cookie: sc_session=$session" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json')

# Three Datastreams of one bench Thing: HTTP ingest, MQTT ingest, the $filter page.
new_stream() {
  curl -s "${auth[@]}" -d "{\"name\":\"bench $1\",\"description\":\"bench\",\"properties\":{\"kind\":\"bench\"},
    \"Datastreams\":[{\"name\":\"$1\",\"description\":\"bench\",\"unitOfMeasurement\":{\"symbol\":\"µg/m³\"},
    \"observationType\":\"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement\",
    \"Sensor\":{\"name\":\"s\",\"description\":\"s\",\"encodingType\":\"text/plain\",\"metadata\":\"\"},
    \"ObservedProperty\":{\"name\":\"p\",\"definition\":\"d\",\"description\":\"d\"}}]}" "$URL/sta/v1.1/Things" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["@iot.id"])' >/dev/null
  sqlite3 "$DB" "SELECT MAX(id) FROM sta_datastreams"
}
ds_http="$(new_stream http)"
ds_mqtt="$(new_stream mqtt)"
ds_page="$(new_stream page)"
count_of() { sqlite3 "$DB" "SELECT COUNT(*) FROM sta_observations WHERE datastream_id = $1"; }

# Bodies and the same rows as raw SQL.
python3 - "$work" "$ds_http" "$REQUESTS" "$ROWS_PER_REQUEST" <<'PY'
import json, sys, datetime
work, ds, requests, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
sql = open(f"{work}/raw.sql", "w")
sql.write("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;\n")
sql.write("CREATE TABLE o (id INTEGER PRIMARY KEY, datastream_id INTEGER NOT NULL, phenomenon_time INTEGER NOT NULL, "
          "phenomenon_time_end INTEGER, result_number REAL, result_text TEXT, result_json TEXT, result_time INTEGER, "
          "result_quality TEXT, valid_time TEXT, parameters TEXT, feature_id INTEGER, dedup_key TEXT);\n"
          "CREATE INDEX o_idx ON o(datastream_id, phenomenon_time, id);\n"
          "CREATE UNIQUE INDEX o_dedup ON o(dedup_key) WHERE dedup_key IS NOT NULL;\n")
n = 0
for r in range(requests):
    data = []
    sql.write("BEGIN;\n")
    values = []
    for i in range(rows):
        t = t0 + datetime.timedelta(seconds=n)
        v = round((n * 7919) % 1000 / 10, 1)
        data.append([t.strftime("%Y-%m-%dT%H:%M:%SZ"), v])
        us = int(t.timestamp()) * 1_000_000
        n += 1
        values.append(f"({n},{ds},{us},NULL,{v},NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL)")
        if len(values) == 500:
            sql.write("INSERT INTO o VALUES " + ",".join(values) + ";\n")
            values = []
    if values:
        sql.write("INSERT INTO o VALUES " + ",".join(values) + ";\n")
    sql.write("COMMIT;\n")
    json.dump([{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": data}],
              open(f"{work}/body-{r}.json", "w"))
PY
total=$((REQUESTS * ROWS_PER_REQUEST))

# (a) CreateObservations, two requests in flight.
start=$(date +%s.%N)
seq 0 $((REQUESTS - 1)) | xargs -P 2 -I{} curl -s -o /dev/null -w '%{http_code}\n' "${auth[@]}" \
  --data-binary "@$work/body-{}.json" "$URL/sta/v1.1/CreateObservations" >"$work/codes.txt"
end=$(date +%s.%N)
stored="$(count_of "$ds_http")"
bad="$(grep -vc '^201$' "$work/codes.txt" || true)"
http_rate="$(python3 -c "print(round($stored / ($end - $start)))")"
echo "SUMMARY create_observations rows=$stored seconds=$(python3 -c "print(round($end - $start, 2))") rate=$http_rate non201=$bad"

# (b) the same rows, raw.
start=$(date +%s.%N)
sqlite3 "$work/raw.db" <"$work/raw.sql" >/dev/null
end=$(date +%s.%N)
raw_rate="$(python3 -c "print(round($total / ($end - $start)))")"
ratio="$(python3 -c "print(round($http_rate / $raw_rate, 2))")"
echo "SUMMARY raw_sqlite rows=$total rate=$raw_rate ratio=$ratio"

# (c) MQTT QoS 1.
python3 - "$work/mqtt.txt" "$MQTT_MESSAGES" <<'PY'
import sys, datetime
t0 = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        t = (t0 + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        f.write('{"phenomenonTime":"%s","result":%d}\n' % (t, i % 300))
PY
start=$(date +%s.%N)
mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -M 1000 -i "$client_id-pub" -t "v1.1/Datastreams($ds_mqtt)/Observations" -l <"$work/mqtt.txt"
# Until every message is stored or nothing arrived for 3 s (Mosquitto drops QoS 1 messages beyond its per-client
# queue, max_queued_messages = 1000 by default, when the publisher outruns the subscriber).
last=0
end=$(date +%s.%N)
stall=$((SECONDS + 3))
while ((SECONDS < stall)); do
  now_count="$(count_of "$ds_mqtt")"
  if ((now_count > last)); then last=$now_count; end=$(date +%s.%N); stall=$((SECONDS + 3)); fi
  ((now_count >= MQTT_MESSAGES)) && break
  sleep 0.05
done
mqtt_stored="$(count_of "$ds_mqtt")"
mqtt_rate="$(python3 -c "print(round($mqtt_stored / ($end - $start)))")"
echo "SUMMARY mqtt_qos1 messages=$MQTT_MESSAGES committed=$mqtt_stored rate=$mqtt_rate dropped=$(curl -s "$URL/metrics" | grep -E '^sensing_mqtt_dropped_total' | awk '{print $2}' || echo 0)"

# (d) $filtered page over FILTER_ROWS rows of one Datastream (written straight into the database).
sqlite3 "$DB" "PRAGMA busy_timeout=10000;
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $FILTER_ROWS)
  INSERT INTO sta_observations (id, datastream_id, phenomenon_time, result_number)
  SELECT (SELECT COALESCE(MAX(id), 0) FROM sta_observations) + i, $ds_page, 1767225600000000 + i * 1000000, (i * 7919) % 1000 / 10.0 FROM n;" >/dev/null
page="$URL/sta/v1.1/Datastreams($ds_page)/Observations?\$filter=result%20gt%2050&\$orderby=phenomenonTime%20desc&\$top=100"
: >"$work/times.txt"
for _ in $(seq 1 "$PAGE_RUNS"); do
  curl -s -o /dev/null -w '%{time_total}\n' "$page" >>"$work/times.txt"
done
# A page deep in the keyset: follow five next links from the first page.
next="$page"
for _ in 1 2 3 4 5; do
  next="$(curl -s "$next" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("@iot.nextLink",""))')"
done
deep="$(curl -s -o /dev/null -w '%{time_total}' "$next")"
read -r p50 p95 <<<"$(python3 -c "
import sys
t = sorted(float(x) for x in open('$work/times.txt'))
print(round(t[len(t)//2]*1000, 2), round(t[int(len(t)*0.95)]*1000, 2))")"
echo "SUMMARY filter_page rows=$FILTER_ROWS p50_ms=$p50 p95_ms=$p95 sixth_page_ms=$(python3 -c "print(round($deep*1000, 2))")"

cat <<EOF

| scenario | volume | result |
| --- | ---: | ---: |
| CreateObservations (dataArray, $ROWS_PER_REQUEST rows/request, 2 in flight) | $stored rows | $http_rate obs/s |
| raw sqlite3 multi-row INSERT of the same rows | $total rows | $raw_rate rows/s (ratio $ratio) |
| MQTT QoS 1 via mosquitto_pub, committed | $mqtt_stored msgs | $mqtt_rate msg/s |
| \$filter page (result gt 50, newest first, \$top=100) | $FILTER_ROWS rows in the stream | p50 $p50 ms, p95 $p95 ms |
EOF
