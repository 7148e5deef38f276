#!/usr/bin/env bash
# Payments benchmark (issue 4), over loopback only, against `smartcity serve --demo` with the built-in
# VNPay sandbox (its published test secret signs our callbacks):
#   (a) GET /healthz ceiling;
#   (b) IPN callbacks/s with signature verification: wrk replays one correctly signed VNPay notification
#       for an order already paid — every call verifies the HMAC-SHA512, reads the order, answers
#       {"RspCode":"02"} and appends the refusal to the audit log and the payment's history;
#   (c) receipt issuance under contention: ORDERS dossiers of 1.004194 (15 000 đ) are submitted and an
#       online payment opened for each, then all their genuine notifications are fired at once from
#       PARALLEL threads; each one settles its order and takes the next receipt number in one transaction.
#       Reports settlements/s and checks the numbers are exactly 1..N+demo with no gap or duplicate.
#
#   bench/payments.sh                 # cargo build --release, then benchmark
#   bench/payments.sh --no-build      # use the existing binary
#   SMARTCITY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/payments.sh --no-build
#
# Env: DURATION (default 10s), CONNECTIONS (default 32), THREADS (default 1), ORDERS (default 300),
#      PARALLEL (default 32), CARGO_TARGET_DIR, SMARTCITY_BIN, SMARTCITY_DATABASE_URL, RUST_LOG (warn).
# Prints one SUMMARY line per scenario and a markdown table for bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../e2e/server.sh
source "$ROOT/e2e/server.sh"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
ORDERS="${ORDERS:-300}"
PARALLEL="${PARALLEL:-32}"
export RUST_LOG="${RUST_LOG:-warn}"
# The sandbox's merchant (crates/web/src/payments/mod.rs): public test credentials, no real money.
TMN_CODE=HUESBX01
SECRET=HUE-SANDBOX-SECRET-NOT-FOR-REAL-MONEY

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

work="$(mktemp -d /tmp/smartcity-bench-payments.XXXXXX)"
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
sc_start_server "$work/server.log" "$work/data" "${db[@]}"
server_pid="$SC_PID"
URL="$SC_URL"

# Prepare with Python (stdlib only): log in, submit ORDERS dossiers, open their payments, sign the
# notifications exactly as VNPay does, pay the first one, write the replay query for wrk.
python3 - "$URL" "$ORDERS" "$TMN_CODE" "$SECRET" "$work" <<'PY'
import concurrent.futures, hashlib, hmac, http.cookiejar, json, sys, time, urllib.parse, urllib.request
url, orders, tmn, secret, work = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
def call(method, path, body=None, headers=None):
    req = urllib.request.Request(url + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with opener.open(req) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
status, me = call("POST", "/api/v1/auth/login", {"identifier": "citizen@hue.demo", "password": "demo-citizen-2026"})
assert status == 200, me
csrf = {"X-CSRF-Token": me["csrf_token"]}
status, proc = call("GET", "/api/v1/procedures/1.004194")
assert status == 200, proc
pdf = "JVBERi0xLjQKJSBiZW5jaAo="  # "%PDF-1.4\n% bench\n"
submission = {"procedure_code": "1.004194", "unit_code": "19753",
              "form": {f["key"]: "Bench" for f in proc["form_fields"] if f.get("required")},
              "documents": [{"document_key": d["key"], "file_name": d["key"] + ".pdf", "content_base64": pdf}
                            for d in proc["documents"] if d.get("required")]}
def encode(s):  # PHP urlencode, as VNPay signs
    return urllib.parse.quote_plus(s, safe="-_.")
def signed(params):
    data = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()) if v)
    return data + "&vnp_SecureHash=" + hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()
def order(_):
    status, d = call("POST", "/api/v1/dossiers", submission, csrf)
    assert status == 201, d
    status, p = call("POST", f"/api/v1/dossiers/{d['code']}/payments", {}, csrf)
    assert status == 201, p
    return signed({"vnp_Amount": str(p["amount_vnd"] * 100), "vnp_BankCode": "NCB", "vnp_CardType": "ATM",
                   "vnp_OrderInfo": "Bench", "vnp_PayDate": time.strftime("%Y%m%d%H%M%S"), "vnp_ResponseCode": "00",
                   "vnp_TmnCode": tmn, "vnp_TransactionNo": "1", "vnp_TransactionStatus": "00",
                   "vnp_TxnRef": p["txn_ref"]}), p["id"]
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    prepared = list(pool.map(order, range(orders + 1)))
print(f"prepared {orders + 1} dossiers with open payments in {time.time() - t0:.1f} s")
replay, _ = prepared[0]
with urllib.request.urlopen(url + "/payments/vnpay/ipn?" + replay) as r:
    first = json.loads(r.read())
assert first["RspCode"] == "00", first
with urllib.request.urlopen(url + "/payments/vnpay/ipn?" + replay) as r:
    again = json.loads(r.read())
assert again["RspCode"] == "02", again
open(f"{work}/replay.txt", "w").write("/payments/vnpay/ipn?" + replay)
json.dump(prepared[1:], open(f"{work}/orders.json", "w"))
PY

# (c) runs first, so the replay's audit rows do not slow the settlements.
settle_line="$(python3 - "$URL" "$work" "$PARALLEL" <<'PY'
import concurrent.futures, json, sys, time, urllib.request, http.cookiejar
url, work, parallel = sys.argv[1], sys.argv[2], int(sys.argv[3])
orders = json.load(open(f"{work}/orders.json"))
def fire(o):
    with urllib.request.urlopen(url + "/payments/vnpay/ipn?" + o[0]) as r:
        return json.loads(r.read())["RspCode"]
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
    codes = list(pool.map(fire, orders))
elapsed = time.time() - t0
assert codes.count("00") == len(orders), {c: codes.count(c) for c in set(codes)}
# Every paid order has exactly one receipt; numbers form one gap-free run.
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
req = urllib.request.Request(url + "/api/v1/auth/login", method="POST", headers={"Content-Type": "application/json"},
                             data=json.dumps({"identifier": "citizen@hue.demo", "password": "demo-citizen-2026"}).encode())
opener.open(req).read()
def receipt(o):
    with opener.open(url + "/api/v1/payments/" + o[1]) as r:
        p = json.loads(r.read())
    assert p["status"] == "paid" and len(p["receipts"]) == 1, p
    return int(p["receipts"][0].rsplit("/", 1)[1])
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    numbers = sorted(pool.map(receipt, orders))
assert len(set(numbers)) == len(numbers) and numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers[:10]
print(f"{len(orders) / elapsed:.0f} {elapsed:.2f} {numbers[0]} {numbers[-1]}")
PY
)"
read -r settle_rps settle_secs first_no last_no <<<"$settle_line"
echo "SUMMARY receipts: $ORDERS genuine notifications from $PARALLEL threads settled in ${settle_secs} s = ${settle_rps}/s, receipt numbers ${first_no}..${last_no} with no gap or duplicate"

results=()
RPS="" P99=""
run_wrk() {
  local name="$1" label="$2" path="$3" out non2xx
  out="$work/wrk-$name.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$URL$path" >"$out"
  cat "$out"
  RPS="$(awk '/^Requests\/sec:/{print $2}' "$out")"
  P99="$(awk '$1 == "99%" {print $2}' "$out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$out")"
  results+=("| $name | $label | $RPS | $P99 | ${non2xx:-0} |")
  echo "SUMMARY $name: ${RPS} req/s, p99 ${P99}${non2xx:+, non-2xx/3xx ${non2xx}}"
  echo
}

echo "benchmark: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $backend"
echo "load average before wrk: $(cut -d' ' -f1-3 /proc/loadavg)"
run_wrk healthz '`GET /healthz`' /healthz
run_wrk ipn-replay '`GET /payments/vnpay/ipn` (signed, already paid → RspCode 02, audited)' "$(cat "$work/replay.txt")"
echo "SUMMARY IPN callbacks/s with signature verification: $RPS (goal >= 5,000/s on SQLite)"
echo
echo "| scenario | request | requests/s | p99 latency | non-2xx/3xx |"
echo "| --- | --- | ---: | ---: | ---: |"
printf '%s\n' "${results[@]}"
echo "| receipts | $ORDERS genuine IPNs at once ($PARALLEL threads): settle + receipt number + receipt | ${settle_rps} | – | 0 |"
