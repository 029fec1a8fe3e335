// Durations as users write them in flags and rsm.yaml: a whole number and a unit, "250ms",
// "30s", "5m", "6h", "2d", or several in a row ("1m30s"). A bare number is refused: "30"
// could mean seconds or milliseconds, and a guess is how a timeout ends up 1000 times off.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace rsm {

// Throws UsageError naming `what` (a flag or a key) and the form it takes.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what);

// The shortest way parse_duration reads back: "500ms", "30s", "1m30s", "6h".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace rsm
