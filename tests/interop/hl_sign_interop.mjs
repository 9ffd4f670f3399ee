// Hyperliquid L1 signing interop: the same randomized actions signed by @nktkas/hyperliquid (with a
// viem local account), by ccxt's hyperliquid class and by `pgtool hl sign-batch`; r, s and v must be
// identical. Usage: node hl_sign_interop.mjs PGTOOL [--count N] [--seed S]. See README.md here.
//
// Exit 0: every action identical in every library that can express it, nktkas covering all.
// Exit 1: any mismatch, any library error on a supported action, or pgtool failure.

import { spawnSync } from "node:child_process";
import process from "node:process";

import * as v from "valibot";
import { privateKeyToAccount } from "viem/accounts";
import ccxt from "ccxt";
import { canonicalize, createL1ActionHash, signL1Action } from "@nktkas/hyperliquid/signing";
import {
  BatchModifyRequest,
  CancelByCloidRequest,
  CancelRequest,
  ModifyRequest,
  OrderRequest,
} from "@nktkas/hyperliquid/api/exchange";

// ------------------------------------------------------------------ arguments

function usage(msg) {
  if (msg) console.error(`hl_sign_interop: ${msg}`);
  console.error("usage: node hl_sign_interop.mjs PGTOOL [--count N] [--seed S]");
  process.exit(2);
}

const argv = process.argv.slice(2);
let pgtool;
let count = 1500;
let seed = 0x5eed2024;
for (let i = 0; i < argv.length; ++i) {
  const a = argv[i];
  if (a === "--count") count = Number(argv[++i]);
  else if (a === "--seed") seed = Number(argv[++i]);
  else if (a.startsWith("--")) usage(`unknown option ${a}`);
  else if (pgtool === undefined) pgtool = a;
  else usage(`unexpected argument ${a}`);
}
if (!pgtool) usage("missing PGTOOL");
if (!Number.isInteger(count) || count < 1) usage("--count must be a positive integer");
if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) usage("--seed must be a u32");

// ------------------------------------------------------------------ seeded PRNG

// sfc32 seeded through splitmix32: small, fast, and the same sequence on every platform.
function makeRng(s) {
  let st = s >>> 0;
  const split = () => {
    st = (st + 0x9e3779b9) >>> 0;
    let z = st;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const u32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; ++i) u32();
  const r = {
    u32,
    u64: () => (BigInt(u32()) << 32n) | BigInt(u32()),
    // uniform integer in [lo, hi] (Numbers, hi - lo < 2^53)
    int(lo, hi) {
      const span = hi - lo + 1;
      if (span <= 0x100000000) return lo + Math.floor((u32() / 0x100000000) * span);
      const x = (u32() * 0x200000 + (u32() >>> 11)) / 2 ** 53; // 53-bit fraction
      return lo + Math.floor(x * span);
    },
    // uniform BigInt in [lo, hi]
    big(lo, hi) {
      const span = hi - lo + 1n;
      return lo + (((r.u64() << 64n) | r.u64()) % span);
    },
    chance: (p) => u32() / 0x100000000 < p,
    pick: (arr) => arr[Math.floor((u32() / 0x100000000) * arr.length)],
    hex(nbytes) {
      let s = "";
      for (let i = 0; i < nbytes; ++i) s += (u32() & 0xff).toString(16).padStart(2, "0");
      return s;
    },
  };
  return r;
}

const rng = makeRng(seed);

// ------------------------------------------------------------------ JSON with key order and u64

// JSON.stringify cannot print BigInt; this keeps insertion order (= msgpack map order) and prints
// BigInt as a bare integer so pgtool sees the exact u64.
function toJson(x) {
  if (typeof x === "bigint") return x.toString();
  if (Array.isArray(x)) return `[${x.map(toJson).join(",")}]`;
  if (x !== null && typeof x === "object") {
    const parts = [];
    for (const k of Object.keys(x)) {
      if (x[k] !== undefined) parts.push(`${JSON.stringify(k)}:${toJson(x[k])}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(x);
}

// ------------------------------------------------------------------ random action generator

const TWO32 = 2 ** 32;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// msgpack integer-encoding boundaries, on purpose (fixint/u8/u16/u32/u64 edges).
const INT_EDGES = [0, 1, 127, 128, 255, 256, 65535, 65536, TWO32 - 1, TWO32, MAX_SAFE];

function randAsset() {
  const roll = rng.u32() % 100;
  if (roll < 80) return rng.int(0, 200); // perps
  if (roll < 90) return rng.int(10000, 10400); // spot
  if (roll < 96) return 100000 + rng.int(1, 9) * 10000 + rng.int(0, 150); // HIP-3 builder perps
  if (roll < 98) return 100000000 + 10 * rng.int(0, 5000) + rng.int(0, 1); // outcomes
  return rng.pick([0, 127, 128, 255, 256, 10000, 65535, 65536, 110000]);
}

function randOid() {
  const roll = rng.u32() % 100;
  if (roll < 10) return rng.pick(INT_EDGES);
  if (roll < 25) return rng.int(0, 65535);
  if (roll < 40) return rng.int(0, TWO32 - 1);
  if (roll < 90) return rng.int(10_000_000_000, 99_999_999_999); // live oids are ~4e10+
  return rng.int(0, MAX_SAFE);
}

function randCloid() {
  const roll = rng.u32() % 50;
  if (roll === 0) return `0x${"0".repeat(32)}`;
  if (roll === 1) return `0x${"f".repeat(32)}`;
  if (roll === 2) return `0x${"0".repeat(31)}1`;
  return `0x${rng.hex(16)}`;
}

function randAddress() {
  return `0x${rng.hex(20)}`;
}

// Canonical decimal string for digits·10^-decimals: no exponent, no trailing zeros, no leading zeros.
function decimalString(digits, decimals) {
  let s = digits.toString();
  if (decimals > 0) {
    s = s.padStart(decimals + 1, "0");
    s = `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
    s = s.replace(/0+$/, "").replace(/\.$/, "");
  }
  return s;
}

// A valid perp/spot size: at most szDecimals decimals, > 0.
function randSize(szDecimals) {
  const decimals = rng.int(0, szDecimals);
  const digits = BigInt(rng.int(1, rng.pick([9, 99, 9999, 999999, 99999999])));
  return decimalString(digits, decimals);
}

// A valid price: ≤ 5 significant figures and ≤ maxDecimals − szDecimals decimals, or any integer.
function randPrice(szDecimals, spot) {
  const maxDecimals = (spot ? 8 : 6) - szDecimals;
  if (rng.chance(0.1)) return String(rng.int(1, 99_999_999)); // integer prices: any digit count
  for (;;) {
    const sig = rng.int(1, 5);
    const decimals = rng.int(0, maxDecimals);
    const digits = rng.int(10 ** (sig - 1), 10 ** sig - 1);
    const s = decimalString(BigInt(digits), decimals);
    const sigFigs = s.replace(".", "").replace(/^0+/, "").length;
    if (sigFigs <= 5 && Number(s) > 0) return s;
  }
}

function randLimitOrder(asset, opts = {}) {
  const spot = asset >= 10000 && asset < 100000;
  const szd = rng.int(0, 5);
  const o = {
    a: asset,
    b: opts.b ?? rng.chance(0.5),
    p: randPrice(szd, spot),
    s: opts.size ?? randSize(szd),
    r: opts.r ?? rng.chance(0.25),
    t: { limit: { tif: opts.tif ?? rng.pick(["Gtc", "Ioc", "Alo"]) } },
  };
  if (opts.cloid ?? rng.chance(0.4)) o.c = randCloid();
  return o;
}

function randTriggerOrder(asset, opts = {}) {
  const spot = asset >= 10000 && asset < 100000;
  const szd = rng.int(0, 5);
  const o = {
    a: asset,
    b: opts.b ?? rng.chance(0.5),
    p: randPrice(szd, spot),
    s: opts.size ?? randSize(szd),
    r: opts.r ?? rng.chance(0.9), // TP/SL are reduce-only in practice; a few are not
    t: {
      trigger: {
        isMarket: opts.isMarket ?? rng.chance(0.5),
        triggerPx: randPrice(szd, spot),
        tpsl: opts.tpsl ?? rng.pick(["tp", "sl"]),
      },
    },
  };
  if (opts.cloid ?? rng.chance(0.3)) o.c = randCloid();
  return o;
}

function randAnyOrder(asset) {
  return rng.chance(0.7) ? randLimitOrder(asset) : randTriggerOrder(asset);
}

function randCount() {
  // mostly small batches, some crossing the fixarray (15) → array16 boundary
  const roll = rng.u32() % 100;
  if (roll < 70) return 1;
  if (roll < 92) return rng.int(2, 6);
  return rng.int(14, 20);
}

function genOrderAction() {
  const kind = rng.u32() % 100;
  let orders;
  let grouping;
  if (kind < 60) {
    grouping = "na";
    orders = Array.from({ length: randCount() }, () => randAnyOrder(randAsset()));
  } else if (kind < 80) {
    // parent + TP and/or SL children on the same asset, opposite side, reduce-only
    grouping = "normalTpsl";
    const asset = randAsset();
    const parent = randLimitOrder(asset, { r: false });
    orders = [parent];
    const which = rng.pick(["tp", "sl", "both"]);
    for (const tpsl of which === "both" ? ["tp", "sl"] : [which]) {
      orders.push(randTriggerOrder(asset, { b: !parent.b, r: true, tpsl, size: parent.s }));
    }
  } else if (kind < 95) {
    // position TP/SL: trigger orders sized to the position ("0" = whole position, as ccxt sends)
    grouping = "positionTpsl";
    const asset = randAsset();
    const b = rng.chance(0.5);
    const which = rng.pick(["tp", "sl", "both"]);
    orders = (which === "both" ? ["tp", "sl"] : [which]).map((tpsl) =>
      randTriggerOrder(asset, { b, r: true, tpsl, size: rng.chance(0.5) ? "0" : undefined }),
    );
  } else {
    // priority-fee grouping {"p": n}: all IOC (per the docs' rule)
    grouping = { p: rng.pick([0, 1, 127, 128, 65536, rng.int(0, 100_000_000), 100_000_000]) };
    orders = Array.from({ length: rng.int(1, 3) }, () =>
      randLimitOrder(randAsset(), { tif: "Ioc" }),
    );
  }
  const action = { type: "order", orders, grouping };
  if (rng.chance(0.06)) action.builder = { b: randAddress(), f: rng.int(0, 100) };
  return action;
}

function genCancel() {
  const action = {
    type: "cancel",
    cancels: Array.from({ length: randCount() }, () => ({ a: randAsset(), o: randOid() })),
  };
  if (rng.chance(0.2)) action.f = true;
  return action;
}

function genCancelByCloid() {
  const action = {
    type: "cancelByCloid",
    cancels: Array.from({ length: randCount() }, () => ({ asset: randAsset(), cloid: randCloid() })),
  };
  if (rng.chance(0.2)) action.f = true;
  return action;
}

function genModify() {
  const byCloid = rng.chance(0.5);
  const action = {
    type: "modify",
    oid: byCloid ? randCloid() : randOid(),
    order: randAnyOrder(randAsset()),
  };
  if (rng.chance(0.2)) action.a = true;
  return action;
}

function genBatchModify() {
  const action = {
    type: "batchModify",
    modifies: Array.from({ length: randCount() }, () => ({
      oid: rng.chance(0.5) ? randCloid() : randOid(),
      order: randAnyOrder(randAsset()),
    })),
  };
  if (rng.chance(0.2)) action.a = true;
  return action;
}

function genAction() {
  const roll = rng.u32() % 100;
  if (roll < 45) return genOrderAction();
  if (roll < 60) return genCancel();
  if (roll < 72) return genCancelByCloid();
  if (roll < 86) return genModify();
  return genBatchModify();
}

// Nonces are ms timestamps in practice; a share is deliberately outside that (0, u32/u64 edges).
const NONCE_EDGES = [0n, 1n, 1234567890n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 40n - 1n, 2n ** 40n,
  2n ** 44n - 1n, 2n ** 44n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];

function genNonce() {
  const roll = rng.u32() % 100;
  if (roll < 85) return BigInt(rng.int(1_600_000_000_000, 2_100_000_000_000)); // 2020..2036
  if (roll < 93) return rng.pick(NONCE_EDGES);
  return rng.big(0n, 2n ** 64n - 1n);
}

function genRequest() {
  const action = genAction();
  const nonce = genNonce();
  const req = { action, nonce };
  if (rng.chance(0.25)) {
    let addr = randAddress();
    // the address is hashed as 20 raw bytes: case must not matter
    if (rng.chance(0.3)) addr = `0x${[...addr.slice(2)].map((ch) => (rng.chance(0.5) ? ch.toUpperCase() : ch)).join("")}`;
    req.vaultAddress = addr;
  }
  if (rng.chance(0.25)) {
    req.expiresAfter = rng.chance(0.9) && nonce < 2n ** 63n ? nonce + BigInt(rng.int(1, 120_000)) : rng.pick(NONCE_EDGES);
  }
  if (rng.chance(0.25)) req.testnet = true;
  return req;
}

// ------------------------------------------------------------------ the three signers

const toNum = (x) => (x <= BigInt(MAX_SAFE) ? Number(x) : x); // nktkas: BigInt above 2^53

// Deterministic test key from the seed (any 32 bytes below the curve order; this is < n).
const privateKey = `0x7f${makeRng(seed ^ 0xa5a5a5a5).hex(31)}`;
const wallet = privateKeyToAccount(privateKey);

const ccxtMain = new ccxt.hyperliquid({ privateKey, walletAddress: wallet.address });
const ccxtTest = new ccxt.hyperliquid({ privateKey, walletAddress: wallet.address });
ccxtTest.setSandboxMode(true);

// ccxt's actionHash appends the nonce (and expiresAfter) as '00000' + minimal hex, so it only
// forms the right 8 bytes when the value has exactly 11 hex digits: 2^40 ≤ x < 2^44 (ms
// timestamps 2004..2527). Outside that it throws or hashes wrong bytes: report, never guess.
const ccxtU64Ok = (x) => x >= 2n ** 40n && x < 2n ** 44n;
function ccxtUnsupportedReason(req) {
  if (!ccxtU64Ok(req.nonce)) return "nonce outside [2^40, 2^44) (ccxt pads it as '00000'+hex)";
  if (req.expiresAfter !== undefined && !ccxtU64Ok(req.expiresAfter)) {
    return "expiresAfter outside [2^40, 2^44) (ccxt pads it as '00000'+hex)";
  }
  return undefined;
}

const nktkasSchemas = {
  order: OrderRequest.entries.action,
  cancel: CancelRequest.entries.action,
  cancelByCloid: CancelByCloidRequest.entries.action,
  modify: ModifyRequest.entries.action,
  batchModify: BatchModifyRequest.entries.action,
};

// The action must be valid for nktkas's schema and already in its canonical key order (what its
// ExchangeClient re-keys to before hashing), else the generator is wrong. Key order is checked on
// our action as is, not on the schema's parse output: that output coerces a cloid `oid` whose
// value fits 2^53 (e.g. 0x000…01) to a number (the union tries UnsignedInteger first, and
// Number("0x…") parses hex), which is a nktkas quirk, not a property of the action. Counted.
function nktkasCanonical(action) {
  const schema = nktkasSchemas[action.type];
  const parsed = v.safeParse(schema, action);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = (issue.path ?? []).map((p) => p.key).join(".");
    return { error: `nktkas schema rejects it at ${path || "(root)"}: ${issue.message}` };
  }
  return {
    json: toJson(canonicalize(schema, action)),
    rewritten: toJson(parsed.output) !== toJson(action),
  };
}

async function signNktkas(req) {
  const args = { action: req.action, nonce: toNum(req.nonce), isTestnet: !!req.testnet };
  if (req.vaultAddress !== undefined) args.vaultAddress = req.vaultAddress;
  if (req.expiresAfter !== undefined) args.expiresAfter = toNum(req.expiresAfter);
  const connectionId = createL1ActionHash(args);
  const sig = await signL1Action({ wallet, ...args });
  return { connectionId, ...sig };
}

function signCcxt(req) {
  const ex = req.testnet ? ccxtTest : ccxtMain;
  const vault = ex.formatVaultAddress(req.vaultAddress); // ccxt's own: strips the 0x
  const nonce = Number(req.nonce);
  const expires = req.expiresAfter === undefined ? undefined : Number(req.expiresAfter);
  const connectionId = `0x${ex.binaryToBase16(ex.actionHash(req.action, vault, nonce, expires)).toLowerCase()}`;
  const sig = ex.signL1Action(req.action, nonce, vault, expires);
  return { connectionId, ...sig };
}

function runPgtool(requests) {
  const input = requests.map((r) => toJson(r)).join("\n") + "\n";
  const t0 = process.hrtime.bigint();
  const res = spawnSync(pgtool, ["hl", "sign-batch", "--key", "env:PEREGRINE_INTEROP_KEY"], {
    input,
    env: { ...process.env, PEREGRINE_INTEROP_KEY: privateKey },
    maxBuffer: 256 * 1024 * 1024,
    encoding: "utf8",
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.error) throw new Error(`cannot run ${pgtool}: ${res.error.message}`);
  if (res.status !== 0) {
    throw new Error(`pgtool exited ${res.status ?? res.signal}: ${res.stderr.trim()}`);
  }
  const lines = res.stdout.split("\n").filter((l) => l.length > 0);
  if (lines.length !== requests.length) {
    throw new Error(`pgtool printed ${lines.length} lines for ${requests.length} requests; stderr: ${res.stderr.trim()}`);
  }
  return { outputs: lines.map((l) => JSON.parse(l)), ms };
}

// ------------------------------------------------------------------ comparison

const big = (hex) => BigInt(`0x${String(hex).replace(/^0x/i, "") || "0"}`);
function sameSig(a, b) {
  return big(a.r) === big(b.r) && big(a.s) === big(b.s) && Number(a.v) === Number(b.v);
}
function describe(sig) {
  return `connectionId=${sig.connectionId ?? "?"} r=${sig.r} s=${sig.s} v=${sig.v}`;
}

// Published nktkas vectors (tests/signing/mod.test.ts at db80d598): prove the harness drives
// nktkas and the viem wallet correctly before trusting it as a reference.
async function anchorNktkas() {
  const action = { type: "order", orders: [{ a: 0, b: true, p: "30000", s: "0.1", r: false, t: { limit: { tif: "Gtc" } } }], grouping: "na" };
  const w = privateKeyToAccount("0x822e9959e022b78423eb653a62ea0020cd283e71a2a8133a6ff2aeffaf373cff");
  const vault = "0x1234567890123456789012345678901234567890";
  const checks = [
    [createL1ActionHash({ action, nonce: 1234567890 }), "0x25367e0dba84351148288c2233cd6130ed6cec5967ded0c0b7334f36f957cc90"],
    [createL1ActionHash({ action, nonce: 1234567890, vaultAddress: vault }), "0x214e2ea3270981b6fd18174216691e69f56872663139d396b10ded319cb4bb1e"],
    [createL1ActionHash({ action, nonce: 1234567890, expiresAfter: 1234567890 }), "0xc30b002ba3775e4c31c43c1dfd3291dfc85c6ae06c6b9f393991de86cad5fac7"],
    [createL1ActionHash({ action, nonce: 1234567890, vaultAddress: vault, expiresAfter: 1234567890 }), "0x2d62412aa0fc57441b5189841d81554a6a9680bf07204e1454983a9ca44f0744"],
  ];
  const main = await signL1Action({ wallet: w, action, nonce: 1234567890 });
  const test = await signL1Action({ wallet: w, action, nonce: 1234567890, isTestnet: true });
  checks.push([`${main.r}${main.s}${main.v}`, "0x61078d8ffa3cb591de045438a1ae2ed299b271891d1943a33901e7cfb3a31ed80x0e91df4f9841641d3322dad8d932874b74d7e082cdb5b533f804964a6963aef928"]);
  checks.push([`${test.r}${test.s}${test.v}`, "0x6b0283a894d87b996ad0182b86251cc80d27d61ef307449a2ed249a508ded1f70x6f884e79f4a0a10af62db831af6f8e03b3f11d899eb49b352f836746ee9226da27"]);
  const bad = checks.filter(([got, want]) => got !== want);
  if (bad.length > 0) {
    for (const [got, want] of bad) console.error(`anchor: nktkas gave ${got}, published ${want}`);
    throw new Error("nktkas does not reproduce its own published vectors: harness or package broken");
  }
  return checks.length;
}

// ------------------------------------------------------------------ main

async function main() {
  const anchors = await anchorNktkas();

  const requests = Array.from({ length: count }, genRequest);
  const byType = {};
  for (const r of requests) byType[r.action.type] = (byType[r.action.type] ?? 0) + 1;

  const pg = runPgtool(requests);

  const stats = {
    nktkas: { identical: 0, mismatch: 0, error: 0, ms: 0 },
    ccxt: { identical: 0, mismatch: 0, error: 0, unsupported: 0, ms: 0 },
    schema: { canonical: 0, bad: 0, rewritten: 0 },
  };
  const unsupportedWhy = {};
  const problems = [];
  const report = (lib, i, what, detail) => problems.push({ lib, i, what, detail });

  for (let i = 0; i < requests.length; ++i) {
    const req = requests[i];
    const ours = pg.outputs[i];

    const canon = nktkasCanonical(req.action);
    const ourJson = toJson(req.action);
    if (canon.error) {
      stats.schema.bad++;
      report("generator", i, "not a valid action per nktkas's schema", canon.error);
    } else if (canon.json !== ourJson) {
      stats.schema.bad++;
      report("generator", i, "not in nktkas's canonical form", `nktkas would send ${canon.json}`);
    } else {
      stats.schema.canonical++;
      if (canon.rewritten) stats.schema.rewritten++;
    }

    // nktkas must cover every action
    try {
      const t0 = process.hrtime.bigint();
      const n = await signNktkas(req);
      stats.nktkas.ms += Number(process.hrtime.bigint() - t0) / 1e6;
      if (sameSig(n, ours)) stats.nktkas.identical++;
      else {
        stats.nktkas.mismatch++;
        report("nktkas", i, "signature differs", `nktkas ${describe(n)}\n      pgtool ${describe(ours)}`);
      }
    } catch (e) {
      stats.nktkas.error++;
      report("nktkas", i, "threw", `${e}${e?.cause ? ` (cause: ${e.cause})` : ""}\n      pgtool ${describe(ours)}`);
    }

    const why = ccxtUnsupportedReason(req);
    if (why) {
      stats.ccxt.unsupported++;
      unsupportedWhy[why] = (unsupportedWhy[why] ?? 0) + 1;
      continue;
    }
    try {
      const t0 = process.hrtime.bigint();
      const c = signCcxt(req);
      stats.ccxt.ms += Number(process.hrtime.bigint() - t0) / 1e6;
      if (sameSig(c, ours)) stats.ccxt.identical++;
      else {
        stats.ccxt.mismatch++;
        report("ccxt", i, "signature differs", `ccxt   ${describe(c)}\n      pgtool ${describe(ours)}`);
      }
    } catch (e) {
      stats.ccxt.error++;
      report("ccxt", i, "threw", `${e}\n      pgtool ${describe(ours)}`);
    }
  }

  const n = requests.length;
  console.log(`hl interop: seed ${seed}, key address ${wallet.address}, nktkas anchors ${anchors}/${anchors} published vectors reproduced`);
  console.log(`hl interop: mix ${Object.entries(byType).map(([k, c]) => `${k} ${c}`).join(", ")}; ` +
    `vault ${requests.filter((r) => r.vaultAddress).length}, expiresAfter ${requests.filter((r) => r.expiresAfter !== undefined).length}, ` +
    `testnet ${requests.filter((r) => r.testnet).length}`);
  console.log(`hl interop: actions valid and in nktkas canonical key order: ${stats.schema.canonical}/${n}` +
    (stats.schema.rewritten ? ` (${stats.schema.rewritten} with a small cloid oid that nktkas's schema would coerce to an integer oid)` : ""));
  for (const [why, c] of Object.entries(unsupportedWhy)) console.log(`hl interop: not supported by ccxt: ${c} (${why})`);
  console.log(`hl interop: time: pgtool ${pg.ms.toFixed(0)} ms for the batch (one process), ` +
    `nktkas ${stats.nktkas.ms.toFixed(0)} ms, ccxt ${stats.ccxt.ms.toFixed(0)} ms`);

  const ccxtTail = stats.ccxt.unsupported > 0 ? `, ${stats.ccxt.unsupported} not supported by ccxt` : "";
  const errTail = (s) => (s.mismatch || s.error ? ` (${s.mismatch} differ, ${s.error} errors)` : "");
  console.log(`hl interop: ${n} actions, nktkas: ${stats.nktkas.identical} identical${errTail(stats.nktkas)}, ` +
    `ccxt: ${stats.ccxt.identical} identical${errTail(stats.ccxt)}${ccxtTail}`);

  const ok = problems.length === 0 && stats.nktkas.identical === n &&
    stats.ccxt.identical + stats.ccxt.unsupported === n;
  if (!ok) {
    console.error(`hl interop: FAILED: ${problems.length} problem(s); first ${Math.min(problems.length, 5)}:`);
    for (const p of problems.slice(0, 5)) {
      const r = requests[p.i];
      console.error(`  [${p.lib}] request #${p.i}: ${p.what}`);
      console.error(`      request ${toJson(r)}`);
      console.error(`      ${p.detail}`);
    }
    // which libraries disagree with pgtool on the same action tells who is likely wrong
    const both = problems.filter((p) => p.lib === "nktkas" && problems.some((q) => q.lib === "ccxt" && q.i === p.i));
    if (both.length) console.error(`hl interop: ${both.length} action(s) where pgtool disagrees with BOTH libraries`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`hl interop: FAILED: ${e?.stack ?? e}`);
  process.exit(1);
});
