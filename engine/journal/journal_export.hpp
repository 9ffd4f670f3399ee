// Human-readable views of a journal: one JSON object per record (every field named) and the CSV
// tables orders / executions / positions (derived from fills) / risk_events. Off the hot path
// (pgtool, tests); one thread; header-only so pgtool needs no engine link.
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "engine/journal/journal_codec.hpp"
#include "engine/journal/journal_names.hpp"
#include "engine/journal/journal_reader.hpp"

namespace peregrine::engine::journal {

inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      // Non-ASCII is escaped byte-wise so a malformed UTF-8 note still yields valid JSON.
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", static_cast<unsigned>(u));
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

// Renders one field value: JSON (strings quoted) or CSV (bare; no field ever holds a comma).
template <typename T>
std::string field_text(const T& f, bool json) {
  const auto quoted = [json](std::string_view s) {
    if (!json) return std::string(s);
    std::string o;
    append_json_string(o, s);
    return o;
  };
  if constexpr (std::is_enum_v<T>) {
    const std::string_view n = enum_name(f);
    if (n.empty()) return std::to_string(static_cast<std::uint64_t>(f));
    return quoted(n);
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(f);
  } else if constexpr (requires { f.raw(); }) {
    return quoted(f.to_string());
  } else if constexpr (Is<T, common::InstrumentId> || Is<T, common::StrategyId>) {
    return std::to_string(f.value);
  } else if constexpr (Is<T, common::ClientOrderId>) {
    return quoted(f.is_null() ? std::string() : f.to_cloid());
  } else if constexpr (Is<T, common::VenueOrderId>) {
    return quoted(f.is_null() ? std::string() : f.to_string());
  } else {
    const std::string_view s(f.text.data(), f.length);
    if (json) {
      std::string o;
      append_json_string(o, s);
      return o;
    }
    // CSV: quote and double inner quotes (notes are free text).
    std::string o = "\"";
    for (const char c : s) {
      if (c == '"') o += '"';
      o += c;
    }
    return o + "\"";
  }
}

class JsonFieldWriter {
 public:
  explicit JsonFieldWriter(std::string& out) : out_(out) {}
  template <typename T>
  void operator()(std::string_view name, const T& f) {
    out_ += ",\"";
    out_ += name;
    out_ += "\":";
    out_ += field_text(f, true);
  }

 private:
  std::string& out_;
};

// {"offset":64,"type":"fill","version":1,"ts":..., <every field of the payload>}
// Unknown types and payloads that do not decode are still printed (type_id, length, error).
[[nodiscard]] inline std::string record_json(const RecordView& v) {
  std::string out = "{\"offset\":" + std::to_string(v.offset) + ",\"type\":";
  const std::string_view tname = to_string(v.type);
  append_json_string(out, tname);
  out += ",\"type_id\":" + std::to_string(static_cast<unsigned>(v.type));
  out += ",\"version\":" + std::to_string(v.version) + ",\"ts\":" + std::to_string(v.ts);
  out += ",\"length\":" + std::to_string(v.payload.size());
  JournalRecord r;
  if (decode_payload(v.type, v.payload.data(), v.payload.size(), &r)) {
    JsonFieldWriter w(out);
    static_cast<void>(visit_record(static_cast<const JournalRecord&>(r), w));
  } else {
    out += ",\"error\":\"payload does not decode as this type\"";
  }
  out += '}';
  return out;
}

// ---------------------------------------------------------------------------------------------
// CSV export.

struct ExportStats {
  std::uint64_t records = 0;
  std::uint64_t orders = 0;
  std::uint64_t executions = 0;
  std::uint64_t risk_events = 0;
  std::uint64_t positions = 0;
  std::uint64_t undecodable = 0;
};

// Net position per (venue, instrument) from fills: average entry and realized PnL computed
// exactly in 1e-16 units (__int128), then rounded toward zero to 1e-8.
struct DerivedPosition {
  std::int64_t qty_raw = 0;     // signed, 1e-8
  __int128 entry_notional = 0;  // |qty| * avg entry, 1e-16
  __int128 realized = 0;        // 1e-16
  std::int64_t fees_raw = 0;    // 1e-8
  std::uint64_t fills = 0;
  Nanos last_ts = 0;

  void apply(const common::Fill& f) {
    const std::int64_t q = f.side == common::Side::kBuy ? f.qty.raw() : -f.qty.raw();
    const __int128 px = f.price.raw();
    ++fills;
    fees_raw += f.fee.raw();
    last_ts = f.ts_recv;
    if (qty_raw == 0 || (qty_raw > 0) == (q > 0)) {
      qty_raw += q;
      entry_notional += px * (q < 0 ? -q : q);
      return;
    }
    const std::int64_t held = qty_raw < 0 ? -qty_raw : qty_raw;
    const std::int64_t incoming = q < 0 ? -q : q;
    const std::int64_t closed = incoming < held ? incoming : held;
    const __int128 basis = entry_notional * closed / held;
    const __int128 proceeds = px * closed;
    realized += qty_raw > 0 ? proceeds - basis : basis - proceeds;
    entry_notional -= basis;
    qty_raw += q > 0 ? closed : -closed;
    const std::int64_t rest = incoming - closed;
    if (rest > 0) {  // flipped through zero
      qty_raw = q > 0 ? rest : -rest;
      entry_notional = px * rest;
    }
    if (qty_raw == 0) entry_notional = 0;
  }
  [[nodiscard]] common::Price avg_entry() const {
    if (qty_raw == 0) return common::Price::zero();
    const std::int64_t held = qty_raw < 0 ? -qty_raw : qty_raw;
    return common::Price::from_raw(static_cast<std::int64_t>(entry_notional / held));
  }
  [[nodiscard]] common::Money realized_pnl() const {
    return common::Money::from_raw(static_cast<std::int64_t>(realized / common::kDecimalScale));
  }
};

class CsvExporter {
 public:
  // Opens the four files in `dir` (which must exist) and writes their header lines.
  bool open(const std::string& dir, std::string* error) {
    const auto op = [&](std::ofstream& f, const char* name) {
      f.open(dir + "/" + name, std::ios::out | std::ios::trunc);
      if (!f) *error = "cannot write " + dir + "/" + name;
      return static_cast<bool>(f);
    };
    if (!op(orders_, "orders.csv") || !op(executions_, "executions.csv") ||
        !op(positions_, "positions.csv") || !op(risk_, "risk_events.csv")) {
      return false;
    }
    orders_ << "ts,event,venue,instrument,strategy,cloid,venue_order_id,action,status,side,type,"
               "tif,price,qty,filled_qty,avg_price,reject,flags\n";
    executions_ << "ts_recv,ts_venue,venue,instrument,strategy,cloid,venue_order_id,fill_id,side,"
                   "price,qty,fee,liquidity\n";
    positions_ << "venue,instrument,net_qty,avg_entry,realized_pnl,fees,fills,last_ts\n";
    risk_ << "ts,decision,venue,instrument,strategy,cloid,reason\n";
    return true;
  }

  void add(const JournalRecord& r) {
    using common::OrderStatus;
    const auto t = [](const auto& f) { return field_text(f, false); };
    switch (r.type) {
      case RecordType::kOrderIntent: {
        const auto& e = r.intent;
        orders_ << e.ts_recv << ",intent," << t(e.venue) << ',' << t(e.instrument) << ','
                << t(e.strategy) << ',' << t(e.cloid) << ",," << t(e.action) << ",," << t(e.side)
                << ',' << t(e.type) << ',' << t(e.tif) << ',' << t(e.price) << ',' << t(e.qty)
                << ",,,," << unsigned{e.flags} << '\n';
        ++stats_.orders;
        break;
      }
      case RecordType::kOrderUpdate: {
        const auto& e = r.update;
        orders_ << e.ts_recv << ",update," << t(e.venue) << ',' << t(e.instrument) << ','
                << t(e.strategy) << ',' << t(e.cloid) << ',' << t(e.venue_order_id) << ",,"
                << t(e.status) << ',' << t(e.side) << ",,," << t(e.price) << ',' << t(e.qty) << ','
                << t(e.filled_qty) << ',' << t(e.avg_price) << ',' << t(e.reject) << ",\n";
        ++stats_.orders;
        break;
      }
      case RecordType::kFill: {
        const auto& e = r.fill;
        executions_ << e.ts_recv << ',' << e.ts_venue << ',' << t(e.venue) << ',' << t(e.instrument)
                    << ',' << t(e.strategy) << ',' << t(e.cloid) << ',' << t(e.venue_order_id)
                    << ',' << e.fill_id << ',' << t(e.side) << ',' << t(e.price) << ',' << t(e.qty)
                    << ',' << t(e.fee) << ',' << t(e.liquidity) << '\n';
        positions_map_[{static_cast<unsigned>(e.venue), e.instrument.value}].apply(e);
        ++stats_.executions;
        break;
      }
      case RecordType::kOrderDenied: {
        const auto& e = r.denied;
        risk_ << e.ts_recv << ",denied," << t(e.venue) << ',' << t(e.instrument) << ','
              << t(e.strategy) << ',' << t(e.cloid) << ',' << t(e.reason) << '\n';
        ++stats_.risk_events;
        break;
      }
      case RecordType::kOrderAccepted: {
        const auto& e = r.accepted;
        risk_ << e.ts_recv << ",accepted," << t(e.venue) << ',' << t(e.instrument) << ','
              << t(e.strategy) << ',' << t(e.cloid) << ",\n";
        ++stats_.risk_events;
        break;
      }
      default:
        break;
    }
  }

  // Writes positions.csv (sorted by venue, instrument) and closes every file.
  bool finish(std::string* error) {
    for (const auto& [key, p] : positions_map_) {
      positions_ << field_text(static_cast<common::VenueId>(std::get<0>(key)), false) << ','
                 << std::get<1>(key) << ',' << common::Qty::from_raw(p.qty_raw).to_string() << ','
                 << p.avg_entry().to_string() << ',' << p.realized_pnl().to_string() << ','
                 << common::Money::from_raw(p.fees_raw).to_string() << ',' << p.fills << ','
                 << p.last_ts << '\n';
      ++stats_.positions;
    }
    for (std::ofstream* f : {&orders_, &executions_, &positions_, &risk_}) {
      f->flush();
      if (!*f) {
        *error = "write error while exporting CSV";
        return false;
      }
      f->close();
    }
    return true;
  }

  [[nodiscard]] ExportStats& stats() noexcept { return stats_; }

 private:
  std::ofstream orders_, executions_, positions_, risk_;
  std::map<std::tuple<unsigned, std::uint32_t>, DerivedPosition> positions_map_;
  ExportStats stats_;
};

}  // namespace peregrine::engine::journal
