// Both forms of the same two labels, made in one place.
#include "swarm/labels.h"

namespace rsm::swarm {

nlohmann::json component_labels(const std::string& env, const std::string& component) {
  return {{kEnvLabel, env}, {kComponentLabel, component}};
}

std::vector<std::string> component_filters(const std::string& env, const std::string& component) {
  return {std::string(kEnvLabel) + "=" + env, std::string(kComponentLabel) + "=" + component};
}

}  // namespace rsm::swarm
