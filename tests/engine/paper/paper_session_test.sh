#!/usr/bin/env bash
# The main job's path end to end, bounded: starts peregrine-venue-sim on loopback, runs a paper
# session of `peregrine` with configs/paper.yaml and, while it runs, drives the control API on
# 127.0.0.1:8470 with curl: health, auth, a manual order that fills, closing that position, kill
# (every open order cancelled on every venue, checked against the simulator's /admin/truth) and
# /metrics. Then it checks report.json (market data arrived; Hyperliquid orders were signed,
# accepted by the simulator, which verifies every signature, and filled) and that
# `pgtool journal dump` reads the session's journal.
# Usage: paper_session_test.sh PEREGRINE VENUE_SIM SOURCE_DIR [PGTOOL]
set -euo pipefail
peregrine=$1 sim=$2 src=$3
pgtool=${4:-$(dirname "$peregrine")/pgtool}
work=$(mktemp -d)
sim_pid="" eng_pid=""
cleanup() {
  [ -n "$eng_pid" ] && kill "$eng_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "paper_session_test: $*" >&2
  [ -f "$work/out.txt" ] && { echo "--- peregrine output:" >&2; cat "$work/out.txt" >&2; }
  exit 1
}

for port in 8100 8101 8102 8103 8104 8470; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "paper_session_test: 127.0.0.1:$port is in use" >&2
    exit 1
  fi
done
"$sim" --quiet --duration 60 >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/8100) 2>/dev/null && break
  sleep 0.1
done

cd "$work"
cp -r "$src/configs" .
key="paper-session-test-key"
PEREGRINE_API_KEY=$key "$peregrine" --config configs/paper.yaml --duration 45s --quiet \
  --report "$work/report.json" >"$work/out.txt" 2>&1 &
eng_pid=$!

api=http://127.0.0.1:8470
# status BODYFILE METHOD PATH [BODY]: prints the HTTP status, body to BODYFILE (with the key).
call() {
  local out=$1 method=$2 path=$3 body=${4:-}
  if [ -n "$body" ]; then
    curl -s -m 5 -o "$out" -w '%{http_code}' -X "$method" -H "X-API-Key: $key" \
      -H 'Content-Type: application/json' --data "$body" "$api$path"
  else
    curl -s -m 5 -o "$out" -w '%{http_code}' -X "$method" -H "X-API-Key: $key" "$api$path"
  fi
}
# json FILE PYTHON-EXPR: evaluates EXPR with `j` = the parsed file; prints the result.
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
# until_true TRIES COMMAND...: retries every 0.2 s, bounded by count.
until_true() {
  local n=$1
  shift
  for _ in $(seq 1 "$n"); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

health_ok() { [ "$(call "$work/h.json" GET /api/health)" = 200 ]; }
until_true 100 health_ok || fail "/api/health never answered 200"
json "$work/h.json" j
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$api/api/health")
[ "$code" = 401 ] || fail "no key: expected 401, got $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "X-API-Key: wrong" "$api/api/positions")
[ "$code" = 401 ] || fail "wrong key: expected 401, got $code"

# A manual market order on a listing no strategy trades (ETH on Hyperliquid), so the position
# seen afterwards is ours alone.
eth_qty() {  # the signed ETH qty on Hyperliquid in /api/positions (0 when absent)
  call "$work/p.json" GET /api/positions >/dev/null
  json "$work/p.json" "sum(float(p['qty']) for p in j['positions'] if p['venue']=='hyperliquid' and p['symbol']=='ETH')"
}
eth_is() { [ "$(eth_qty)" = "$1" ]; }
books_ready() {  # both venues' ETH books valid in the engine: a market order can be priced
  code=$(call "$work/o.json" POST /api/orders \
    '{"venue":"hyperliquid","symbol":"ETH","side":"buy","qty":"0.01","type":"market"}')
  [ "$code" = 200 ]
}
until_true 50 books_ready || fail "manual market order: $(cat "$work/o.json")"
until_true 50 eth_is 0.01 || fail "manual fill not visible in /api/positions: $(cat "$work/p.json")"
echo "manual order filled: $(cat "$work/o.json")"

code=$(call "$work/c.json" POST /api/positions/ETH/close '{"venue":"hyperliquid"}')
[ "$code" = 200 ] || fail "close: $code $(cat "$work/c.json")"
until_true 50 eth_is 0.0 || fail "position not flat after close: $(cat "$work/p.json")"
echo "closed: $(cat "$work/c.json")"

# Resting orders 3% through the book on two venues, then kill.
curl -s -m 5 -o "$work/t.json" http://127.0.0.1:8100/admin/truth
hl_px=$(json "$work/t.json" "'%.1f' % (float(j['venues']['hyperliquid']['books']['ETH']['bids'][0][0]) * 0.97)")
bn_px=$(json "$work/t.json" "'%.2f' % (float(j['venues']['binance']['books']['ETHUSDT']['bids'][0][0]) * 0.97)")
code=$(call "$work/o1.json" POST /api/orders \
  "{\"venue\":\"hyperliquid\",\"symbol\":\"ETH\",\"side\":\"buy\",\"qty\":\"0.01\",\"price\":\"$hl_px\"}")
[ "$code" = 200 ] || fail "resting order on hyperliquid: $code $(cat "$work/o1.json")"
code=$(call "$work/o2.json" POST /api/orders \
  "{\"venue\":\"binance\",\"symbol\":\"ETHUSDT\",\"side\":\"buy\",\"qty\":\"0.01\",\"price\":\"$bn_px\"}")
[ "$code" = 200 ] || fail "resting order on binance: $code $(cat "$work/o2.json")"
# open_orders VENUE: how many orders rest on the simulator for that venue (every account).
open_orders() {
  curl -s -m 5 -o "$work/t.json" http://127.0.0.1:8100/admin/truth || return 1
  json "$work/t.json" "sum(len(a['open_orders']) for a in j['venues']['$1']['accounts'])"
}
resting() { [ "$(open_orders hyperliquid)" -ge 1 ] && [ "$(open_orders binance)" -ge 1 ]; }
until_true 50 resting || fail "resting orders never reached the simulator"

code=$(call "$work/k.json" POST /api/kill)
[ "$code" = 202 ] || fail "kill: $code $(cat "$work/k.json")"
all_cancelled() { [ "$(open_orders hyperliquid)" = 0 ] && [ "$(open_orders binance)" = 0 ]; }
until_true 50 all_cancelled || fail "open orders left on the simulator after kill: $(cat "$work/t.json")"
call "$work/r.json" GET /api/risk >/dev/null
[ "$(json "$work/r.json" "j['kill_switch']")" = True ] || fail "risk after kill: $(cat "$work/r.json")"
code=$(call "$work/d.json" POST /api/orders \
  "{\"venue\":\"binance\",\"symbol\":\"ETHUSDT\",\"side\":\"buy\",\"qty\":\"0.01\",\"price\":\"$bn_px\"}")
[ "$code" = 422 ] || fail "order after kill: expected 422, got $code $(cat "$work/d.json")"
echo "kill: every open order cancelled on hyperliquid and binance; later orders denied"

code=$(call "$work/m.txt" GET /metrics)
[ "$code" = 200 ] || fail "/metrics: $code"
grep -q 'peregrine_stage_latency_seconds_bucket{stage="md_to_strategy"' "$work/m.txt" ||
  fail "/metrics has no stage histogram"
grep -q 'peregrine_stage_latency_seconds_count{stage="submit_to_queued"}' "$work/m.txt" ||
  fail "/metrics has no submit_to_queued histogram"

kill -INT "$eng_pid"
wait "$eng_pid" || fail "peregrine exited with an error"
eng_pid=""
cat "$work/out.txt"

python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
hl = r["venues"]["hyperliquid"]
assert r["md_events"] > 1000, f"too few market-data events: {r['md_events']}"
assert hl["orders"] >= 1, f"no Hyperliquid orders: {hl}"
assert hl["fills"] >= 1, f"no Hyperliquid fills: {hl}"
assert r["latency_ns"]["md_to_strategy"]["count"] > 0
assert r["risk_state"] == "halted", r["risk_state"]
print("paper session OK:", "md_events", r["md_events"], "hyperliquid", hl)
PY

journal=$(ls "$work"/journal/paper/session-*.pgj 2>/dev/null | head -1)
[ -n "$journal" ] || fail "no journal file under journal/paper"
grep -q "journal: .*session-.*records written" "$work/out.txt" || fail "no journal note"
[ -x "$pgtool" ] || fail "pgtool not found at $pgtool"
"$pgtool" journal dump "$journal" >"$work/dump.txt" || fail "pgtool journal dump failed"
records=$(wc -l <"$work/dump.txt")
grep -q order_intent "$work/dump.txt" || fail "journal has no order_intent: $(head -5 "$work/dump.txt")"
grep -q order_denied "$work/dump.txt" || fail "journal has no order_denied"
echo "journal OK: $journal, $records lines dumped"
