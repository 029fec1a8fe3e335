// The question goes to stderr and the answer comes from a terminal only, so a script can
// never answer it by accident.
#include "cli/confirm.h"

#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::cli {

bool can_ask() { return isatty(STDIN_FILENO) == 1; }

bool ask_yes(const std::string& question) {
  fmt::print(stderr, "{} [y/N] ", question);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

void confirm_removal(bool force, const std::string& question, const std::string& refusal) {
  if (force) return;
  if (!can_ask()) throw UsageError(refusal);
  if (!ask_yes(question)) throw Error("not removed");
}

}  // namespace rsm::cli
