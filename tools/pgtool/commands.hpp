// pgtool subcommand entry points. Main thread only. Each returns the process exit code and
// throws UsageError for bad arguments.
#pragma once

#include <string>
#include <vector>

namespace peregrine::tools {

int hl_sign(const std::vector<std::string>& args);
int hl_sign_batch(const std::vector<std::string>& args);
int hl_sign_agent(const std::vector<std::string>& args);
int hl_wire(const std::vector<std::string>& args);

}  // namespace peregrine::tools
