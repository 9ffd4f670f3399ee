// pgtool: Peregrine's command-line toolbox (signing, wire formats, book rebuilds, journals).
// Errors are one line on stderr with exit status 2.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "tools/pgtool/args.hpp"
#include "tools/pgtool/commands.hpp"

namespace peregrine::tools {

std::vector<Command>& command_registry() {
  static std::vector<Command> commands;
  return commands;
}

}  // namespace peregrine::tools

namespace {

using peregrine::tools::Command;
using peregrine::tools::command_registry;

void print_usage(std::FILE* out) {
  std::fputs("usage: pgtool <group> [<command>] [options]\n\n", out);
  auto commands = command_registry();
  std::sort(commands.begin(), commands.end(), [](const Command& a, const Command& b) {
    return a.group != b.group ? a.group < b.group : a.name < b.name;
  });
  for (const Command& c : commands)
    std::fprintf(out, "%.*s\n", static_cast<int>(c.usage.size()), c.usage.data());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  try {
    for (const Command& c : command_registry()) {
      if (c.group != args[0]) continue;
      if (c.name.empty()) return c.fn(std::vector<std::string>(args.begin() + 1, args.end()));
      if (args.size() >= 2 && c.name == args[1]) {
        return c.fn(std::vector<std::string>(args.begin() + 2, args.end()));
      }
    }
    const std::string what = args.size() >= 2 ? args[0] + " " + args[1] : args[0];
    throw peregrine::tools::UsageError{"unknown command '" + what + "' (see pgtool --help)"};
  } catch (const peregrine::tools::UsageError& e) {
    std::fprintf(stderr, "pgtool: %s\n", e.message.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pgtool: %s\n", e.what());
    return 2;
  }
}
