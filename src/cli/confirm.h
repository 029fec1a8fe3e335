// Asking before destroying what the user stored.
#pragma once

#include <string>

namespace rsm::cli {

// True when forced or when the user answers yes to question on a terminal. Without a
// terminal to ask on, throws UsageError(refusal): scripts must say -f.
bool confirmed(bool force, const std::string& question, const std::string& refusal);

}  // namespace rsm::cli
