// Journal: the core-side cost of try_append (copy into the SPSC ring) and the writer thread's
// drain throughput (encode + CRC32C + buffered write(2)), records per second.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/clock.hpp"
#include "engine/journal/journal_writer.hpp"

namespace {

namespace jr = peregrine::engine::journal;
namespace fs = std::filesystem;

fs::path bench_path(const char* name) {
  return fs::temp_directory_path() /
         (std::string("pg_journal_bench_") + name + "_" + std::to_string(::getpid()) + ".pgj");
}

peregrine::common::Fill sample_fill() {
  peregrine::common::Fill f;
  f.ts_recv = 1;
  f.price = peregrine::common::Price::parse("61800.5").value();
  f.qty = peregrine::common::Qty::parse("0.01").value();
  f.cloid = {1, 2};
  return f;
}

// Core side only: the writer drains off the clock every 4096 appends so the ring never fills.
void BM_Journal_Append(benchmark::State& state) {
  const fs::path p = bench_path("append");
  fs::remove(p);
  peregrine::common::ReplayClock clock(0);
  jr::JournalWriterConfig cfg;
  cfg.path = p.string();
  cfg.queue_capacity = 8192;
  cfg.fsync = jr::FsyncPolicy::kNever;
  jr::JournalWriter w(cfg, clock);
  std::string err;
  if (!w.open(&err)) {
    state.SkipWithError(err.c_str());
    return;
  }
  const jr::JournalRecord rec(sample_fill());
  std::uint64_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.try_append(rec));
    if ((++n & 4095) == 0) {
      state.PauseTiming();
      while (w.do_work() > 0) {
      }
      state.ResumeTiming();
    }
  }
  state.counters["dropped"] = static_cast<double>(w.dropped());
  w.on_close();
  fs::remove(p);
}
BENCHMARK(BM_Journal_Append);

// Writer side: records/s through encode, CRC and write (page cache; fsync off).
void BM_Journal_WriterThroughput(benchmark::State& state) {
  const fs::path p = bench_path("writer");
  fs::remove(p);
  peregrine::common::ReplayClock clock(0);
  jr::JournalWriterConfig cfg;
  cfg.path = p.string();
  cfg.queue_capacity = 4096;
  cfg.batch = 4096;
  cfg.fsync = jr::FsyncPolicy::kNever;
  jr::JournalWriter w(cfg, clock);
  std::string err;
  if (!w.open(&err)) {
    state.SkipWithError(err.c_str());
    return;
  }
  const jr::JournalRecord rec(sample_fill());
  std::uint64_t records = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < 4096; ++i) {
      if (!w.try_append(rec)) break;
    }
    state.ResumeTiming();
    records += static_cast<std::uint64_t>(w.do_work());
  }
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  state.counters["bytes_per_record"] =
      static_cast<double>(w.bytes()) / static_cast<double>(records > 0 ? records : 1);
  w.on_close();
  fs::remove(p);
}
BENCHMARK(BM_Journal_WriterThroughput);

}  // namespace
