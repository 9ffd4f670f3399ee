#include "gateways/hyperliquid/json_action.hpp"

#include <simdjson.h>

#include <vector>

#include "gateways/hyperliquid/signer.hpp"

namespace peregrine::gateways::hyperliquid {
namespace {

constexpr int kMaxDepth = 32;

JsonActionResult fail(std::string msg) { return JsonActionResult{false, std::move(msg)}; }

bool encode(simdjson::dom::element e, MsgpackWriter& w, const std::string& path, int depth,
            std::string* error) {
  if (depth > kMaxDepth) {
    *error = path + ": nested too deeply";
    return false;
  }
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object obj = e.get_object().value_unsafe();
      w.map(static_cast<std::uint32_t>(obj.size()));
      for (auto field : obj) {
        w.key(field.key);
        const std::string child =
            path.empty() ? std::string(field.key) : path + "." + std::string(field.key);
        if (!encode(field.value, w, child, depth + 1, error)) return false;
      }
      return true;
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array arr = e.get_array().value_unsafe();
      w.array(static_cast<std::uint32_t>(arr.size()));
      std::size_t i = 0;
      for (auto v : arr) {
        if (!encode(v, w, path + "[" + std::to_string(i++) + "]", depth + 1, error)) return false;
      }
      return true;
    }
    case simdjson::dom::element_type::STRING:
      w.str(e.get_string().value_unsafe());
      return true;
    case simdjson::dom::element_type::INT64: {
      const std::int64_t v = e.get_int64().value_unsafe();
      if (v >= 0) {
        w.uint(static_cast<std::uint64_t>(v));
      } else {
        w.sint(v);
      }
      return true;
    }
    case simdjson::dom::element_type::UINT64:
      w.uint(e.get_uint64().value_unsafe());
      return true;
    case simdjson::dom::element_type::DOUBLE:
      *error = (path.empty() ? std::string("value") : path) +
               ": floats are not allowed in actions (send decimals as strings)";
      return false;
    case simdjson::dom::element_type::BOOL:
      w.boolean(e.get_bool().value_unsafe());
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      w.nil();
      return true;
  }
  *error = path + ": unsupported JSON value";
  return false;
}

bool parse_address(std::string_view s, crypto::Address* out) {
  return crypto::parse_hex(s, out->data(), out->size());
}

}  // namespace

JsonActionResult json_to_msgpack(std::string_view json, ByteSink& out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err) {
    return fail(std::string("bad JSON: ") + simdjson::error_message(err));
  }
  if (root.type() != simdjson::dom::element_type::OBJECT) {
    return fail("the action must be a JSON object");
  }
  MsgpackWriter w(out);
  std::string error;
  if (!encode(root, w, "", 0, &error)) return fail(error);
  if (out.overflow()) return fail("action too large for the encode buffer");
  return JsonActionResult{true, {}};
}

std::string action_type_of(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) return {};
  std::string_view type;
  if (root["type"].get(type)) return {};
  return std::string(type);
}

JsonActionResult user_signed_digest_from_json(std::string_view json, crypto::Hash32* digest) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err) {
    return fail(std::string("bad JSON: ") + simdjson::error_message(err));
  }
  std::string_view type;
  if (root["type"].get(type)) return fail("action has no string \"type\"");
  const UserSignedSpec* spec = find_user_signed(type);
  if (spec == nullptr) return fail("not a user-signed action type: " + std::string(type));

  std::string_view chain_hex;
  if (root["signatureChainId"].get(chain_hex)) {
    return fail(std::string(type) + ": missing \"signatureChainId\" (hex chain id)");
  }
  std::uint64_t chain_id = 0;
  {
    std::string_view h = chain_hex;
    if (h.size() > 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) h.remove_prefix(2);
    if (h.empty() || h.size() > 16) return fail("signatureChainId: bad hex");
    for (char c : h) {
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return fail("signatureChainId: bad hex");
      chain_id = chain_id * 16 + static_cast<std::uint64_t>(d);
    }
  }

  std::vector<Eip712Value> values(spec->fields.size());
  for (std::size_t i = 0; i < spec->fields.size(); ++i) {
    const auto& f = spec->fields[i];
    simdjson::dom::element v;
    const bool present = !root[f.name].get(v);
    const std::string where = std::string(type) + "." + std::string(f.name);
    switch (f.type) {
      case Eip712Type::kString:
        if (!present && f.name == "agentName") {
          values[i].str = "";
        } else if (!present || v.get(values[i].str)) {
          return fail(where + ": expected a string");
        }
        break;
      case Eip712Type::kAddress: {
        std::string_view s;
        if (!present || v.get(s) || !parse_address(s, &values[i].address)) {
          return fail(where + ": expected a 0x address");
        }
        break;
      }
      case Eip712Type::kUint64:
        if (!present || v.get(values[i].number))
          return fail(where + ": expected an unsigned integer");
        break;
      case Eip712Type::kBool:
        if (!present || v.get(values[i].flag)) return fail(where + ": expected true or false");
        break;
      case Eip712Type::kBytes32: {
        std::string_view s;
        if (!present || v.get(s) || !crypto::parse_hex(s, values[i].bytes.data(), 32)) {
          return fail(where + ": expected 32 bytes of hex");
        }
        break;
      }
    }
  }
  *digest = user_signed_digest(*spec, values, chain_id);
  return JsonActionResult{true, {}};
}

}  // namespace peregrine::gateways::hyperliquid
