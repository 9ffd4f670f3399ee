#include "gateways/venue.hpp"

namespace peregrine::gateways {

using common::VenueId;

VenueEndpoints default_endpoints(VenueId venue, Network network) noexcept {
  switch (network) {
    case Network::kMainnet:
      switch (venue) {
        case VenueId::kHyperliquid:
          return {"https://api.hyperliquid.xyz", "wss://api.hyperliquid.xyz/ws"};
        case VenueId::kBinance:
          return {"https://fapi.binance.com", "wss://fstream.binance.com"};
        case VenueId::kBybit:
          return {"https://api.bybit.com", "wss://stream.bybit.com/v5/public/linear"};
        case VenueId::kCoinbase:
          return {"https://api.coinbase.com", "wss://advanced-trade-ws.coinbase.com"};
      }
      break;
    case Network::kTestnet:
      switch (venue) {
        case VenueId::kHyperliquid:
          return {"https://api.hyperliquid-testnet.xyz", "wss://api.hyperliquid-testnet.xyz/ws"};
        case VenueId::kBinance:
          return {"https://testnet.binancefuture.com", "wss://fstream.binancefuture.com"};
        case VenueId::kBybit:
          return {"https://api-testnet.bybit.com",
                  "wss://stream-testnet.bybit.com/v5/public/linear"};
        case VenueId::kCoinbase:
          return {};  // no verified public sandbox for Advanced Trade perpetuals
      }
      break;
    case Network::kSimulator:
      switch (venue) {
        case VenueId::kHyperliquid:
          return {"http://127.0.0.1:8101", "ws://127.0.0.1:8101/ws"};
        case VenueId::kBinance:
          return {"http://127.0.0.1:8102", "ws://127.0.0.1:8102"};
        case VenueId::kBybit:
          return {"http://127.0.0.1:8103", "ws://127.0.0.1:8103/v5/public/linear"};
        case VenueId::kCoinbase:
          return {"http://127.0.0.1:8104", "ws://127.0.0.1:8104"};
      }
      break;
  }
  return {};
}

unsigned short simulator_port(VenueId venue) noexcept {
  return static_cast<unsigned short>(8101 + static_cast<int>(venue));
}

}  // namespace peregrine::gateways
