#!/usr/bin/env bash
# `peregrine replay` from the command line: byte-identical journals for identical runs, a
# different seed changes the journal, exit code 2 with a clear message for bad flags and
# inputs, and the main path's --check still works.
# Usage: replay_cli_test.sh PEREGRINE_BINARY SOURCE_DIR
set -u
bin="$1"
src="$2"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
fail=0
check() {  # check NAME EXPECTED_RC ACTUAL_RC
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: exit $3, expected $2"
    fail=1
  else
    echo "ok: $1"
  fi
}

cat > "$dir/replay.yaml" <<YAML
engine:
  mode: paper
  journal_dir: $dir/journal
venues:
  binance:
    enabled: true
    rest_url: http://127.0.0.1:8102
    ws_url: ws://127.0.0.1:8102
    api_key: test-key
    api_secret: test-secret
instruments:
  - asset: BTC
    venues:
      binance: {symbol: BTCUSDT, tick: "0.10", lot: "0.001", min_notional: "5",
                maker_fee: "0.0002", taker_fee: "0.0005"}
risk:
  max_order_qty: "5"
  max_order_notional: "1000000"
  max_position_notional: "2000000"
  max_gross_exposure: "5000000"
  max_open_orders: 200
  max_orders_per_sec: 50
  price_collar_pct: "5"
  max_daily_loss: "5000"
  max_drawdown: "10000"
strategies:
  - name: twap_btc
    type: twap
    venue: binance
    asset: BTC
    params: {side: buy, total_qty: "0.4", duration: 8s, slices: "4", slice_type: limit}
YAML

# A synthetic USD-M capture: snapshot, then trades into the 100.00 bid and diffs refilling it.
cap="$dir/btcusdt_20250101.txt"
t0=1735689600000000000
ms=1735689600000
{
  echo "$t0 {\"lastUpdateId\":100,\"E\":$ms,\"T\":$ms,\"bids\":[[\"100.00\",\"5.000\"],[\"99.90\",\"2.000\"]],\"asks\":[[\"100.10\",\"3.000\"],[\"100.20\",\"4.000\"]]}"
  u=100
  for i in $(seq 1 200); do
    ts=$((t0 + i * 50000000))
    m=$((ms + i * 50))
    echo "$ts {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":$m,\"T\":$m,\"s\":\"BTCUSDT\",\"t\":$i,\"p\":\"100.00\",\"q\":\"0.700\",\"X\":\"MARKET\",\"m\":true}}"
    echo "$((ts + 1000)) {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":$m,\"T\":$m,\"s\":\"BTCUSDT\",\"U\":$((u + 1)),\"u\":$((u + 2)),\"pu\":$u,\"b\":[[\"100.00\",\"5.000\"]],\"a\":[]}}"
    u=$((u + 2))
  done
} > "$cap"

run() { "$bin" replay --config "$dir/replay.yaml" --input "$cap" --quiet "$@"; }

run --journal "$dir/a.pgj" --latency lognormal:3ms,0.5 --seed 5 > "$dir/a.out" 2>&1
check "replay run a" 0 $?
run --journal "$dir/b.pgj" --latency lognormal:3ms,0.5 --seed 5 > "$dir/b.out" 2>&1
check "replay run b" 0 $?
if cmp -s "$dir/a.pgj" "$dir/b.pgj"; then echo "ok: identical journals"; else
  echo "FAIL: journals of identical runs differ"; fail=1; fi
run --journal "$dir/c.pgj" --latency lognormal:3ms,0.5 --seed 6 > /dev/null 2>&1
check "replay run c" 0 $?
if cmp -s "$dir/a.pgj" "$dir/c.pgj"; then echo "FAIL: another seed gave the same journal"; fail=1
else echo "ok: another seed changes the journal"; fi
grep -q "msgs/s" "$dir/a.out" || { echo "FAIL: no throughput line"; fail=1; }
grep -q "twap_btc" "$dir/a.out" || true
[ -s "$dir/a.report.json" ] || { echo "FAIL: no report.json beside the journal"; fail=1; }

# Default journal path: <journal_dir>/replay-<input stem>.pgj
run > /dev/null 2>&1
check "default journal" 0 $?
[ -s "$dir/journal/replay-btcusdt_20250101.pgj" ] || { echo "FAIL: default journal missing"; fail=1; }

expect2() {  # expect2 NAME ARGS...: exit 2 and a message on stderr
  local name="$1"
  shift
  "$bin" "$@" > /dev/null 2> "$dir/err"
  local rc=$?
  check "$name" 2 $rc
  [ -s "$dir/err" ] || { echo "FAIL: $name: no message"; fail=1; }
}
expect2 "missing input" replay --config "$dir/replay.yaml" --input "$dir/nope.gz"
printf 'garbage\x00\x01\n' > "$dir/garbled.gz"
expect2 "garbled input" replay --config "$dir/replay.yaml" --input "$dir/garbled.gz"
expect2 "unknown flag" replay --config "$dir/replay.yaml" --input "$cap" --bogus
expect2 "bad latency" replay --config "$dir/replay.yaml" --input "$cap" --latency fast
expect2 "bad seed" replay --config "$dir/replay.yaml" --input "$cap" --seed x
expect2 "bad md-journal" replay --config "$dir/replay.yaml" --input "$cap" --md-journal some
expect2 "no input" replay --config "$dir/replay.yaml"
expect2 "no config" replay --input "$cap"
"$bin" replay --help > /dev/null 2>&1
check "replay --help" 0 $?
"$bin" --config "$src/configs/paper.yaml" --check > /dev/null 2>&1
check "main path --check still works" 0 $?
"$bin" > /dev/null 2>&1
check "main path without --config" 2 $?

exit $fail
