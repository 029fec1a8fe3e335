// rsm's local state: $XDG_STATE_HOME/rsm or ~/.local/state/rsm. Caches and preferences
// live here, and the ssh driver's list of adopted hosts with their pinned keys (which
// machines are an environment's is known to nobody else). Everything else is asked of
// the engines.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace rsm {

std::filesystem::path state_dir();

// Reads a file below state_dir(); nullopt when it does not exist.
std::optional<std::string> read_state(const std::string& relative);

// Writes a file below state_dir() atomically (temporary file + rename), so a crash
// leaves either the old or the new content, never a torn one.
void write_state(const std::string& relative, const std::string& content);

}  // namespace rsm
