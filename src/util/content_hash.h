// A short name-safe hash of some contents, for things named after what they hold (an
// image's tag, a Docker config's name, the spec rsm last applied to a service): SHA-256,
// as Docker names its own content, cut to 32 hex digits so that names stay within the
// swarm's 64 characters.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace rsm {

// 32 lower-case hex digits of SHA-256 over all parts, in order, each behind its length
// (so that parts never run into each other).
std::string content_hash(std::initializer_list<std::string_view> parts);

// The 12 hex digits of 48-bit FNV-1a over the parts run together: what rsm named things
// with before, read only to recognise what an earlier version made.
std::string earlier_content_hash(std::initializer_list<std::string_view> parts);

}  // namespace rsm
