// Helpers shared by the venue-simulator protocol tests: a recording WsSession, request and
// account builders. Single-threaded: the test drives the protocol directly, no sockets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/decimal.hpp"
#include "common/ids.hpp"
#include "gateways/sim/exchange.hpp"
#include "tools/venue_sim/venue_context.hpp"
#include "tools/venue_sim/venue_protocol.hpp"

namespace peregrine::test {

inline common::Price px(const char* s) { return *common::Price::parse(s); }
inline common::Qty qty(const char* s) { return *common::Qty::parse(s); }

// Keeps every frame the protocol sends; close() only marks the session closed.
class FakeWs final : public venue_sim::WsSession {
 public:
  FakeWs(std::uint64_t id, std::string target) : id_(id), target_(std::move(target)) {}
  std::uint64_t id() const noexcept override { return id_; }
  std::string_view target() const noexcept override { return target_; }
  void send(std::string frame) override { frames.push_back(std::move(frame)); }
  void close() override { closed = true; }
  std::vector<std::string> frames;
  bool closed = false;

 private:
  std::uint64_t id_;
  std::string target_;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// A request as the simulator's HTTP server hands it over (header names lower-cased).
inline venue_sim::HttpRequest http_request(std::string method, std::string target,
                                           Headers headers = {}, std::string body = {}) {
  venue_sim::HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  req.headers = std::move(headers);
  return req;
}

// A BTC instrument as the simulator's exchange lists it; fees are the caller's.
inline gateways::sim::SimInstrumentSpec btc_spec(std::string symbol, const char* tick,
                                                 const char* lot, const char* min_notional) {
  gateways::sim::SimInstrumentSpec spec;
  spec.symbol = std::move(symbol);
  spec.asset = "BTC";
  spec.tick = px(tick);
  spec.lot = qty(lot);
  spec.min_notional = *common::Money::parse(min_notional);
  return spec;
}

// The venue config entry of an instrument listed on the exchange: symbol, asset and id only.
inline venue_sim::SimInstrumentConfig sim_instrument(const gateways::sim::SimInstrumentSpec& spec,
                                                     common::InstrumentId id) {
  venue_sim::SimInstrumentConfig ic;
  ic.asset = spec.asset;
  ic.symbol = spec.symbol;
  ic.instrument_id = id.value;
  return ic;
}

// An account named `name` opened on `ex` with 100000 of balance; credentials are the caller's.
inline venue_sim::SimAccountConfig sim_account(gateways::sim::Exchange& ex, const char* name) {
  venue_sim::SimAccountConfig a;
  a.name = name;
  a.initial_balance = *common::Money::parse("100000");
  a.account_id = ex.add_account(name, a.initial_balance);
  return a;
}

}  // namespace peregrine::test
