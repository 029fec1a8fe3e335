// Durations as users write them: see duration.h.
#include "util/duration.h"

#include <array>
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm {

namespace {

using std::chrono::milliseconds;

// "ms" before "m", so that it is not read as minutes followed by junk.
constexpr std::array<std::pair<std::string_view, long long>, 5> kUnits{{
    {"ms", 1},
    {"s", 1000},
    {"m", 60'000},
    {"h", 3'600'000},
    {"d", 86'400'000},
}};

}  // namespace

milliseconds parse_duration(std::string_view text, std::string_view what) {
  auto refuse = [&] {
    return UsageError(fmt::format("{} takes a duration such as 500ms, 30s, 5m or 6h, not '{}'", what, text));
  };
  if (text.empty()) throw refuse();
  long long total = 0;
  for (std::string_view rest = text; !rest.empty();) {
    long long number = 0;
    auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
    if (error != std::errc() || end == rest.data()) throw refuse();
    rest.remove_prefix(end - rest.data());
    const std::pair<std::string_view, long long>* unit = nullptr;
    for (const auto& candidate : kUnits)
      if (rest.substr(0, candidate.first.size()) == candidate.first) {
        unit = &candidate;
        break;
      }
    if (unit == nullptr || number < 0 || number > 100'000'000) throw refuse();
    total += number * unit->second;
    rest.remove_prefix(unit->first.size());
  }
  return milliseconds(total);
}

std::string format_duration(milliseconds duration) {
  long long left = duration.count();
  if (left == 0) return "0s";
  std::string text;
  for (auto unit = kUnits.rbegin(); unit != kUnits.rend(); ++unit) {
    if (left < unit->second) continue;
    text += fmt::format("{}{}", left / unit->second, unit->first);
    left %= unit->second;
  }
  return text;
}

}  // namespace rsm
