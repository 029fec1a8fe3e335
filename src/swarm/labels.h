// The labels rsm puts on everything it makes in a swarm (services, secrets, configs,
// networks, volumes, containers), so that it finds its own objects again and never
// touches anyone else's: the environment, and which part of rsm made the object.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rsm::swarm {

inline constexpr const char* kEnvLabel = "rsm.env";
inline constexpr const char* kComponentLabel = "rsm.component";
// On a swarm node: rsm's name for its machine, which placement pins by (a machine rsm
// adopts keeps a hostname of its own).
inline constexpr const char* kNodeLabel = "rsm.node";

// {"rsm.env": env, "rsm.component": component}, as objects carry them.
nlohmann::json component_labels(const std::string& env, const std::string& component);

// The same as the list endpoints filter by them: {"rsm.env=ENV", "rsm.component=COMPONENT"}.
std::vector<std::string> component_filters(const std::string& env, const std::string& component);

}  // namespace rsm::swarm
