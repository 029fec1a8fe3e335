// Dotted quads as 32-bit numbers: a free block is the first of the pool's blocks that
// overlaps none taken.
#include "drivers/local/subnet.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>
#include <optional>

#include <fmt/format.h>

#include "util/error.h"

namespace rsm::drivers {

namespace {

struct Cidr {
  uint32_t base;
  int length;
  uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  bool contains(uint32_t address) const { return (address & mask()) == (base & mask()); }
};

std::optional<Cidr> parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string address(text.substr(0, slash));
  in_addr parsed{};
  if (inet_pton(AF_INET, address.c_str(), &parsed) != 1) return std::nullopt;
  int length = -1;
  auto digits = text.substr(slash + 1);
  std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (length < 0 || length > 32) return std::nullopt;
  return Cidr{ntohl(parsed.s_addr), length};
}

std::string format_address(uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 255, (address >> 8) & 255, address & 255);
}

}  // namespace

std::string free_subnet(std::string_view pool, int prefix_length, const std::vector<std::string>& taken) {
  auto range = parse(pool);
  if (!range || prefix_length < range->length || prefix_length > 30)
    throw Error(fmt::format("bad subnet pool {} for /{} networks", pool, prefix_length));
  uint64_t step = uint64_t{1} << (32 - prefix_length);
  uint64_t count = uint64_t{1} << (prefix_length - range->length);
  for (uint64_t i = 0; i < count; ++i) {
    Cidr candidate{static_cast<uint32_t>((range->base & range->mask()) + i * step), prefix_length};
    bool overlaps = false;
    for (const auto& entry : taken) {
      auto other = parse(entry);
      overlaps = overlaps || (other && (other->contains(candidate.base) || candidate.contains(other->base)));
    }
    if (!overlaps) return fmt::format("{}/{}", format_address(candidate.base), prefix_length);
  }
  return {};
}

std::string subnet_host(std::string_view subnet, int n) {
  auto cidr = parse(subnet);
  if (!cidr) throw Error(fmt::format("bad subnet {}", subnet));
  return format_address((cidr->base & cidr->mask()) + static_cast<uint32_t>(n));
}

}  // namespace rsm::drivers
