// The environment name rule, checked character by character.
#include "util/names.h"

#include <fmt/format.h>

#include "util/error.h"

namespace rsm {

void validate_env_name(std::string_view name) {
  auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
  bool ok = !name.empty() && name.size() <= 32 && name.front() != '-' && name.back() != '-';
  for (char c : name) ok = ok && allowed(c);
  if (!ok)
    throw UsageError(fmt::format(
        "invalid environment name '{}': use 1-32 characters of a-z, 0-9 and '-' (not at either end)", name));
}

}  // namespace rsm
