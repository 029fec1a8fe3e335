// Running the rsm binary the way a user does, and reading what it printed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "util/subprocess.h"

namespace rsm::testing {

// Runs `rsm ARGS...` with the given environment changes (an empty value unsets).
ProcessResult run_rsm(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

// The body of http://127.0.0.1:port/PATH (empty when nothing answers within 5 s).
std::string fetch_local(int port, const std::string& path = "/");

// Runs a long-lived rsm command that serves 127.0.0.1:port (rsm db admin, rsm tunnel),
// fetches the page at path until it contains `expected` (30 s at most), then stops the command
// with SIGTERM. Returns the last page and the command's exit code.
struct ServedPage {
  std::string page;
  int exit_code = -1;
};
ServedPage fetch_through_rsm(const std::vector<std::string>& args, int port, const std::string& expected,
                             const std::string& path = "/");

}  // namespace rsm::testing
