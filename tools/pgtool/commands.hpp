// pgtool subcommands register themselves here (one file per venue, see PGTOOL_COMMAND), so
// venues are added without touching main.cpp. Main thread only. A command returns the exit
// code and throws UsageError (args.hpp) for bad arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace peregrine::tools {

using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  std::string_view group;  // "hl", "binance", "bybit", "coinbase", "book", "journal", ...
  std::string_view name;   // "sign"; empty for a group that is itself the command ("book")
  std::string_view usage;  // one or more lines, shown by pgtool --help
  CommandFn fn;
};

std::vector<Command>& command_registry();

struct CommandRegistrar {
  explicit CommandRegistrar(const Command& c) { command_registry().push_back(c); }
};

}  // namespace peregrine::tools

#define PEREGRINE_PGTOOL_CAT2(a, b) a##b
#define PEREGRINE_PGTOOL_CAT(a, b) PEREGRINE_PGTOOL_CAT2(a, b)
// PGTOOL_COMMAND("binance", "sign", "usage text", &binance_sign);
#define PGTOOL_COMMAND(group, name, usage, fn)                            \
  static const ::peregrine::tools::CommandRegistrar PEREGRINE_PGTOOL_CAT( \
      kPgtoolCmd_, __LINE__)(::peregrine::tools::Command{group, name, usage, fn})
