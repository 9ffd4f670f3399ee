#include "gateways/capture/capture_reader.hpp"

#include <gtest/gtest.h>

#include "support/test_data.hpp"

namespace peregrine::gateways::capture {
namespace {

TEST(CaptureReader, ReadsHftbacktestGzip) {
  PEREGRINE_REQUIRE_DATA(path, "binance/usdm/btcusdt_20240808.gz");
  std::string error;
  auto r = CaptureReader::open(path.string(), CaptureFormat::kHftbacktest, &error);
  ASSERT_NE(r, nullptr) << error;
  CaptureRecord rec;
  std::uint64_t n = 0, depth = 0, snapshots = 0;
  std::int64_t first_ts = 0;
  while (r->next(&rec)) {
    if (n++ == 0) first_ts = rec.ts_ns;
    if (rec.payload.find("depthUpdate") != std::string_view::npos) ++depth;
    if (rec.payload.find("\"lastUpdateId\"") != std::string_view::npos) ++snapshots;
  }
  EXPECT_TRUE(r->error().empty()) << r->error();
  EXPECT_EQ(depth, 6551u);  // SOURCES.md: 6551 depth / 66089 bookTicker / 21313 trade / 1 snapshot
  EXPECT_EQ(snapshots, 1u);
  EXPECT_EQ(n, 6551u + 66089u + 21313u + 1u);
  EXPECT_GT(first_ts, 1'723'000'000'000'000'000LL);  // 2024-08 in ns
}

TEST(CaptureReader, ConvertsMicrosecondTimestamps) {
  PEREGRINE_REQUIRE_DATA(path, "binance/usdm/btcusdt_20230404.dat.gz");
  std::string error;
  auto r = CaptureReader::open(path.string(), CaptureFormat::kHftbacktest, &error);
  ASSERT_NE(r, nullptr) << error;
  CaptureRecord rec;
  ASSERT_TRUE(r->next(&rec));
  EXPECT_GT(rec.ts_ns, 1'680'000'000'000'000'000LL);  // 2023-04 in ns, not µs
  EXPECT_LT(rec.ts_ns, 1'690'000'000'000'000'000LL);
}

TEST(CaptureReader, ReadsCryptofeedZstdAndUnescapesPayloads) {
  PEREGRINE_REQUIRE_DATA(path, "bybit/BYBIT.jsonl.zst");
  std::string error;
  auto r = CaptureReader::open(path.string(), CaptureFormat::kCryptofeed, &error);
  ASSERT_NE(r, nullptr) << error;
  CaptureRecord rec;
  std::uint64_t recv = 0, books = 0;
  while (r->next(&rec)) {
    if (rec.kind != RecordKind::kRecv) continue;
    ++recv;
    if (rec.payload.rfind("{\"topic\":\"orderbook.200.BTCUSDT\"", 0) == 0 &&
        rec.conn == "BYBIT.ws.2") {
      ++books;
    }
  }
  EXPECT_TRUE(r->error().empty()) << r->error();
  EXPECT_EQ(books, 414u);  // 1 snapshot + 413 deltas (SOURCES.md)
  EXPECT_GT(recv, books);
}

TEST(CaptureReader, ReportsMissingFilesAndBadLines) {
  std::string error;
  EXPECT_EQ(CaptureReader::open("/nonexistent/x.gz", CaptureFormat::kHftbacktest, &error), nullptr);
  EXPECT_EQ(error, "cannot open /nonexistent/x.gz");
  const std::string tmp = ::testing::TempDir() + "capture_bad.txt";
  {
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    std::fputs("123 {\"a\":1}\nnot-a-line\n", f);
    std::fclose(f);
  }
  auto r = CaptureReader::open(tmp, CaptureFormat::kHftbacktest, &error);
  ASSERT_NE(r, nullptr);
  CaptureRecord rec;
  ASSERT_TRUE(r->next(&rec));
  EXPECT_EQ(rec.payload, "{\"a\":1}");
  EXPECT_FALSE(r->next(&rec));
  EXPECT_EQ(r->error(), "line 2: expected '<timestamp> <json>'");
}

}  // namespace
}  // namespace peregrine::gateways::capture

namespace peregrine::gateways::capture {
namespace {

// On-demand parsing is compiled into our code for the target ISA (-march); at baseline x86-64
// simdjson silently uses its scalar fallback kernel. The build selects x86-64-v3.
TEST(Simdjson, OnDemandUsesASimdKernel) {
  // The namespace on-demand code is compiled into (not the shared library's runtime choice).
  EXPECT_NE(std::string_view(SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION)), "fallback");
}

}  // namespace
}  // namespace peregrine::gateways::capture
