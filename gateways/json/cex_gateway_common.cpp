#include "gateways/json/cex_gateway_common.hpp"

#include <utility>

namespace peregrine::gateways::cex {

NetRestTransport::NetRestTransport(net::NetLoop& loop, const common::Clock& clock,
                                   net::HttpOptions options)
    : loop_(loop), client_(loop.io(), clock, *this, std::move(options)) {}

std::uint64_t NetRestTransport::request(HttpMethod method, std::string_view target,
                                        std::span<const RestHeader> headers,
                                        std::string_view body) noexcept {
  if (headers.size() > kMaxHeaders) return 0;
  net::HttpHeader hs[kMaxHeaders];
  for (std::size_t i = 0; i < headers.size(); ++i) hs[i] = {headers[i].name, headers[i].value};
  net::HttpRequest req;
  switch (method) {
    case HttpMethod::kGet:
      req.method = boost::beast::http::verb::get;
      break;
    case HttpMethod::kPost:
      req.method = boost::beast::http::verb::post;
      break;
    case HttpMethod::kPut:
      req.method = boost::beast::http::verb::put;
      break;
    case HttpMethod::kDelete:
      req.method = boost::beast::http::verb::delete_;
      break;
  }
  req.target = target;
  req.headers = std::span<const net::HttpHeader>(hs, headers.size());
  req.body = body;
  const std::uint64_t tag = ++next_tag_;
  return client_.submit(req, tag) == net::HttpSubmit::kQueued ? tag : 0;
}

int NetRestTransport::poll() noexcept { return loop_.poll() + client_.poll(); }

void NetRestTransport::on_response(std::uint64_t tag, const net::HttpResponseView& response) {
  if (listener_ == nullptr) return;
  HttpResponse r;
  r.request_id = tag;
  if (response.ok()) {
    r.outcome = HttpOutcome::kOk;
    r.status = static_cast<int>(response.status());
    r.body = response.body();
  } else if (response.sent() == net::SendState::kNotSent) {
    r.outcome = HttpOutcome::kNotSent;
  } else if (response.error() == net::HttpError::kTimeout) {
    r.outcome = HttpOutcome::kTimeout;
  } else {
    r.outcome = HttpOutcome::kMaybeSent;
  }
  net::copy_response_meta(response, r);  // ts_sent/ts_recv, Retry-After, usage headers
  listener_->on_http_response(r);
}

void NetRestTransport::on_sent(std::uint64_t tag, common::Nanos ts_sent) {
  if (listener_ != nullptr) listener_->on_http_sent(tag, ts_sent);
}

bool plain_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool MdOutput::push_run(std::span<const common::BookDelta> run) noexcept {
  if (run.empty()) return true;
  if (free_slots() < run.size()) {
    counters_.queue_full.add();
    return false;
  }
  for (const auto& d : run) {
    if (!out_.try_push(common::MdEvent(d))) {  // cannot happen after the room check
      counters_.queue_full.add();
      return false;
    }
  }
  return true;
}

bool MdOutput::push_run(std::span<const common::MdEvent> run) noexcept {
  if (run.empty()) return true;
  if (free_slots() < run.size()) {
    counters_.queue_full.add();
    return false;
  }
  for (const auto& e : run) {
    if (!out_.try_push(e)) {
      counters_.queue_full.add();
      return false;
    }
  }
  return true;
}

bool MdOutput::push(const common::MdEvent& e) noexcept {
  if (out_.try_push(e)) return true;
  counters_.queue_full.add();
  return false;
}

bool MdOutput::push_reset(const common::BookReset& r) noexcept {
  if (!out_.try_push(common::MdEvent(r))) return false;
  counters_.resets.add();
  return true;
}

void MdOutput::set_state(common::VenueState s, common::Nanos now) noexcept {
  if (s == state_) return;
  state_ = s;
  status_pending_ = true;
  (void)flush_status(now);
}

bool MdOutput::flush_status(common::Nanos now) noexcept {
  if (!status_pending_) return true;
  common::VenueStatus st;
  st.ts_recv = now;
  st.venue = venue_;
  st.state = state_;
  if (!out_.try_push(common::MdEvent(st))) return false;
  status_pending_ = false;
  return true;
}

}  // namespace peregrine::gateways::cex
