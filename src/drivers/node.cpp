// Role names and node names, spelled in one place.
#include "drivers/node.h"

#include <algorithm>

#include <fmt/format.h>

namespace rsm::drivers {

std::string_view role_name(Role role) { return role == Role::Manager ? "manager" : "worker"; }

std::optional<Role> parse_role(std::string_view name) {
  if (name == "manager") return Role::Manager;
  if (name == "worker") return Role::Worker;
  return std::nullopt;
}

void sort_managers_first(std::vector<Node>& nodes) {
  std::sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) {
    return std::pair(a.role != Role::Manager, a.index) < std::pair(b.role != Role::Manager, b.index);
  });
}

std::string node_name(std::string_view env, Role role, int index) {
  return fmt::format("{}-{}-{}", env, role_name(role), index);
}

}  // namespace rsm::drivers
