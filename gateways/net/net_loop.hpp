// NetLoop: the io_context a gateway agent owns and polls from do_work() (no run(), no strands,
// no extra threads). Owning (gateway) thread only; see docs/net.md for the agent skeleton.
//
// Why it is fast: poll_one() runs ready handlers without blocking in epoll_wait; the drain is
// bounded per cycle so one busy socket cannot starve the gateway's own queues.
#pragma once

#include <cstddef>
#include <cstdint>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace peregrine::gateways::net {

class NetLoop {
 public:
  // Concurrency hint 1: one thread runs this context, Asio may skip cross-thread wake-ups.
  NetLoop() : ioc_(1), guard_(boost::asio::make_work_guard(ioc_)) {}

  [[nodiscard]] boost::asio::io_context& io() noexcept { return ioc_; }

  // Runs at most `max_handlers` ready handlers; returns how many ran. A handler that throws (none
  // of ours do) is counted and the loop continues with the next cycle.
  int poll(std::size_t max_handlers = 64) noexcept {
    std::size_t ran = 0;
    try {
      while (ran < max_handlers && ioc_.poll_one() != 0) ++ran;
    } catch (...) {
      ++handler_errors_;
    }
    return static_cast<int>(ran);
  }

  [[nodiscard]] std::uint64_t handler_errors() const noexcept { return handler_errors_; }

 private:
  boost::asio::io_context ioc_;
  // poll() stops a context that has run out of work and every later poll() returns at once;
  // the guard keeps it live between connections (reconnect waits have nothing outstanding).
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::uint64_t handler_errors_ = 0;
};

}  // namespace peregrine::gateways::net
