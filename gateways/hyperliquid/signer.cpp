#include "gateways/hyperliquid/signer.hpp"

#include <array>
#include <cstring>

namespace peregrine::gateways::hyperliquid {
namespace {

void put_u64be(std::uint8_t* out, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
}

// uint256 big-endian of a small number.
std::array<std::uint8_t, 32> u256(std::uint64_t v) noexcept {
  std::array<std::uint8_t, 32> out{};
  put_u64be(out.data() + 24, v);
  return out;
}

const Hash32& domain_type_hash() noexcept {
  static const Hash32 h = crypto::keccak256(
      "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
  return h;
}

Hash32 domain_separator(std::string_view name, std::uint64_t chain_id) noexcept {
  crypto::Keccak256 k;
  k.update(domain_type_hash().data(), 32);
  const Hash32 name_hash = crypto::keccak256(name);
  k.update(name_hash.data(), 32);
  const Hash32 version_hash = crypto::keccak256("1");
  k.update(version_hash.data(), 32);
  const auto chain = u256(chain_id);
  k.update(chain.data(), 32);
  const std::array<std::uint8_t, 32> zero_address{};
  k.update(zero_address.data(), 32);
  return k.finish();
}

Hash32 eip712_digest(const Hash32& domain_sep, const Hash32& struct_hash) noexcept {
  crypto::Keccak256 k;
  const std::uint8_t prefix[2] = {0x19, 0x01};
  k.update(prefix, 2);
  k.update(domain_sep.data(), 32);
  k.update(struct_hash.data(), 32);
  return k.finish();
}

struct L1Constants {
  Hash32 domain = domain_separator("Exchange", 1337);
  Hash32 agent_type = crypto::keccak256("Agent(string source,bytes32 connectionId)");
  Hash32 source_a = crypto::keccak256("a");
  Hash32 source_b = crypto::keccak256("b");
};

const L1Constants& l1() noexcept {
  static const L1Constants c;
  return c;
}

constexpr std::string_view kChain = "hyperliquidChain";
using T = Eip712Type;
constexpr Eip712FieldSpec kUsdSend[] = {{kChain, T::kString},
                                        {"destination", T::kString},
                                        {"amount", T::kString},
                                        {"time", T::kUint64}};
constexpr Eip712FieldSpec kSpotSend[] = {{kChain, T::kString},
                                         {"destination", T::kString},
                                         {"token", T::kString},
                                         {"amount", T::kString},
                                         {"time", T::kUint64}};
constexpr Eip712FieldSpec kWithdraw[] = {{kChain, T::kString},
                                         {"destination", T::kString},
                                         {"amount", T::kString},
                                         {"time", T::kUint64}};
constexpr Eip712FieldSpec kUsdClassTransfer[] = {
    {kChain, T::kString}, {"amount", T::kString}, {"toPerp", T::kBool}, {"nonce", T::kUint64}};
constexpr Eip712FieldSpec kSendAsset[] = {
    {kChain, T::kString},           {"destination", T::kString}, {"sourceDex", T::kString},
    {"destinationDex", T::kString}, {"token", T::kString},       {"amount", T::kString},
    {"fromSubAccount", T::kString}, {"nonce", T::kUint64}};
constexpr Eip712FieldSpec kApproveAgent[] = {{kChain, T::kString},
                                             {"agentAddress", T::kAddress},
                                             {"agentName", T::kString},
                                             {"nonce", T::kUint64}};
constexpr Eip712FieldSpec kApproveBuilderFee[] = {{kChain, T::kString},
                                                  {"maxFeeRate", T::kString},
                                                  {"builder", T::kAddress},
                                                  {"nonce", T::kUint64}};
constexpr Eip712FieldSpec kTokenDelegate[] = {{kChain, T::kString},
                                              {"validator", T::kAddress},
                                              {"wei", T::kUint64},
                                              {"isUndelegate", T::kBool},
                                              {"nonce", T::kUint64}};
constexpr Eip712FieldSpec kCDeposit[] = {
    {kChain, T::kString}, {"wei", T::kUint64}, {"nonce", T::kUint64}};
constexpr Eip712FieldSpec kConvertToMultiSig[] = {
    {kChain, T::kString}, {"signers", T::kString}, {"nonce", T::kUint64}};
constexpr Eip712FieldSpec kUserDexAbstraction[] = {
    {kChain, T::kString}, {"user", T::kAddress}, {"enabled", T::kBool}, {"nonce", T::kUint64}};
constexpr Eip712FieldSpec kUserSetAbstraction[] = {{kChain, T::kString},
                                                   {"user", T::kAddress},
                                                   {"abstraction", T::kString},
                                                   {"nonce", T::kUint64}};
constexpr Eip712FieldSpec kSendMultiSig[] = {
    {kChain, T::kString}, {"multiSigActionHash", T::kBytes32}, {"nonce", T::kUint64}};

constexpr UserSignedSpec kCatalogue[] = {
    {"usdSend", "HyperliquidTransaction:UsdSend", kUsdSend},
    {"spotSend", "HyperliquidTransaction:SpotSend", kSpotSend},
    {"withdraw3", "HyperliquidTransaction:Withdraw", kWithdraw},
    {"usdClassTransfer", "HyperliquidTransaction:UsdClassTransfer", kUsdClassTransfer},
    {"sendAsset", "HyperliquidTransaction:SendAsset", kSendAsset},
    {"approveAgent", "HyperliquidTransaction:ApproveAgent", kApproveAgent},
    {"approveBuilderFee", "HyperliquidTransaction:ApproveBuilderFee", kApproveBuilderFee},
    {"tokenDelegate", "HyperliquidTransaction:TokenDelegate", kTokenDelegate},
    {"cDeposit", "HyperliquidTransaction:CDeposit", kCDeposit},
    {"cWithdraw", "HyperliquidTransaction:CWithdraw", kCDeposit},
    {"convertToMultiSigUser", "HyperliquidTransaction:ConvertToMultiSigUser", kConvertToMultiSig},
    {"userDexAbstraction", "HyperliquidTransaction:UserDexAbstraction", kUserDexAbstraction},
    {"userSetAbstraction", "HyperliquidTransaction:UserSetAbstraction", kUserSetAbstraction},
    {"sendMultiSig", "HyperliquidTransaction:SendMultiSig", kSendMultiSig},
};

std::string_view type_name(Eip712Type t) noexcept {
  switch (t) {
    case T::kString:
      return "string";
    case T::kAddress:
      return "address";
    case T::kUint64:
      return "uint64";
    case T::kBool:
      return "bool";
    case T::kBytes32:
      return "bytes32";
  }
  return "string";
}

}  // namespace

Hash32 action_hash(std::string_view msgpack, const L1Options& opts) noexcept {
  crypto::Keccak256 k;
  k.update(msgpack.data(), msgpack.size());
  std::uint8_t tail[8 + 1 + 20 + 1 + 8];
  std::size_t n = 0;
  put_u64be(tail, opts.nonce);
  n += 8;
  if (opts.vault) {
    tail[n++] = 0x01;
    std::memcpy(tail + n, opts.vault->data(), 20);
    n += 20;
  } else {
    tail[n++] = 0x00;
  }
  if (opts.expires_after) {
    tail[n++] = 0x00;
    put_u64be(tail + n, *opts.expires_after);
    n += 8;
  }
  k.update(tail, n);
  return k.finish();
}

Hash32 l1_digest(const Hash32& connection_id, bool mainnet) noexcept {
  const L1Constants& c = l1();
  crypto::Keccak256 k;
  k.update(c.agent_type.data(), 32);
  k.update((mainnet ? c.source_a : c.source_b).data(), 32);
  k.update(connection_id.data(), 32);
  return eip712_digest(c.domain, k.finish());
}

const Hash32& exchange_domain_separator() noexcept { return l1().domain; }
const Hash32& agent_type_hash() noexcept { return l1().agent_type; }

const UserSignedSpec* find_user_signed(std::string_view action_type) noexcept {
  for (const auto& spec : kCatalogue) {
    if (spec.action_type == action_type) return &spec;
  }
  return nullptr;
}

Hash32 user_signed_digest(const UserSignedSpec& spec, std::span<const Eip712Value> values,
                          std::uint64_t chain_id) {
  // Type string, e.g. "HyperliquidTransaction:UsdSend(string hyperliquidChain,...,uint64 time)".
  char type_buf[512];
  ByteSink ts(type_buf, sizeof(type_buf));
  ts.put(spec.primary_type);
  ts.put('(');
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    if (i != 0) ts.put(',');
    ts.put(type_name(spec.fields[i].type));
    ts.put(' ');
    ts.put(spec.fields[i].name);
  }
  ts.put(')');
  const Hash32 type_hash = crypto::keccak256(ts.view());

  crypto::Keccak256 k;
  k.update(type_hash.data(), 32);
  for (std::size_t i = 0; i < spec.fields.size() && i < values.size(); ++i) {
    const Eip712Value& v = values[i];
    switch (spec.fields[i].type) {
      case T::kString: {
        const Hash32 h = crypto::keccak256(v.str);
        k.update(h.data(), 32);
        break;
      }
      case T::kAddress: {
        std::array<std::uint8_t, 32> word{};
        std::memcpy(word.data() + 12, v.address.data(), 20);
        k.update(word.data(), 32);
        break;
      }
      case T::kUint64: {
        const auto word = u256(v.number);
        k.update(word.data(), 32);
        break;
      }
      case T::kBool: {
        const auto word = u256(v.flag ? 1 : 0);
        k.update(word.data(), 32);
        break;
      }
      case T::kBytes32:
        k.update(v.bytes.data(), 32);
        break;
    }
  }
  const Hash32 struct_hash = k.finish();
  return eip712_digest(domain_separator("HyperliquidSignTransaction", chain_id), struct_hash);
}

void write_signature(JsonWriter& w, const RecoverableSignature& sig) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  char r[66];
  char s[66];
  r[0] = s[0] = '0';
  r[1] = s[1] = 'x';
  for (std::size_t i = 0; i < 32; ++i) {
    r[2 + 2 * i] = kHex[sig.r[i] >> 4];
    r[3 + 2 * i] = kHex[sig.r[i] & 0xf];
    s[2 + 2 * i] = kHex[sig.s[i] >> 4];
    s[3 + 2 * i] = kHex[sig.s[i] & 0xf];
  }
  w.map(3);
  w.key("r");
  w.str(std::string_view(r, sizeof(r)));
  w.key("s");
  w.str(std::string_view(s, sizeof(s)));
  w.key("v");
  w.uint(static_cast<std::uint64_t>(sig.v()));
  w.end();
}

void write_address(JsonWriter& w, const Address& a) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  char hex[42];
  hex[0] = '0';
  hex[1] = 'x';
  for (std::size_t i = 0; i < 20; ++i) {
    hex[2 + 2 * i] = kHex[a[i] >> 4];
    hex[3 + 2 * i] = kHex[a[i] & 0xf];
  }
  w.str(std::string_view(hex, sizeof(hex)));
}

}  // namespace peregrine::gateways::hyperliquid
