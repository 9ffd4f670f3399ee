#!/usr/bin/env bash
# pgtool's command line: vector outputs, exit codes and one-line errors. Usage: pgtool_cli_test.sh PGTOOL
set -u
pg=$1
fail=0
key=0x0123456789012345678901234567890123456789012345678901234567890123

expect_out() {  # name expected-stdout command...
  local name=$1 want=$2
  shift 2
  local got
  got=$("$@" 2>/dev/null)
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: got '$got' want '$want'"
    fail=1
  else
    echo "ok   $name"
  fi
}

expect_err() {  # name exit-code stderr-substring command...
  local name=$1 code=$2 want=$3
  shift 3
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" != "$code" ] || [[ "$err" != *"$want"* ]] || [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then
    echo "FAIL $name: rc=$rc stderr='$err' (want rc=$code containing '$want', one line)"
    fail=1
  else
    echo "ok   $name"
  fi
  if [[ "$err" == *"${key#0x}"* ]]; then echo "FAIL $name: the key leaked into stderr"; fail=1; fi
}

# py_dummy_mainnet vector (r zero-padded to 64 digits).
expect_out l1_dummy_vector \
  '{"connectionId":"0xf528daee6a0bd11407b483cfcd9a48c56884180b70ee86f124053e5fc1bf4d57","r":"0x053749d5b30552aeb2fca34b530185976545bb22d0b3ce6f62e31be961a59298","s":"0x755c40ba9bf05223521753995abb2f73ab3229be8ec921f350cb447e384d8ed8","v":27}' \
  "$pg" hl sign --key "$key" --action '{"type":"dummy","num":100000000000}' --nonce 0
# py_usd_send_testnet vector (user-signed, recognised by type).
expect_out user_signed_vector \
  '{"r":"0x637b37dd731507cdd24f46532ca8ba6eec616952c56218baeff04144e4a77073","s":"0x11a6a24900e6e314136d2592e2f8d502cd89b7c15b198e1bee043c9589f9fad7","v":27}' \
  "$pg" hl sign --key "$key" --action '{"destination":"0x5e9ee1089755c3435139848e47e6635505d5a13a","amount":"1","time":1687816341423,"type":"usdSend","signatureChainId":"0x66eee","hyperliquidChain":"Testnet"}'
# ts_action_hash_with_vault_and_expires_after: connectionId.
got=$("$pg" hl sign --key "$key" --nonce 1234567890 --vault 0x1234567890123456789012345678901234567890 --expires-after 1234567890 \
  --action '{"type":"order","orders":[{"a":0,"b":true,"p":"30000","s":"0.1","r":false,"t":{"limit":{"tif":"Gtc"}}}],"grouping":"na"}')
if [[ "$got" == '{"connectionId":"0x2d62412aa0fc57441b5189841d81554a6a9680bf07204e1454983a9ca44f0744"'* ]]; then
  echo "ok   vault_expires_connection_id"
else
  echo "FAIL vault_expires_connection_id: $got"; fail=1
fi
expect_out wire_ok '{"px":"1670.1","sz":"0.0147"}' "$pg" hl wire --px 1670.10 --sz 0.01470 --sz-decimals 4
expect_err wire_invalid 1 "price 1670.123: too many decimals" "$pg" hl wire --px 1670.123 --sz 1 --sz-decimals 4
expect_err bad_key 2 "--key: private key must be 32 bytes of hex" "$pg" hl sign --key 0x12 --action '{"type":"noop"}'
expect_err bad_json 2 "action: bad JSON" "$pg" hl sign --key "$key" --action '{"type":"noop"'
expect_err float 2 "floats are not allowed" "$pg" hl sign --key "$key" --action '{"type":"order","p":1.5}'
expect_err no_type 2 "string \"type\"" "$pg" hl sign --key "$key" --action '{"a":1}'
expect_err unknown_cmd 2 "unknown command 'hl frob'" "$pg" hl frob
expect_err unknown_flag 2 "unknown argument '--bogus'" "$pg" hl sign --bogus
expect_err missing_env 2 "environment variable PEREGRINE_NO_SUCH_VAR is not set" \
  "$pg" hl sign --key env:PEREGRINE_NO_SUCH_VAR --action '{"type":"noop"}'
PEREGRINE_TEST_KEY=$key expect_out key_env_ok "$("$pg" hl sign-agent --key "$key" --connection-id 0x0fcbeda5ae3c4950a548021552a4fea2226858c4453571bf3f24ba017eac2908)" \
  "$pg" hl sign-agent --key env:PEREGRINE_TEST_KEY --connection-id 0x0fcbeda5ae3c4950a548021552a4fea2226858c4453571bf3f24ba017eac2908
# Book rebuilds from the real captures (../shared/data or $PEREGRINE_DATA).
data=${PEREGRINE_DATA:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data}
if [ -d "$data" ]; then
  for spec in "bybit bybit/BYBIT.jsonl.zst" "coinbase coinbase/COINBASE.jsonl.zst"; do
    set -- $spec
    out=$("$pg" book --venue "$1" --format cryptofeed --input "$data/$2")
    rc=$?
    if [ $rc -eq 0 ] && [[ "$out" == *'"gaps":0,"resyncs":0,"crossed_books":0'* ]] && [[ "$out" == *'"valid":true'* ]]; then
      echo "ok   book_$1"
    else
      echo "FAIL book_$1: rc=$rc ${out:0:300}"; fail=1
    fi
  done
elif [ "${CI:-}" = true ]; then
  echo "FAIL recorded data missing under CI: $data"; fail=1
else
  echo "SKIP book rebuilds: recorded data not found at $data"
fi
exit $fail
