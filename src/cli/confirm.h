// Asking before destroying what the user stored.
#pragma once

#include <string>

namespace rsm::cli {

// Goes on when forced or when the user answers yes to question on a terminal; an answer
// of no throws Error("not removed"). Without a terminal to ask on, throws
// UsageError(refusal): scripts must say -f.
void confirm_removal(bool force, const std::string& question, const std::string& refusal);

// True when stdin is a terminal, on which the answer can be asked.
bool can_ask();
// Asks on the terminal; true for yes.
bool ask_yes(const std::string& question);

}  // namespace rsm::cli
