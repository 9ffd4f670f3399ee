// Times Hyperliquid L1 signing of one order action in third-party implementations
// (@nktkas/hyperliquid with a viem local account, and ccxt's hyperliquid class), for comparison
// with our signer. Reuses tests/interop/node_modules: run `npm ci --prefix tests/interop` first.
//   node bench/peers/hl_sign_peers.mjs [--ours-us X] [--iters N] [--warmup N]
// --ours-us X: our per-signature time in µs (e.g. from gateways_bench); prints peer/ours ratios.

import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.resolve(here, "../../tests/interop/node_modules");

function usage(msg) {
  if (msg) console.error(`hl_sign_peers: ${msg}`);
  console.error("usage: node bench/peers/hl_sign_peers.mjs [--ours-us X] [--iters N] [--warmup N]");
  process.exit(2);
}

let oursUs;
let iters = 5000;
let warmup = 500;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; ++i) {
  const a = argv[i];
  const val = () => {
    if (i + 1 >= argv.length) usage(`${a} needs a value`);
    return Number(argv[++i]);
  };
  if (a === "--ours-us") oursUs = val();
  else if (a === "--iters") iters = val();
  else if (a === "--warmup") warmup = val();
  else usage(`unknown argument ${a}`);
}
if (oursUs !== undefined && !(oursUs > 0)) usage("--ours-us must be a positive number");
if (!Number.isInteger(iters) || iters < 1) usage("--iters must be a positive integer");
if (!Number.isInteger(warmup) || warmup < 0) usage("--warmup must be a non-negative integer");

// Resolve an ESM entry point inside tests/interop/node_modules (bare specifiers would be looked
// up from bench/peers/ upwards and not find it). Follows package.json "exports" conditions.
function resolveEsm(spec) {
  const parts = spec.split("/");
  const pkgName = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const sub = `.${spec.slice(pkgName.length)}`;
  const pkgDir = path.join(nodeModules, pkgName);
  const pkgJson = path.join(pkgDir, "package.json");
  if (!fs.existsSync(pkgJson)) {
    console.error(`hl_sign_peers: ${pkgName} not installed in ${nodeModules}; run: npm ci --prefix tests/interop`);
    process.exit(2);
  }
  const pkg = JSON.parse(fs.readFileSync(pkgJson, "utf8"));
  const pick = (e) => {
    if (typeof e === "string") return e;
    if (e && typeof e === "object") {
      for (const c of ["import", "node", "default"]) if (e[c] !== undefined) return pick(e[c]);
    }
    return undefined;
  };
  let entry;
  if (pkg.exports) {
    const ex = typeof pkg.exports === "string" || sub !== "." || !("." in pkg.exports) ? pkg.exports : pkg.exports["."];
    entry = pick(sub === "." ? ex : pkg.exports[sub]);
  } else {
    entry = sub === "." ? pkg.module ?? pkg.main ?? "index.js" : sub;
  }
  if (!entry) throw new Error(`cannot resolve ${spec} in ${pkgDir}`);
  return pathToFileURL(path.join(pkgDir, entry)).href;
}

const versionOf = (name) =>
  JSON.parse(fs.readFileSync(path.join(nodeModules, name, "package.json"), "utf8")).version;

const { signL1Action } = await import(resolveEsm("@nktkas/hyperliquid/signing"));
const { privateKeyToAccount } = await import(resolveEsm("viem/accounts"));
const ccxt = (await import(resolveEsm("ccxt"))).default;

// The nktkas test-vector order (tests/signing/mod.test.ts), same action every time, nonce varying
// inside ccxt's supported range (ms timestamps).
const action = {
  type: "order",
  orders: [{ a: 0, b: true, p: "30000", s: "0.1", r: false, t: { limit: { tif: "Gtc" } } }],
  grouping: "na",
};
const privateKey = "0x822e9959e022b78423eb653a62ea0020cd283e71a2a8133a6ff2aeffaf373cff";
const wallet = privateKeyToAccount(privateKey);
const ex = new ccxt.hyperliquid({ privateKey, walletAddress: wallet.address });
const baseNonce = 1_700_000_000_000;

const peers = [
  { name: `@nktkas/hyperliquid ${versionOf("@nktkas/hyperliquid")} + viem ${versionOf("viem")}`,
    sign: (nonce) => signL1Action({ wallet, action, nonce }) },
  { name: `ccxt ${versionOf("ccxt")}`, sign: (nonce) => ex.signL1Action(action, nonce) },
];

// Sanity: both peers produce the same signature (else we would be timing something wrong).
{
  const a = await peers[0].sign(baseNonce);
  const b = await peers[1].sign(baseNonce);
  const n = (h) => BigInt(h);
  if (n(a.r) !== n(b.r) || n(a.s) !== n(b.s) || a.v !== b.v) {
    console.error(`hl_sign_peers: peers disagree: nktkas ${JSON.stringify(a)} ccxt ${JSON.stringify(b)}`);
    process.exit(1);
  }
}

function stats(samplesNs) {
  const s = Float64Array.from(samplesNs).sort();
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))] / 1e3;
  const mean = s.reduce((x, y) => x + y, 0) / s.length / 1e3;
  return { mean, p50: q(0.5), p99: q(0.99) };
}

console.log(`hl_sign_peers: node ${process.versions.node}, ${iters} signatures after ${warmup} warm-up, ` +
  `order ${JSON.stringify(action)}`);
let nonce = baseNonce;
for (const peer of peers) {
  for (let i = 0; i < warmup; ++i) await peer.sign(++nonce);
  const samples = new Array(iters);
  for (let i = 0; i < iters; ++i) {
    const n = ++nonce;
    const t0 = process.hrtime.bigint();
    await peer.sign(n); // nktkas is async (wallet API); ccxt is sync, awaiting it costs ~nothing
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  const st = stats(samples);
  let line = `  ${peer.name.padEnd(44)} mean ${st.mean.toFixed(1).padStart(8)} µs  p50 ${st.p50.toFixed(1).padStart(8)} µs  p99 ${st.p99.toFixed(1).padStart(8)} µs`;
  if (oursUs !== undefined) line += `  = ${(st.mean / oursUs).toFixed(1)}x ours (mean), ${(st.p50 / oursUs).toFixed(1)}x (p50)`;
  console.log(line);
}
if (oursUs !== undefined) console.log(`  ours (given)${" ".repeat(34)}${oursUs.toFixed(1).padStart(8)} µs`);
