#include "cli/confirm.h"

#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::cli {

bool confirmed(bool force, const std::string& question, const std::string& refusal) {
  if (force) return true;
  if (isatty(STDIN_FILENO) != 1) throw UsageError(refusal);
  fmt::print(stderr, "{} [y/N] ", question);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace rsm::cli
