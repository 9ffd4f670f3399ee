// Scripted fakes of the gateway seams (clock, WebSocket, REST, HL HTTP) and queue helpers shared
// by the gateway tests. Single-threaded: the test thread scripts them and polls the gateway.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/events.hpp"
#include "common/spsc_queue.hpp"
#include "gateways/cex_transport.hpp"
#include "gateways/gateway_types.hpp"

namespace peregrine::test {

// Time the test moves by hand; starts at 1000 s unless a gateway needs a real epoch.
class FakeClock final : public common::Clock {
 public:
  explicit FakeClock(common::Nanos start = 1'000'000'000'000) : now(start) {}
  common::Nanos now_ns() const noexcept override { return now; }
  common::Nanos now;
};

// Scripted WebSocket: open/text/close steps are delivered on the next poll(), in order.
// `always_open` reports kOpen whatever the script did (order links the test never drops).
class FakeWs final : public gateways::WsTransport {
 public:
  explicit FakeWs(bool always_open = false) : always_open_(always_open) {}
  void set_listener(gateways::WsListener* l) noexcept override { listener_ = l; }
  bool send_text(std::string_view f) noexcept override {
    if (state() != gateways::LinkState::kOpen) return false;
    sent.emplace_back(f);
    return true;
  }
  void reconnect() noexcept override {
    ++reconnect_calls;
    state_ = gateways::LinkState::kDisconnected;
  }
  gateways::LinkState state() const noexcept override {
    return always_open_ ? gateways::LinkState::kOpen : state_;
  }
  int poll() noexcept override {
    int n = 0;
    while (!script_.empty()) {
      Step s = std::move(script_.front());
      script_.pop_front();
      ++n;
      if (s.kind == Step::kOpen) {
        state_ = gateways::LinkState::kOpen;
        listener_->on_ws_open();
      } else if (s.kind == Step::kClose) {
        state_ = gateways::LinkState::kDisconnected;
        listener_->on_ws_close();
      } else {
        // Unpadded (capacity == size): the parser copies the frame.
        gateways::WsFrame f{s.text.data(), s.text.size(), s.text.size(), 0};
        listener_->on_ws_text(f);
      }
    }
    return n;
  }
  void open() { script_.push_back({Step::kOpen, {}}); }
  void close() { script_.push_back({Step::kClose, {}}); }
  void text(std::string t) { script_.push_back({Step::kText, std::move(t)}); }

  std::vector<std::string> sent;
  int reconnect_calls = 0;

 private:
  struct Step {
    enum Kind { kOpen, kClose, kText } kind;
    std::string text;
  };
  std::deque<Step> script_;
  gateways::WsListener* listener_ = nullptr;
  gateways::LinkState state_ = gateways::LinkState::kDisconnected;
  bool always_open_;
};

// Answers queued by the test, delivered to the listener on the next poll().
class ScriptedAnswers {
 public:
  void answer(std::uint64_t id, gateways::HttpOutcome outcome, int status, std::string body) {
    answers_.push_back({id, outcome, status, std::move(body)});
  }
  int deliver(gateways::HttpListener* listener) noexcept {
    int n = 0;
    while (!answers_.empty()) {
      Answer a = std::move(answers_.front());
      answers_.pop_front();
      gateways::HttpResponse r;  // no clock here: ts_sent/ts_recv stay 0 ("not known")
      r.request_id = a.id;
      r.outcome = a.outcome;
      r.status = a.status;
      r.body = a.body;
      listener->on_http_response(r);
      ++n;
    }
    return n;
  }

 private:
  struct Answer {
    std::uint64_t id;
    gateways::HttpOutcome outcome;
    int status;
    std::string body;
  };
  std::deque<Answer> answers_;
};

// Records CEX REST requests; the test answers them explicitly by id.
class FakeRest final : public gateways::RestTransport {
 public:
  struct Req {
    std::uint64_t id;
    gateways::HttpMethod method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
  };
  void set_listener(gateways::HttpListener* l) noexcept override { listener_ = l; }
  std::uint64_t request(gateways::HttpMethod m, std::string_view target,
                        std::span<const gateways::RestHeader> hs,
                        std::string_view body) noexcept override {
    Req r{++next_, m, std::string(target), {}, std::string(body)};
    for (const auto& h : hs) r.headers.emplace_back(h.name, h.value);
    reqs.push_back(std::move(r));
    return next_;
  }
  int poll() noexcept override { return answers_.deliver(listener_); }
  void answer(std::uint64_t id, int status, std::string body,
              gateways::HttpOutcome outcome = gateways::HttpOutcome::kOk) {
    answers_.answer(id, outcome, status, std::move(body));
  }
  std::size_t count(gateways::HttpMethod m, std::string_view path) const {
    std::size_t n = 0;
    for (const auto& r : reqs) {
      if (r.method == m && r.target.starts_with(path)) ++n;
    }
    return n;
  }

  std::vector<Req> reqs;

 private:
  ScriptedAnswers answers_;
  gateways::HttpListener* listener_ = nullptr;
  std::uint64_t next_ = 0;
};

// Records every Hyperliquid POST; the test answers them by id.
class FakeHttp final : public gateways::HttpTransport {
 public:
  struct Post {
    std::uint64_t id;
    std::string target;
    std::string body;
  };
  void set_listener(gateways::HttpListener* l) noexcept override { listener_ = l; }
  std::uint64_t post(std::string_view target, std::string_view body) noexcept override {
    if (refuse) return 0;
    posts.push_back({++next_id_, std::string(target), std::string(body)});
    return next_id_;
  }
  int poll() noexcept override { return answers_.deliver(listener_); }
  void answer(std::uint64_t id, std::string body, int status = 200) {
    answers_.answer(id, gateways::HttpOutcome::kOk, status, std::move(body));
  }
  void fail(std::uint64_t id, gateways::HttpOutcome outcome) {
    answers_.answer(id, outcome, 0, {});
  }
  std::size_t count(std::string_view target) const {
    std::size_t n = 0;
    for (const auto& p : posts)
      if (p.target == target) ++n;
    return n;
  }

  std::vector<Post> posts;
  bool refuse = false;

 private:
  ScriptedAnswers answers_;
  gateways::HttpListener* listener_ = nullptr;
  std::uint64_t next_id_ = 0;
};

// Everything the gateway has pushed so far, in order.
template <typename T>
std::vector<T> drain(common::SpscQueue<T>& q) {
  std::vector<T> v;
  T e;
  while (q.try_pop(e)) v.push_back(e);
  return v;
}

inline std::vector<common::VenueState> states_of(const std::vector<common::MdEvent>& ev) {
  std::vector<common::VenueState> s;
  for (const auto& e : ev)
    if (e.kind == common::MdKind::kVenueStatus) s.push_back(e.status.state);
  return s;
}

inline std::vector<common::ResetReason> resets_of(const std::vector<common::MdEvent>& ev) {
  std::vector<common::ResetReason> s;
  for (const auto& e : ev)
    if (e.kind == common::MdKind::kBookReset) s.push_back(e.reset.reason);
  return s;
}

}  // namespace peregrine::test
