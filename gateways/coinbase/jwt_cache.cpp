#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "gateways/coinbase/jwt.hpp"

namespace peregrine::gateways::coinbase {
namespace {

constexpr common::Nanos kNsPerS = 1'000'000'000;
constexpr common::Nanos kLifetimeNs = kJwtLifetimeS * kNsPerS;
constexpr int kCopyAttempts = 4;

// floor(ns / 1e9) for epoch times, including (theoretical) negatives.
constexpr std::int64_t floor_seconds(common::Nanos ns) noexcept {
  return ns >= 0 ? ns / kNsPerS : -((-ns + kNsPerS - 1) / kNsPerS);
}

}  // namespace

JwtCache::JwtCache(const JwtMinter& minter, std::string_view method, std::string_view path,
                   common::Nanos refresh_before)
    : minter_(minter), refresh_before_(refresh_before) {
  if (refresh_before <= kMinRemaining || refresh_before >= kLifetimeNs) {
    throw std::invalid_argument("JwtCache: refresh_before must lie in (30 s, 120 s)");
  }
  uri_len_ = format_jwt_uri(method, path, uri_.data(), uri_.size());
  if (uri_len_ == 0) throw std::invalid_argument("JwtCache: bad method or path");
}

JwtCache::JwtCache(const JwtMinter& minter, common::Nanos refresh_before)
    : minter_(minter), refresh_before_(refresh_before) {
  if (refresh_before <= kMinRemaining || refresh_before >= kLifetimeNs) {
    throw std::invalid_argument("JwtCache: refresh_before must lie in (30 s, 120 s)");
  }
}

std::unique_ptr<JwtCache> JwtCache::websocket(const JwtMinter& minter,
                                              common::Nanos refresh_before) {
  return std::unique_ptr<JwtCache>(new JwtCache(minter, refresh_before));
}

JwtCache::Refresh JwtCache::refresh(common::Nanos now) noexcept {
  if (generation_.load(std::memory_order_relaxed) != 0 && writer_exp_ns_ - now >= refresh_before_) {
    return Refresh::kFresh;
  }
  const std::int64_t now_s = floor_seconds(now);
  const auto minted = minter_.mint(uri(), now_s, mint_buf_.data(), mint_buf_.size());
  if (!minted) {
    bump(failures_);
    last_error_.store(static_cast<std::uint8_t>(minted.error()), std::memory_order_relaxed);
    return Refresh::kFailed;
  }
  const std::size_t size = *minted;
  const common::Nanos nbf_ns = now_s * kNsPerS;
  const common::Nanos exp_ns = nbf_ns + kLifetimeNs;

  // Seqlock write into the slot the consumer is not being pointed at. No fences (GCC's TSan does
  // not model them): every data store is a release, so a reader that sees any new word also sees
  // the odd sequence before it; on x86 these are plain stores.
  const std::uint32_t next = 1u - published_.load(std::memory_order_relaxed);
  Slot& s = slots_[next];
  const std::uint64_t seq = s.seq.load(std::memory_order_relaxed);
  s.seq.store(seq + 1, std::memory_order_relaxed);
  const std::size_t words = (size + 7) / 8;
  for (std::size_t i = 0; i < words; ++i) {
    std::uint64_t w = 0;
    std::memcpy(&w, mint_buf_.data() + i * 8, std::min<std::size_t>(8, size - i * 8));
    s.words[i].store(w, std::memory_order_release);
  }
  s.size.store(size, std::memory_order_release);
  s.nbf_ns.store(nbf_ns, std::memory_order_release);
  s.exp_ns.store(exp_ns, std::memory_order_release);
  s.seq.store(seq + 2, std::memory_order_release);
  published_.store(next, std::memory_order_release);
  generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  writer_exp_ns_ = exp_ns;
  bump(mints_);
  return Refresh::kMinted;
}

bool JwtCache::copy_published(std::uint64_t generation) noexcept {
  for (int attempt = 0; attempt < kCopyAttempts; ++attempt) {
    const std::uint32_t idx = published_.load(std::memory_order_acquire);
    const Slot& s = slots_[idx];
    const std::uint64_t s1 = s.seq.load(std::memory_order_acquire);
    if ((s1 & 1u) != 0) continue;
    // Acquire loads keep the closing sequence load after them (x86: plain loads).
    const std::uint64_t size = s.size.load(std::memory_order_acquire);
    const common::Nanos nbf = s.nbf_ns.load(std::memory_order_acquire);
    const common::Nanos exp = s.exp_ns.load(std::memory_order_acquire);
    if (size == 0 || size > kMaxJwtBytes) continue;
    const std::size_t words = static_cast<std::size_t>((size + 7) / 8);
    for (std::size_t i = 0; i < words; ++i) {
      const std::uint64_t w = s.words[i].load(std::memory_order_acquire);
      std::memcpy(local_.data() + i * 8, &w, 8);
    }
    if (s.seq.load(std::memory_order_relaxed) != s1) continue;
    local_size_ = static_cast<std::size_t>(size);
    local_nbf_ns_ = nbf;
    local_exp_ns_ = exp;
    local_generation_ = generation;
    bump(copies_);
    return true;
  }
  return false;
}

std::string_view JwtCache::current(common::Nanos now) noexcept {
  const std::uint64_t g = generation_.load(std::memory_order_acquire);
  if (g != local_generation_) [[unlikely]] {
    // A failed copy may have overwritten part of the old token: drop it and retry next call.
    if (!copy_published(g)) local_size_ = 0;
  }
  if (local_size_ != 0 && local_nbf_ns_ <= now && local_exp_ns_ - now >= kMinRemaining) [[likely]] {
    bump(handouts_);
    return {local_.data(), local_size_};
  }
  bump(misses_);
  return {};
}

}  // namespace peregrine::gateways::coinbase
