// The messages of conditions that many commands meet, written once, and the one way to
// drop a failure on purpose.
#include "util/error.h"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace rsm {

int exit_code_of(const std::exception& failure) { return dynamic_cast<const UsageError*>(&failure) ? 2 : 1; }

UsageError no_nodes_error(std::string_view env) {
  return UsageError(
      fmt::format("environment {0} has no nodes (see `rsm env ls`); create them with `rsm nodes create "
                  "{0} -m 3`",
                  env));
}

Error no_manager_error(std::string_view env) {
  return Error(fmt::format("no manager of {0} answers: start the environment first (rsm nodes start {0})", env));
}

void ignore_failure(std::string_view why, const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    if (const char* debug = std::getenv("RSM_DEBUG"); debug && *debug && *debug != '0')
      fmt::print(stderr, "rsm: ignored: {} ({})\n", e.what(), why);
  }
}

}  // namespace rsm
