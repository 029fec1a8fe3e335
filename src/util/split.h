// Lists kept in one string (labels such as "8080,9090", a log line's "k=v,k=v" details)
// taken apart.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace rsm {

// The parts of text between separators, empty ones left out.
inline std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  for (size_t start = 0; start < text.size();) {
    size_t end = std::min(text.find(separator, start), text.size());
    if (end > start) parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace rsm
