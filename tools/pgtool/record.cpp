// pgtool record import|dump: convert recorded captures into Peregrine recorder files and print
// them (docs/journal.md, "Recorder files"). Main thread only.
// Exit status: 0 clean, 1 a corrupt record (offset and reason on stderr), 2 usage/I/O errors.
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/journal/journal_reader.hpp"
#include "engine/journal/recorder_format.hpp"
#include "engine/journal/recorder_import.hpp"
#include "tools/pgtool/args.hpp"
#include "tools/pgtool/commands.hpp"

namespace peregrine::tools {
namespace {

namespace jr = engine::journal;
namespace cap = gateways::capture;

std::vector<std::string> split_args(const std::vector<std::string>& args,
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

// The venue named by the capture's path (../shared/data/<venue>/...), if any.
bool venue_from_path(const std::string& path, common::VenueId* out) {
  for (const common::VenueId v : common::kAllVenues) {
    const std::string name(jr::enum_name(v));
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
    if (path.find("/" + name + "/") != std::string::npos || path.find(upper) != std::string::npos ||
        path.rfind(name + "/", 0) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

int record_import(const std::vector<std::string>& args) {
  std::vector<std::string> flags;
  const auto pos = split_args(args, {"--format", "--venue"}, &flags);
  const Args a(flags, {"--format", "--venue"}, {});
  cap::CaptureFormat format{};
  const std::string fmt = a.require("--format");
  if (!cap::parse_capture_format(fmt, &format)) {
    throw UsageError{"--format: expected hftbacktest or cryptofeed, got '" + fmt + "'"};
  }
  if (pos.size() != 2) throw UsageError{"record import: expected IN and OUT"};
  common::VenueId venue{};
  if (const auto v = a.get("--venue")) {
    if (!common::parse_venue(*v, &venue)) throw UsageError{"--venue: unknown venue '" + *v + "'"};
  } else if (!venue_from_path(pos[0], &venue)) {
    throw UsageError{"cannot tell the venue from the path; pass --venue"};
  }
  jr::ImportStats st;
  std::string err;
  if (!jr::import_capture(pos[0], format, venue, pos[1], &st, &err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }
  std::printf(
      "{\"input\":\"%s\",\"output\":\"%s\",\"venue\":\"%s\",\"frames\":%llu,\"bytes\":%llu,"
      "\"first_ts\":%lld,\"last_ts\":%lld}\n",
      pos[0].c_str(), pos[1].c_str(), std::string(jr::enum_name(venue)).c_str(),
      static_cast<unsigned long long>(st.frames), static_cast<unsigned long long>(st.bytes),
      static_cast<long long>(st.first_ts), static_cast<long long>(st.last_ts));
  return 0;
}

int record_dump(const std::vector<std::string>& args) {
  std::vector<std::string> flags;
  const auto pos = split_args(args, {"--limit"}, &flags);
  const Args a(flags, {"--limit"}, {});
  const std::uint64_t limit = a.get_u64("--limit").value_or(UINT64_MAX);
  if (pos.size() != 1) throw UsageError{"record dump: expected one FILE"};
  std::string err;
  auto r = jr::JournalReader::open(pos[0], &err);
  if (!r) throw UsageError{err};
  jr::RecordView v;
  jr::JournalReader::Next n = jr::JournalReader::Next::kEnd;
  for (std::uint64_t i = 0; i < limit; ++i) {
    n = r->next(&v);
    if (n != jr::JournalReader::Next::kRecord) break;
    std::string line = jr::raw_frame_json(v);
    line += '\n';
    std::fputs(line.c_str(), stdout);
  }
  if (n == jr::JournalReader::Next::kCorrupt) {
    const auto& c = r->corruption();
    std::fprintf(stderr, "corrupt record at offset %llu: %s\n",
                 static_cast<unsigned long long>(c.offset), c.reason.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

PGTOOL_COMMAND("record", "import",
               "  pgtool record import --format hftbacktest|cryptofeed [--venue V] IN OUT\n"
               "      converts a capture (../shared/data) into a Peregrine recorder file",
               &record_import);
PGTOOL_COMMAND("record", "dump",
               "  pgtool record dump FILE [--limit N]\n"
               "      one JSON object per frame: ts_recv, venue, kind, conn, frame",
               &record_dump);

}  // namespace peregrine::tools
