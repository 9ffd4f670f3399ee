#!/usr/bin/env bash
# The README's first command as CI runs it: tools/run for 20 s (with the binaries this build
# made, so no second build), then report.json must show orders and fills on every venue and
# fills from every enabled strategy type (Fibonacci hedger on Hyperliquid, cross-venue arbitrage
# on Binance/Bybit, TWAP on Coinbase).
#   main_job_test.sh BIN_DIR SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$src/tools/run" --duration 20 --bin-dir "$bin" --run-dir "$work/run" >"$work/out.txt" 2>&1 || {
  echo "main_job_test: tools/run failed:" >&2
  cat "$work/out.txt" >&2
  exit 1
}
cat "$work/out.txt"
python3 - "$work/run/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = []
for v in ("hyperliquid", "binance", "bybit", "coinbase"):
    s = r["venues"].get(v)
    if not s or s.get("orders", 0) < 1 or s.get("fills", 0) < 1:
        bad.append(f"{v}: {s}")
if bad:
    sys.exit("venues without orders and fills: " + "; ".join(bad))
print("main job OK: fills on every venue:",
      {v: r["venues"][v]["fills"] for v in ("hyperliquid", "binance", "bybit", "coinbase")})
PY
