#include "gateways/hyperliquid/nonce.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace peregrine::gateways::hyperliquid {

namespace {
constexpr std::uint64_t kDayMs = 86'400'000;
}

NonceManager::NonceManager(const common::Clock& wall_clock, std::string persist_path,
                           std::uint64_t lease_ms)
    : clock_(wall_clock), path_(std::move(persist_path)), lease_ms_(lease_ms) {
  if (path_.empty()) {
    leased_until_.store(UINT64_MAX);
    return;
  }
  std::ifstream in(path_);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    std::uint64_t hwm = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), hwm);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      throw std::runtime_error("nonce file " + path_ + " is corrupt (expected one integer)");
    }
    // Everything up to the persisted lease may have been used before the restart.
    last_.store(hwm);
  }
  if (!extend_lease(last_.load() + 1)) {
    throw std::runtime_error("cannot write nonce file " + path_);
  }
}

std::uint64_t NonceManager::now_ms() const noexcept {
  return static_cast<std::uint64_t>(clock_.now_ns() / 1'000'000);
}

std::uint64_t NonceManager::next() noexcept {
  const std::uint64_t now = now_ms();
  std::uint64_t prev = last_.load(std::memory_order_relaxed);
  std::uint64_t cand = 0;
  do {
    cand = now > prev ? now : prev + 1;
  } while (!last_.compare_exchange_weak(prev, cand, std::memory_order_acq_rel,
                                        std::memory_order_relaxed));
  if (cand > now) ahead_.fetch_add(1, std::memory_order_relaxed);
  if (cand > leased_until_.load(std::memory_order_acquire)) [[unlikely]] {
    sync_persists_.fetch_add(1, std::memory_order_relaxed);
    if (!extend_lease(cand)) return 0;
  }
  return cand;
}

void NonceManager::maintain() noexcept {
  const std::uint64_t leased = leased_until_.load(std::memory_order_acquire);
  if (leased == UINT64_MAX) return;
  const std::uint64_t base = std::max(now_ms(), last_.load(std::memory_order_acquire));
  if (leased < base + lease_ms_ / 2) static_cast<void>(extend_lease(base));
}

void NonceManager::skip_to(std::uint64_t at_least) noexcept {
  std::uint64_t prev = last_.load(std::memory_order_relaxed);
  while (prev < at_least &&
         !last_.compare_exchange_weak(prev, at_least, std::memory_order_acq_rel)) {
  }
  if (at_least > leased_until_.load(std::memory_order_acquire)) {
    static_cast<void>(extend_lease(at_least));
  }
}

bool NonceManager::outside_window() const noexcept {
  return last_.load(std::memory_order_relaxed) > now_ms() + kDayMs;
}

bool NonceManager::extend_lease(std::uint64_t needed) noexcept {
  std::lock_guard<std::mutex> lock(persist_mutex_);
  if (leased_until_.load(std::memory_order_acquire) >= needed &&
      leased_until_.load(std::memory_order_acquire) >= now_ms() + lease_ms_ / 2) {
    return true;
  }
  const std::uint64_t target = std::max(needed, now_ms()) + lease_ms_;
  if (!persist(target)) {
    persist_failures_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  leased_until_.store(target, std::memory_order_release);
  return true;
}

// Write to a temp file, fsync, rename: the file always holds a complete, durable number.
bool NonceManager::persist(std::uint64_t value) noexcept {
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf) - 1, value);
  static_cast<void>(ec);
  *end = '\n';
  const auto len = static_cast<std::size_t>(end - buf + 1);
  const bool ok = ::write(fd, buf, len) == static_cast<ssize_t>(len) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace peregrine::gateways::hyperliquid
