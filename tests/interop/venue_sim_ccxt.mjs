// ccxt (npm, pinned in package.json) against peregrine-venue-sim: the classes hyperliquid,
// binanceusdm, bybit and coinbase with only their URLs and credentials changed load markets,
// read the book, place a resting limit order, see it in open orders, cancel it, cross the
// spread, and see the position and the balance. A failure means the simulator is not
// wire-faithful: fix the simulator, never special-case the client.
// Usage: node venue_sim_ccxt.mjs PORT_BASE [venue ...]   (admin PORT_BASE, HL +1, Binance +2,
// Bybit +3, Coinbase +4; credentials: the simulator's defaults in configs/venue_sim.yaml)
// Exit 0 pass, 1 fail.

import process from "node:process";

import ccxt from "ccxt";

const portBase = Number(process.argv[2]);
if (!Number.isInteger(portBase) || portBase <= 0) {
  console.error("usage: node venue_sim_ccxt.mjs PORT_BASE [hyperliquid|binanceusdm|bybit|coinbase ...]");
  process.exit(2);
}
const url = (offset) => `http://127.0.0.1:${portBase + offset}`;

// The simulator's published test credentials (configs/venue_sim.yaml); never real accounts.
const HL_KEY = "0x0123456789012345678901234567890123456789012345678901234567890123";
const HL_ADDRESS = "0x14791697260E4c9A71f18484C9f997B308e59325";  // derived from HL_KEY
const CB_KEY_NAME = "organizations/sim-org/apiKeys/sim-key";
const CB_PEM = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIDW8n39tDQcJLYxaElymztdWkhdX7qr/he/4+YPBFh0qoAoGCCqGSM49
AwEHoUQDQgAE51wZo329uEpMLpp3oFAQ4mX+WiR3c0Nuj4XLgpfRW1HXktS5BDFN
nU5G8C3go+hY/p+kZwwh0kibzJ+5Bf1DEw==
-----END EC PRIVATE KEY-----
`;

// Each venue: how to build the client pointed at the simulator, the perpetual it trades, a
// size above the venue's minimum, and per-call params the venue's own API needs.
const venues = {
  hyperliquid: {
    make() {
      const ex = new ccxt.hyperliquid({ privateKey: HL_KEY, walletAddress: HL_ADDRESS });
      ex.urls.api = { public: url(1), private: url(1) };
      return ex;
    },
    symbol: "BTC/USDC:USDC",
    qty: 0.001,
  },
  binanceusdm: {
    make() {
      const ex = new ccxt.binanceusdm({ apiKey: "sim-binance-api-key", secret: "sim-binance-api-secret" });
      for (const [k, v] of Object.entries(ex.urls.api)) {
        if (typeof v === "string") ex.urls.api[k] = v.replace(/^https:\/\/[a-z0-9.-]*binance\.com/, url(2));
      }
      return ex;
    },
    symbol: "BTC/USDT:USDT",
    qty: 0.002,
  },
  bybit: {
    make() {
      const ex = new ccxt.bybit({ apiKey: "SimBybitApiKey01", secret: "SimBybitApiSecret01" });
      ex.urls.api = Object.fromEntries(Object.keys(ex.urls.api).map((k) => [k, url(3)]));
      return ex;
    },
    symbol: "BTC/USDT:USDT",
    qty: 0.002,
  },
  coinbase: {
    make() {
      const ex = new ccxt.coinbase({ apiKey: CB_KEY_NAME, secret: CB_PEM });
      ex.urls.api = { rest: url(4) };
      return ex;
    },
    symbol: "BTC/USDC:USDC",
    qty: 0.002,
    // INTX positions live in a portfolio (the client requires it); balances from the v3 API.
    async positionParams(ex) {
      const portfolios = await ex.fetchPortfolios();
      return { portfolio: portfolios[0].id };
    },
    balanceParams: { v3: true },
  },
};

let failures = 0;
function check(venue, cond, what) {
  if (cond) {
    console.log(`ok ${venue}: ${what}`);
  } else {
    console.error(`FAIL ${venue}: ${what}`);
    ++failures;
  }
  return cond;
}

async function run(name) {
  const v = venues[name];
  const ex = v.make();
  const S = v.symbol;
  const markets = await ex.loadMarkets();
  if (!check(name, S in markets, `loadMarkets lists ${S} (${Object.keys(markets).length} markets)`)) return;

  let book;
  for (let i = 0; i < 100; ++i) {
    book = await ex.fetchOrderBook(S);
    if (book.bids.length > 0 && book.asks.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!check(name, book.bids.length > 0 && book.asks.length > 0 && book.bids[0][0] < book.asks[0][0],
             `fetchOrderBook: bid ${book.bids[0]?.[0]} < ask ${book.asks[0]?.[0]}`)) return;

  const positionParams = v.positionParams ? await v.positionParams(ex) : {};
  const before = await ex.fetchPositions([S], positionParams);
  const held = before.filter((p) => p.symbol === S).reduce((a, p) => a + (p.side === "short" ? -1 : 1) * p.contracts, 0);

  const px = ex.priceToPrecision(S, book.bids[0][0] * 0.9);
  const resting = await ex.createOrder(S, "limit", "buy", v.qty, Number(px));
  check(name, typeof resting.id === "string" && resting.id.length > 0, `createOrder limit buy ${v.qty} @ ${px} -> id ${resting.id}`);
  const open = await ex.fetchOpenOrders(S);
  check(name, open.some((o) => o.id === resting.id), "fetchOpenOrders shows the resting order");
  await ex.cancelOrder(resting.id, S);
  const after = await ex.fetchOpenOrders(S);
  check(name, !after.some((o) => o.id === resting.id), "cancelOrder: no longer open");

  // Cross the spread: a market buy (Hyperliquid's ccxt market order is an aggressive IOC limit,
  // which needs a reference price).
  const taker = await ex.createOrder(S, "market", "buy", v.qty, book.asks[0][0]);
  check(name, typeof taker.id === "string" && taker.id.length > 0, `createOrder market buy -> id ${taker.id}`);
  let pos = 0;
  for (let i = 0; i < 50; ++i) {
    const positions = await ex.fetchPositions([S], positionParams);
    pos = positions.filter((p) => p.symbol === S).reduce((a, p) => a + (p.side === "short" ? -1 : 1) * p.contracts, 0);
    if (Math.abs(pos - held - v.qty) < v.qty / 10) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  check(name, Math.abs(pos - held - v.qty) < v.qty / 10, `fetchPositions: long grew by ${v.qty} (${held} -> ${pos})`);

  const bal = await ex.fetchBalance(v.balanceParams ?? {});
  const quote = markets[S].settle;
  check(name, bal[quote] !== undefined && bal[quote].total > 0, `fetchBalance: ${quote} total ${bal[quote]?.total}`);
}

const wanted = process.argv.length > 3 ? process.argv.slice(3) : Object.keys(venues);
for (const name of wanted) {
  if (!(name in venues)) {
    console.error(`unknown venue ${name}`);
    process.exit(2);
  }
  try {
    await run(name);
  } catch (e) {
    check(name, false, `${e.constructor.name}: ${String(e.message).slice(0, 400)}`);
  }
}
console.log(failures === 0 ? `venue_sim_ccxt: ${wanted.length} venues passed` : `venue_sim_ccxt: ${failures} failures`);
process.exit(failures === 0 ? 0 : 1);
