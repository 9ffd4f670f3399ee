#!/usr/bin/env bash
# pgtool bybit: known signatures, secret sources, one-line errors that never echo the secret.
# Usage: pgtool_bybit_cli_test.sh PGTOOL
set -u
pg=$1
fail=0
secret=VDFZSSPUTKRJMXAVMJXBHEXIPZNZJIZUBVRQ  # pybit's test secret (tests/test_pybit.py)

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
  if [[ "$err" == *"$secret"* ]]; then echo "FAIL $name: the secret leaked into stderr"; fail=1; fi
}

# Venue doc §2.1 GET and POST layouts; hex computed with CPython's hmac (as pybit does).
expect_out get_vector efa02766068b9b28c70b29d2738c5e9fea0cd47e2419f63f9e0246eaeb1f3897 \
  "$pg" bybit sign --secret "$secret" --api-key XXXXXXXXXX --timestamp 1658384314791 \
  --recv-window 5000 --payload 'category=option&symbol=BTC-29JUL22-25000-C'
expect_out post_vector 0823d1c0375493de2390d9aaba3a4562ae50892a4f227f736885dbfd2132d2e2 \
  "$pg" bybit sign --secret "$secret" --api-key XXXXXXXXXX --timestamp 1658385579423 \
  --payload '{"category": "option"}'
PEREGRINE_TEST_BYBIT_SECRET=$secret expect_out env_secret \
  efa02766068b9b28c70b29d2738c5e9fea0cd47e2419f63f9e0246eaeb1f3897 \
  "$pg" bybit sign --secret env:PEREGRINE_TEST_BYBIT_SECRET --api-key XXXXXXXXXX \
  --timestamp 1658384314791 --recv-window 5000 --payload 'category=option&symbol=BTC-29JUL22-25000-C'
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf '%s\n' "$secret" >"$tmp"
expect_out file_secret 0823d1c0375493de2390d9aaba3a4562ae50892a4f227f736885dbfd2132d2e2 \
  "$pg" bybit sign --secret "file:$tmp" --api-key XXXXXXXXXX --timestamp 1658385579423 \
  --payload '{"category": "option"}'
expect_out ws_auth \
  '{"op":"auth","args":["XXXXXXXXXX",1711010121452,"38213dc5257e4eb6bc65d7daeeaba97010ece3570d85308fae2e9a993954c5f7"]}' \
  "$pg" bybit ws-auth --secret "$secret" --api-key XXXXXXXXXX --expires 1711010121452

# A default timestamp still signs (64 hex digits).
got=$("$pg" bybit sign --secret "$secret" --api-key XXXXXXXXXX --payload x)
if [[ "$got" =~ ^[0-9a-f]{64}$ ]]; then echo "ok   default_timestamp"; else
  echo "FAIL default_timestamp: '$got'"; fail=1; fi

expect_err missing_secret 2 "missing required --secret" "$pg" bybit sign --api-key K
expect_err missing_key 2 "missing required --api-key" "$pg" bybit sign --secret "$secret"
expect_err bad_key 2 "--api-key: bybit api key: only [A-Za-z0-9] allowed" \
  "$pg" bybit sign --secret "$secret" --api-key 'bad key'
expect_err bad_timestamp 2 "--timestamp: expected an unsigned integer" \
  "$pg" bybit sign --secret "$secret" --api-key K --timestamp 12x
expect_err missing_env 2 "environment variable PEREGRINE_NO_SUCH_VAR is not set" \
  "$pg" bybit sign --secret env:PEREGRINE_NO_SUCH_VAR --api-key K
expect_err bad_req_id 2 "--req-id" \
  "$pg" bybit ws-auth --secret "$secret" --api-key K --req-id 'a"b'
expect_err unknown_flag 2 "unknown argument '--bogus'" "$pg" bybit sign --bogus
expect_err unknown_cmd 2 "unknown command 'bybit frob'" "$pg" bybit frob

exit $fail
