// Rules for the names users give us. Checked before anything is created, so a bad
// name never leaves half-built state behind.
#pragma once

#include <string_view>

namespace rsm {

// Environment names become parts of container, volume, network and host names:
// lowercase letters, digits and '-', 1 to 32 characters, not starting or ending with '-'.
// Throws UsageError with the rule spelled out.
void validate_env_name(std::string_view name);

}  // namespace rsm
