// What the Binance, Bybit and Coinbase gateways share: the RestTransport adapter over
// net::HttpClient, a fixed-size text builder and the md output (queue + status + room checks).
// Each object is owned and called by ONE gateway agent thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/spsc_queue.hpp"
#include "gateways/cex_transport.hpp"
#include "gateways/gateway_types.hpp"
#include "gateways/net/http_client.hpp"
#include "gateways/net/net_loop.hpp"

namespace peregrine::gateways::cex {

// RestTransport over net::HttpClient. Outcomes map like the HL adapter: a failure before the
// first byte left is kNotSent, a response timeout kTimeout, any other failure kMaybeSent.
class NetRestTransport final : public RestTransport, private net::HttpListener {
 public:
  NetRestTransport(net::NetLoop& loop, const common::Clock& clock, net::HttpOptions options = {});
  // Start-up: base URL such as https://fapi.binance.com.
  [[nodiscard]] bool start(std::string_view base_url, std::string* error = nullptr) {
    return client_.start(base_url, error);
  }
  void warm_up() noexcept { client_.warm_up(); }

  void set_listener(gateways::HttpListener* listener) noexcept override { listener_ = listener; }
  [[nodiscard]] std::uint64_t request(HttpMethod method, std::string_view target,
                                      std::span<const RestHeader> headers,
                                      std::string_view body) noexcept override;
  int poll() noexcept override;

  [[nodiscard]] const net::HttpClient& client() const noexcept { return client_; }

 private:
  static constexpr std::size_t kMaxHeaders = 8;
  void on_response(std::uint64_t tag, const net::HttpResponseView& response) override;
  void on_sent(std::uint64_t tag, common::Nanos ts_sent) override;

  net::NetLoop& loop_;
  gateways::HttpListener* listener_ = nullptr;
  net::HttpClient client_;
  std::uint64_t next_tag_ = 0;
};

// Fixed-capacity text builder for subscription frames and request targets: no allocation;
// overflow is sticky and reported by ok().
template <std::size_t N>
class TextLine {
 public:
  TextLine& add(std::string_view s) noexcept {
    for (char c : s) {
      if (len_ < N) {
        buf_[len_++] = c;
      } else {
        overflow_ = true;
      }
    }
    return *this;
  }
  TextLine& add_uint(std::uint64_t v) noexcept {
    char tmp[20];
    std::size_t n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) add(std::string_view(&tmp[--n], 1));
    return *this;
  }
  TextLine& add_lower(std::string_view s) noexcept {
    for (char c : s) {
      const char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      add(std::string_view(&l, 1));
    }
    return *this;
  }
  void clear() noexcept {
    len_ = 0;
    overflow_ = false;
  }
  [[nodiscard]] bool ok() const noexcept { return !overflow_; }
  [[nodiscard]] std::string_view view() const noexcept { return {buf_, len_}; }

 private:
  char buf_[N];
  std::size_t len_ = 0;
  bool overflow_ = false;
};

// True for a venue symbol that can be pasted into a JSON string or a query unescaped.
[[nodiscard]] bool plain_symbol(std::string_view s) noexcept;

// The md gateway's side of the core queue: VenueStatus that travels in order with the data
// (retried every cycle when the queue is full), and all-or-nothing runs so the core never sees
// half a venue message.
class MdOutput {
 public:
  MdOutput(common::SpscQueue<common::MdEvent>& out, common::VenueId venue,
           GatewayCounters& counters) noexcept
      : out_(out), venue_(venue), counters_(counters) {}

  [[nodiscard]] std::size_t free_slots() const noexcept {
    // Read by the producer, size_approx can only over-state the fill level: conservative.
    const std::size_t used = out_.size_approx();
    return used >= out_.capacity() ? 0 : out_.capacity() - used;
  }
  // Pushes every delta or none (false = no room, counted once in queue_full).
  [[nodiscard]] bool push_run(std::span<const common::BookDelta> run) noexcept;
  [[nodiscard]] bool push_run(std::span<const common::MdEvent> run) noexcept;
  [[nodiscard]] bool push(const common::MdEvent& e) noexcept;
  // BookReset: false when the queue is full (the caller keeps it pending; not counted here).
  [[nodiscard]] bool push_reset(const common::BookReset& r) noexcept;

  void set_state(common::VenueState s, common::Nanos now) noexcept;
  // Sends a pending status; false while the queue is full.
  bool flush_status(common::Nanos now) noexcept;
  [[nodiscard]] bool status_pending() const noexcept { return status_pending_; }
  [[nodiscard]] common::VenueState state() const noexcept { return state_; }

 private:
  common::SpscQueue<common::MdEvent>& out_;
  common::VenueId venue_;
  GatewayCounters& counters_;
  common::VenueState state_ = common::VenueState::kDown;
  bool status_pending_ = false;
};

}  // namespace peregrine::gateways::cex
