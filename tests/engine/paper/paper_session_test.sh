#!/usr/bin/env bash
# The main job's path end to end, bounded: starts peregrine-venue-sim on loopback, runs a paper
# session of `peregrine` with configs/paper.yaml for a few seconds, and checks report.json:
# market data arrived and the Hyperliquid strategy's orders were signed, accepted by the
# simulator (which verifies every signature) and filled.
# Usage: paper_session_test.sh PEREGRINE VENUE_SIM SOURCE_DIR
set -euo pipefail
peregrine=$1 sim=$2 src=$3
work=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

for port in 8100 8101 8102 8103 8104; do
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
"$peregrine" --config configs/paper.yaml --duration 8s --quiet --report "$work/report.json" \
  >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
cat "$work/out.txt"

python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
hl = r["venues"]["hyperliquid"]
assert r["md_events"] > 1000, f"too few market-data events: {r['md_events']}"
assert hl["orders"] >= 1, f"no Hyperliquid orders: {hl}"
assert hl["fills"] >= 1, f"no Hyperliquid fills: {hl}"
assert r["latency_ns"]["md_to_strategy"]["count"] > 0
print("paper session OK:", "md_events", r["md_events"], "hyperliquid", hl)
PY
