// FNV-1a over the parts, 48 bits in hex.
#include "util/content_hash.h"

#include <cstdint>

#include <fmt/format.h>

namespace rsm {

std::string content_hash(std::initializer_list<std::string_view> parts) {
  uint64_t hash = 1469598103934665603ull;
  for (auto part : parts)
    for (unsigned char c : part) hash = (hash ^ c) * 1099511628211ull;
  return fmt::format("{:012x}", hash & 0xffffffffffffull);
}

}  // namespace rsm
