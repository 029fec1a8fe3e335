// The question goes to stderr and the answer comes from a terminal only, so a script can
// never answer it by accident.
#include "cli/confirm.h"

#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::cli {

void confirm_removal(bool force, const std::string& question, const std::string& refusal) {
  if (force) return;
  if (isatty(STDIN_FILENO) != 1) throw UsageError(refusal);
  fmt::print(stderr, "{} [y/N] ", question);
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "y" && answer != "Y" && answer != "yes") throw Error("not removed");
}

}  // namespace rsm::cli
