// Role names, node names and machines named by --host, spelled in one place.
#include "drivers/node.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "util/error.h"

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

engine::Endpoint parse_host(const std::string& text) {
  auto invalid = [&] { return UsageError(fmt::format("invalid --host '{}': expected [USER@]HOST[:PORT]", text)); };
  auto odd = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c));
  };
  if (text.find('/') != std::string::npos || std::any_of(text.begin(), text.end(), odd)) throw invalid();
  try {
    auto endpoint = engine::Endpoint::parse("ssh://" + text);
    if (endpoint.host.starts_with('-') || endpoint.user.starts_with('-')) throw invalid();
    return endpoint;
  } catch (const UsageError&) {
    throw invalid();
  }
}

bool same_host(const std::string& a, const std::string& b) {
  auto machine = [](const std::string& text) {
    auto endpoint = parse_host(text);
    return std::pair(endpoint.host, endpoint.port ? endpoint.port : 22);
  };
  return machine(a) == machine(b);
}

std::string node_name(std::string_view env, Role role, int index) {
  return fmt::format("{}-{}-{}", env, role_name(role), index);
}

int node_index(std::string_view name) {
  auto dash = name.rfind('-');
  if (dash == std::string_view::npos) return 0;
  int index = 0;
  auto digits = name.substr(dash + 1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  return error == std::errc() && end == digits.data() + digits.size() ? index : 0;
}

}  // namespace rsm::drivers
