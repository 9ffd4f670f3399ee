#include "strategies/params.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace peregrine::strategies {

std::string params_to_yaml(const ParamMap& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    out += '\'';
    for (char c : key) {
      out += c;
      if (c == '\'') out += '\'';
    }
    out += "': '";
    for (char c : value) {
      out += c;
      if (c == '\'') out += '\'';
    }
    out += "'\n";
  }
  if (out.empty()) out = "{}\n";
  return out;
}

namespace {

bool parse_one_double(std::string_view text, double* out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && p == end && std::isfinite(*out);
}

std::string range_text(double min, double max) {
  return "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

}  // namespace

std::function<common::Parsed<double>(std::string_view)> ratio_parser(double min, double max) {
  return [min, max](std::string_view text) -> common::Parsed<double> {
    double v = 0;
    if (!parse_one_double(text, &v)) return common::Parsed<double>::failure("expected a number");
    if (v < min || v > max) {
      return common::Parsed<double>::failure("expected a number in " + range_text(min, max));
    }
    return v;
  };
}

std::function<common::Parsed<std::vector<double>>(std::string_view)> double_list_parser(
    double min, double max) {
  return [min, max](std::string_view text) -> common::Parsed<std::vector<double>> {
    std::vector<double> out;
    while (true) {
      const std::size_t comma = text.find(',');
      double v = 0;
      if (!parse_one_double(text.substr(0, comma), &v)) {
        return common::Parsed<std::vector<double>>::failure(
            "expected comma-separated numbers like 0.382,0.5");
      }
      if (v < min || v > max) {
        return common::Parsed<std::vector<double>>::failure("each value must be in " +
                                                            range_text(min, max));
      }
      out.push_back(v);
      if (comma == std::string_view::npos) break;
      text.remove_prefix(comma + 1);
    }
    return out;
  };
}

common::Parsed<common::Side> parse_side(std::string_view text) {
  if (text == "buy" || text == "long") return common::Side::kBuy;
  if (text == "sell" || text == "short") return common::Side::kSell;
  return common::Parsed<common::Side>::failure("expected one of buy, sell, long, short");
}

common::Parsed<common::VenueId> parse_venue_name(std::string_view text) {
  common::VenueId v{};
  if (common::parse_venue(text, &v)) return v;
  return common::Parsed<common::VenueId>::failure(
      "expected one of hyperliquid, binance, bybit, coinbase");
}

}  // namespace peregrine::strategies
