// @nktkas/hyperliquid against peregrine-venue-sim: meta, l2Book, a resting order, openOrders,
// cancel, with only the URL changed (mainnet signing, the paper key). A failure means the
// simulator is not wire-faithful: fix the simulator, never the client.
// Usage: node venue_sim_hl.mjs http://127.0.0.1:PORT    Exit 0 pass, 1 fail.

import process from "node:process";

import { ExchangeClient, HttpTransport, InfoClient } from "@nktkas/hyperliquid";
import { privateKeyToAccount } from "viem/accounts";

const apiUrl = process.argv[2];
if (!apiUrl) {
  console.error("usage: node venue_sim_hl.mjs http://127.0.0.1:PORT");
  process.exit(2);
}
const key = "0x0123456789012345678901234567890123456789012345678901234567890123";

function check(cond, what) {
  if (!cond) {
    console.error(`venue_sim_hl: FAIL: ${what}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

const transport = new HttpTransport({ apiUrl });
const info = new InfoClient({ transport });
const wallet = privateKeyToAccount(key);
const exchange = new ExchangeClient({ transport, wallet });

const meta = await info.meta();
const btc = meta.universe.findIndex((u) => u.name === "BTC");
check(btc >= 0, "meta lists BTC");

let book;
for (let i = 0; i < 100; ++i) {
  book = await info.l2Book({ coin: "BTC" });
  if (book && book.levels[0].length > 0) break;
  await new Promise((r) => setTimeout(r, 20));
}
check(book.levels[0].length > 0 && book.levels[1].length > 0, "l2Book has both sides");

const bid = Number(book.levels[0][0].px);
const px = String(Math.floor(bid * 0.9));
const placed = await exchange.order({
  orders: [{ a: btc, b: true, p: px, s: "0.001", r: false, t: { limit: { tif: "Gtc" } } }],
  grouping: "na",
});
const status = placed.response.data.statuses[0];
check(status.resting !== undefined, `order rests (${JSON.stringify(status)})`);
const oid = status.resting.oid;

const open = await info.openOrders({ user: wallet.address });
check(open.some((o) => o.oid === oid), "openOrders shows the order");

const cancelled = await exchange.cancel({ cancels: [{ a: btc, o: oid }] });
check(cancelled.response.data.statuses[0] === "success", "cancel succeeds");

const after = await info.openOrders({ user: wallet.address });
check(!after.some((o) => o.oid === oid), "openOrders no longer shows it");
console.log("venue_sim_hl: PASS");
