// pgtool: Peregrine's command-line toolbox (signing, wire formats; more subcommands per venue).
// Errors are one line on stderr with exit status 2.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "tools/pgtool/args.hpp"
#include "tools/pgtool/commands.hpp"

namespace {

constexpr const char* kUsage =
    "usage: pgtool <venue> <command> [options]\n"
    "\n"
    "  pgtool hl sign --key HEX|env:VAR|file:PATH --action JSON [--nonce N] [--vault 0xADDR]\n"
    "                 [--expires-after MS] [--testnet]\n"
    "      L1 action: prints {\"connectionId\",\"r\",\"s\",\"v\"}; user-signed action (by its\n"
    "      \"type\", e.g. usdSend): prints {\"r\",\"s\",\"v\"}. RFC 6979: deterministic.\n"
    "  pgtool hl sign-batch --key HEX < requests.jsonl\n"
    "      one request per line: {\"action\":{…},\"nonce\":N[,\"vaultAddress\":\"0x…\"]\n"
    "      [,\"expiresAfter\":MS][,\"testnet\":true]}; one output line each, as hl sign\n"
    "  pgtool hl sign-agent --key HEX --connection-id 0x… [--testnet]\n"
    "  pgtool hl wire --px X --sz Y --sz-decimals N [--spot]\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  try {
    if (args.size() >= 2 && args[0] == "hl") {
      const std::string cmd = args[1];
      const std::vector<std::string> rest(args.begin() + 2, args.end());
      if (cmd == "sign") return peregrine::tools::hl_sign(rest);
      if (cmd == "sign-batch") return peregrine::tools::hl_sign_batch(rest);
      if (cmd == "sign-agent") return peregrine::tools::hl_sign_agent(rest);
      if (cmd == "wire") return peregrine::tools::hl_wire(rest);
      throw peregrine::tools::UsageError{"unknown command 'hl " + cmd + "' (see pgtool --help)"};
    }
    throw peregrine::tools::UsageError{"unknown venue or command '" + args[0] +
                                       "' (see pgtool --help)"};
  } catch (const peregrine::tools::UsageError& e) {
    std::fprintf(stderr, "pgtool: %s\n", e.message.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pgtool: %s\n", e.what());
    return 2;
  }
}
