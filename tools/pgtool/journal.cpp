// pgtool journal dump|export: read a Peregrine journal (docs/journal.md). Main thread only.
// Exit status: 0 clean, 1 the file is corrupt (everything before the bad record is still
// printed/exported, and the offset and reason go to stderr), 2 usage or I/O errors.
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/journal/journal_export.hpp"
#include "engine/journal/journal_reader.hpp"
#include "engine/journal/recorder_format.hpp"
#include "tools/pgtool/args.hpp"
#include "tools/pgtool/commands.hpp"

namespace peregrine::tools {
namespace {

namespace jr = engine::journal;

// Splits "--flag value" pairs from positional arguments (Args handles only flags).
std::vector<std::string> positionals(const std::vector<std::string>& args,
                                     const std::set<std::string>& valued,
                                     std::vector<std::string>* flags) {
  std::vector<std::string> pos;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (valued.count(args[i]) != 0) {
      flags->push_back(args[i]);
      if (i + 1 < args.size()) flags->push_back(args[++i]);
    } else if (args[i].rfind("--", 0) == 0) {
      flags->push_back(args[i]);
    } else {
      pos.push_back(args[i]);
    }
  }
  return pos;
}

std::unique_ptr<jr::JournalReader> open_journal(const std::string& path) {
  std::string err;
  auto r = jr::JournalReader::open(path, &err);
  if (!r) throw UsageError{err};
  return r;
}

int report_end(jr::JournalReader& r, jr::JournalReader::Next n) {
  if (n != jr::JournalReader::Next::kCorrupt) return 0;
  const auto& c = r.corruption();
  std::fprintf(stderr, "corrupt record at offset %llu: %s%s\n",
               static_cast<unsigned long long>(c.offset), c.reason.c_str(),
               c.at_tail ? " (torn tail; the writer truncates it on reopen)" : "");
  return 1;
}

int journal_dump(const std::vector<std::string>& args) {
  std::vector<std::string> flags;
  const auto pos = positionals(args, {}, &flags);
  const Args a(flags, {}, {"--no-header"});
  if (pos.size() != 1) throw UsageError{"journal dump: expected one FILE"};
  auto r = open_journal(pos[0]);
  if (!a.has("--no-header")) {
    const auto& h = r->header();
    std::string line = "{\"type\":\"file_header\",\"kind\":\"";
    line += h.kind == jr::FileKind::kJournal ? "journal" : "recorder";
    line += "\",\"version\":" + std::to_string(h.version) +
            ",\"created_ns\":" + std::to_string(h.created_ns) +
            ",\"config_hash\":" + std::to_string(h.config_hash) + ",\"engine_id\":";
    jr::append_json_string(line, h.engine());
    line += "}\n";
    std::fputs(line.c_str(), stdout);
  }
  jr::RecordView v;
  jr::JournalReader::Next n;
  while ((n = r->next(&v)) == jr::JournalReader::Next::kRecord) {
    std::string line = jr::raw_frame_json(v);  // journal records print as record_json
    line += '\n';
    std::fputs(line.c_str(), stdout);
  }
  return report_end(*r, n);
}

int journal_export(const std::vector<std::string>& args) {
  std::vector<std::string> flags;
  const auto pos = positionals(args, {"--csv"}, &flags);
  const Args a(flags, {"--csv"}, {});
  const std::string dir = a.require("--csv");
  if (pos.size() != 1) throw UsageError{"journal export: expected one FILE"};
  auto r = open_journal(pos[0]);
  jr::CsvExporter ex;
  std::string err;
  if (!ex.open(dir, &err)) throw UsageError{err};
  jr::RecordView v;
  jr::JournalReader::Next n;
  while ((n = r->next(&v)) == jr::JournalReader::Next::kRecord) {
    jr::JournalRecord rec;
    if (jr::decode_payload(v.type, v.payload.data(), v.payload.size(), &rec)) {
      ex.add(rec);
    } else {
      ++ex.stats().undecodable;
    }
  }
  if (!ex.finish(&err)) throw UsageError{err};
  const auto& s = ex.stats();
  std::printf(
      "{\"dir\":\"%s\",\"orders\":%llu,\"executions\":%llu,\"positions\":%llu,"
      "\"risk_events\":%llu,\"undecodable\":%llu}\n",
      dir.c_str(), static_cast<unsigned long long>(s.orders),
      static_cast<unsigned long long>(s.executions), static_cast<unsigned long long>(s.positions),
      static_cast<unsigned long long>(s.risk_events),
      static_cast<unsigned long long>(s.undecodable));
  return report_end(*r, n);
}

}  // namespace

PGTOOL_COMMAND("journal", "dump",
               "  pgtool journal dump FILE [--no-header]\n"
               "      one JSON object per record (first line: the file header)",
               &journal_dump);
PGTOOL_COMMAND("journal", "export",
               "  pgtool journal export --csv DIR FILE\n"
               "      writes DIR/orders.csv, executions.csv, positions.csv, risk_events.csv",
               &journal_export);

}  // namespace peregrine::tools
