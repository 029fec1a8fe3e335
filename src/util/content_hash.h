// A short name-safe hash of some contents, for things named after what they hold (the
// node image's tag, a Docker config's name, the spec rsm last applied to a service).
// FNV-1a: stable across builds and platforms; not for security.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace rsm {

// 12 lower-case hex digits over all parts, in order.
std::string content_hash(std::initializer_list<std::string_view> parts);

}  // namespace rsm
