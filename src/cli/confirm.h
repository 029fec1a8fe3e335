// Asking before destroying what the user stored.
#pragma once

#include <string>

namespace rsm::cli {

// Goes on when forced or when the user answers yes to question on a terminal; an answer
// of no throws Error("not removed"). Without a terminal to ask on, throws
// UsageError(refusal): scripts must say -f.
void confirm_removal(bool force, const std::string& question, const std::string& refusal);

}  // namespace rsm::cli
