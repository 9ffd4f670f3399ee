// Internals of the simulator server shared by server.cpp (sockets, sessions, tick) and
// admin.cpp (admin endpoints). Simulator thread only.
#pragma once

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tools/venue_sim/server.hpp"
#include "tools/venue_sim/sim_world.hpp"
#include "tools/venue_sim/venue_context.hpp"
#include "tools/venue_sim/venue_protocol.hpp"

namespace peregrine::venue_sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A WS session as the server sees it: the protocol's WsSession plus the fault hooks.
class SessionBase : public WsSession {
 public:
  virtual void drop() = 0;   // close the socket without a close frame
  virtual void reset() = 0;  // close frame, then close
  [[nodiscard]] virtual bool closing() const noexcept = 0;
};

struct VenueRuntime {
  common::VenueId id = common::VenueId::kHyperliquid;
  SimVenueConfig* config = nullptr;
  VenueFaults faults;
  std::unique_ptr<VenueContext> context;
  std::unique_ptr<VenueProtocol> protocol;
  std::map<std::uint64_t, std::shared_ptr<SessionBase>> sessions;
  std::optional<tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  bool tls = false;
  bool publishing_stale = false;  // true while on_tick runs inside a stale window
};

struct Server::Impl {
  SimConfig cfg;
  asio::io_context ioc{1};
  std::optional<asio::ssl::context> ssl;
  std::string cert_pem;
  std::unique_ptr<SimWorld> world;
  std::array<std::unique_ptr<VenueRuntime>, common::kVenueCount> venues;
  std::optional<tcp::acceptor> admin;
  std::uint16_t admin_port = 0;
  asio::steady_timer tick_timer{ioc};
  asio::steady_timer::time_point next_tick{};
  ServerStats stats;
  std::uint64_t next_session_id = 1;
  std::atomic<bool> stopping{false};

  explicit Impl(SimConfig c) : cfg(std::move(c)) {}

  [[nodiscard]] VenueRuntime* venue(common::VenueId v) noexcept {
    return venues[common::index(v)].get();
  }
  // Drops/resets armed on `v` against its open sessions, now.
  void apply_connection_faults(VenueRuntime& v);
};

// Wall-clock epoch nanoseconds (tools/ may read clocks directly).
[[nodiscard]] common::Nanos wall_now() noexcept;

// GET /admin/health, GET /admin/truth[?venue=], POST /admin/faults, POST /admin/market.
[[nodiscard]] HttpResponse handle_admin(Server::Impl& impl, const HttpRequest& req,
                                        common::Nanos now);

// Body of an injected HTTP error, in the venue's shape where it is well known.
[[nodiscard]] HttpResponse injected_http_error(common::VenueId v, int status, common::Nanos now);

}  // namespace peregrine::venue_sim
