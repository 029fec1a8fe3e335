// Round-robin by fewest-so-far keeps the regions' shares within one of each other, which
// is the best any placement can do for surviving the loss of the largest share.
#include "db/placement.h"

#include <algorithm>

namespace rsm::db {

std::optional<ReplicaPlacement> spread_over_regions(const std::map<std::string, int>& servers_by_region, int replicas) {
  if (servers_by_region.size() < 2 || servers_by_region.contains("")) return std::nullopt;
  std::map<std::string, int> given;
  for (int placed = 0; placed < replicas; ++placed) {
    const std::string* best = nullptr;
    for (const auto& [region, servers] : servers_by_region) {
      if (given[region] >= servers) continue;
      if (!best || given[region] < given[*best]) best = &region;
    }
    if (!best) break;  // fewer servers than replicas: the caller refuses that before
    ++given[*best];
  }
  std::erase_if(given, [](const auto& entry) { return entry.second == 0; });
  ReplicaPlacement placement{.replicas_by_region = given};
  for (const auto& [region, count] : given)
    if (placement.primary_region.empty() || count > given[placement.primary_region]) placement.primary_region = region;
  return placement;
}

std::string region_of(const std::vector<std::string>& tags) {
  for (const auto& tag : tags)
    if (tag != "default" && tag != "manager" && tag != "worker") return tag;
  return "";
}

}  // namespace rsm::db
