// Running the rsm binary the way a user does, and reading what it printed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "util/subprocess.h"

namespace rsm::testing {

// Runs `rsm ARGS...` with the given environment changes (an empty value unsets).
ProcessResult run_rsm(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

}  // namespace rsm::testing
