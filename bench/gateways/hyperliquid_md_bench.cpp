// Hyperliquid l2Book frame → book, beside its floor: a raw simdjson on-demand walk that touches
// every field of the same real frame (../shared/data/hyperliquid, or $PEREGRINE_DATA).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/instrument.hpp"
#include "common/l2_book.hpp"
#include "gateways/capture/capture_reader.hpp"
#include "gateways/hyperliquid/md_codec.hpp"

namespace {

using namespace peregrine;  // NOLINT(build/namespaces): benchmark file

std::string first_l2book_frame() {
  const char* env = std::getenv("PEREGRINE_DATA");
  const std::filesystem::path root =
      env != nullptr ? std::filesystem::path(env)
                     : std::filesystem::path(PEREGRINE_SOURCE_DIR) / ".." / "shared" / "data";
  std::string error;
  auto reader = gateways::capture::CaptureReader::open(
      (root / "hyperliquid" / "btcusd_20250126.gz").string(),
      gateways::capture::CaptureFormat::kHftbacktest, &error);
  if (!reader) return {};
  gateways::capture::CaptureRecord rec;
  while (reader->next(&rec)) {
    if (rec.payload.find("\"l2Book\"") != std::string_view::npos) return std::string(rec.payload);
  }
  return {};
}

const simdjson::padded_string& frame() {
  static const simdjson::padded_string f(first_l2book_frame());
  return f;
}

// Floor: visit every level's px, sz and n as raw tokens (no decimal conversion, no book).
void BM_SimdjsonWalk_HlL2Book(benchmark::State& state) {
  if (frame().size() == 0) {
    state.SkipWithError("capture ../shared/data/hyperliquid/btcusd_20250126.gz not found");
    return;
  }
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    auto doc = parser.iterate(frame());
    std::size_t n = 0;
    for (auto side : doc["data"]["levels"].get_array()) {
      for (auto level : side.get_array()) {
        for (auto field : level.get_object()) {
          std::string_view raw = field.value().raw_json_token();
          n += raw.size();
        }
      }
    }
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_SimdjsonWalk_HlL2Book);

// Ours: parse the frame into snapshot deltas (exact decimals) and apply them to an L2Book.
void BM_HlMdParser_L2BookParseApply(benchmark::State& state) {
  if (frame().size() == 0) {
    state.SkipWithError("capture ../shared/data/hyperliquid/btcusd_20250126.gz not found");
    return;
  }
  common::InstrumentRegistry registry;
  common::Instrument btc;
  static_cast<void>(btc.symbol.assign("BTC"));
  static_cast<void>(btc.asset.assign("BTC"));
  btc.tick = common::Price::from_raw(100'000'000);
  btc.lot = common::Qty::from_raw(1'000);
  static_cast<void>(registry.add(btc));
  gateways::hyperliquid::MdParser parser(registry);
  common::L2Book book;
  for (auto _ : state) {
    auto r = parser.parse(simdjson::padded_string_view(frame()), 0);
    for (const auto& e : parser.events()) benchmark::DoNotOptimize(book.apply(e.delta));
    benchmark::DoNotOptimize(r);
  }
  state.counters["levels"] =
      static_cast<double>(book.depth(common::BookSide::kBid) + book.depth(common::BookSide::kAsk));
}
BENCHMARK(BM_HlMdParser_L2BookParseApply);

}  // namespace
