#include "engine/alerts/webhook_alerter.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <utility>

#include "engine/control/control_json.hpp"
#include "engine/journal/journal_names.hpp"

namespace peregrine::engine::alerts {

std::string_view to_string(AlertKind k) noexcept {
  switch (k) {
    case AlertKind::kFill:
      return "fill";
    case AlertKind::kReject:
      return "reject";
    case AlertKind::kHalt:
      return "halt";
    case AlertKind::kDisconnect:
      return "disconnect";
    case AlertKind::kKill:
      return "kill";
    case AlertKind::kOther:
      return "other";
  }
  return "unknown";
}

Alert Alert::fill(const common::Fill& f) noexcept {
  Alert a;
  a.ts = f.ts_recv;
  a.kind = AlertKind::kFill;
  a.has_venue = true;
  a.venue = f.venue;
  a.side = f.side;
  a.instrument = f.instrument;
  a.cloid = f.cloid;
  a.price = f.price;
  a.qty = f.qty;
  return a;
}

Alert Alert::reject(const common::OrderUpdate& u) noexcept {
  Alert a;
  a.ts = u.ts_recv;
  a.kind = AlertKind::kReject;
  a.has_venue = true;
  a.venue = u.venue;
  a.side = u.side;
  a.instrument = u.instrument;
  a.cloid = u.cloid;
  a.price = u.price;
  a.qty = u.qty;
  a.set_text(journal::enum_name(u.reject));
  return a;
}

Alert Alert::venue_status(const common::VenueStatus& s) noexcept {
  Alert a;
  a.ts = s.ts_recv;
  a.kind = s.state == common::VenueState::kDown || s.state == common::VenueState::kStale
               ? AlertKind::kDisconnect
               : AlertKind::kOther;
  a.has_venue = true;
  a.venue = s.venue;
  a.set_text(journal::enum_name(s.state));
  return a;
}

Alert Alert::halt(common::Nanos ts, std::string_view why) noexcept {
  Alert a;
  a.ts = ts;
  a.kind = AlertKind::kHalt;
  a.set_text(why);
  return a;
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

void stderr_sink(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace

WebhookAlerter::WebhookAlerter(WebhookConfig config, const common::Clock& clock, AlertLogSink log)
    : config_(std::move(config)),
      clock_(clock),
      log_(log ? std::move(log) : AlertLogSink(stderr_sink)),
      queue_(config_.queue_capacity) {}

WebhookAlerter::~WebhookAlerter() = default;

bool WebhookAlerter::configure(std::string* error) {
  configured_ = false;
  if (config_.url.empty()) return true;
  constexpr std::string_view kScheme = "http://";
  const std::string_view url = config_.url;
  if (url.substr(0, kScheme.size()) != kScheme) {
    *error = "alerts: webhook url must start with http:// (https is not supported yet)";
    return false;
  }
  const std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  path_ = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const std::size_t colon = authority.rfind(':');
  if (authority.empty() || colon == 0) {
    *error = "alerts: webhook url has no host";
    return false;
  }
  if (colon == std::string_view::npos) {
    host_ = std::string(authority);
    port_ = "80";
  } else {
    host_ = std::string(authority.substr(0, colon));
    port_ = std::string(authority.substr(colon + 1));
    if (port_.empty() || port_.find_first_not_of("0123456789") != std::string::npos ||
        port_.size() > 5) {
      *error = "alerts: webhook url has a bad port";
      return false;
    }
  }
  if (config_.max_attempts < 1) {
    *error = "alerts: max_attempts must be at least 1";
    return false;
  }
  configured_ = true;
  return true;
}

std::string WebhookAlerter::to_json(const Alert& a) {
  std::string o =
      "{\"kind\":\"" + std::string(to_string(a.kind)) + "\",\"ts\":" + std::to_string(a.ts);
  if (a.has_venue) o += ",\"venue\":\"" + std::string(journal::enum_name(a.venue)) + "\"";
  if (a.kind == AlertKind::kFill || a.kind == AlertKind::kReject) {
    o += ",\"instrument\":" + std::to_string(a.instrument.value);
    o += ",\"cloid\":\"" + a.cloid.to_cloid() + "\"";
    o += ",\"side\":\"" + std::string(journal::enum_name(a.side)) + "\"";
    o += ",\"price\":\"" + a.price.to_string() + "\",\"qty\":\"" + a.qty.to_string() + "\"";
  }
  o += ",\"text\":";
  control::append_json_string(o, a.text_view());
  o += '}';
  return o;
}

bool WebhookAlerter::post(const std::string& body, std::string* why) noexcept {
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    http::request<http::string_body> req(http::verb::post, path_, 11);
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "peregrine-alerts");
    req.body() = body;
    req.prepare_payload();
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code result = asio::error::timed_out;
    bool done = false;
    const auto timeout = std::chrono::nanoseconds(config_.attempt_timeout_ns);
    stream.expires_after(timeout);
    resolver.async_resolve(host_, port_, [&](beast::error_code ec, tcp::resolver::results_type r) {
      if (ec) {
        result = ec;
        done = true;
        return;
      }
      stream.async_connect(r, [&](beast::error_code ec2, const tcp::endpoint&) {
        if (ec2) {
          result = ec2;
          done = true;
          return;
        }
        http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
          if (ec3) {
            result = ec3;
            done = true;
            return;
          }
          http::async_read(stream, buffer, res, [&](beast::error_code ec4, std::size_t) {
            result = ec4;
            done = true;
          });
        });
      });
    });
    io.run_for(timeout + std::chrono::milliseconds(50));
    if (!done) {
      *why = "timed out";
      return false;
    }
    if (result) {
      *why = result.message();
      return false;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    if (res.result_int() / 100 != 2) {
      *why = "HTTP " + std::to_string(res.result_int());
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    *why = e.what();
    return false;
  }
}

int WebhookAlerter::do_work() noexcept {
  try {
    if (!in_flight_) {
      if (!queue_.try_pop(current_)) return 0;
      current_body_ = to_json(current_);
      log_("alert " + current_body_);
      bump(logged_);
      if (!configured_) return 1;
      in_flight_ = true;
      attempts_ = 0;
      next_attempt_ns_ = clock_.now_ns();
    }
    const common::Nanos now = clock_.now_ns();
    if (now < next_attempt_ns_) return 0;
    std::string why;
    ++attempts_;
    if (post(current_body_, &why)) {
      bump(sent_);
      in_flight_ = false;
      return 1;
    }
    bump(failed_attempts_);
    if (attempts_ >= config_.max_attempts) {
      bump(failed_);
      in_flight_ = false;
      log_("alert webhook gave up after " + std::to_string(attempts_) + " attempts: " + why);
      return 1;
    }
    next_attempt_ns_ = now + (config_.retry_backoff_ns << (attempts_ - 1));
    return 1;
  } catch (...) {
    bump(failed_);
    in_flight_ = false;
    return 1;
  }
}

}  // namespace peregrine::engine::alerts
