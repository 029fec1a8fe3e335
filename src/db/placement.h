// Where a table's replicas go when the servers are in several regions: spread so that
// losing any one region leaves a majority of each table's replicas where the servers
// allow it (RethinkDB's `reconfigure` with replicas per server tag, each server tagged
// with its node's region; see layout.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rsm::db {

struct ReplicaPlacement {
  std::map<std::string, int> replicas_by_region;  // only regions that get replicas
  std::string primary_region;                     // one of those with the most replicas
};

// `replicas` spread over the regions (region -> servers connected there), one at a time
// to the region with the fewest so far that has a server left (ties by name). nullopt
// when the servers are in fewer than two regions, or some have none: then the replica
// count alone is given, as for one region.
std::optional<ReplicaPlacement> spread_over_regions(const std::map<std::string, int>& servers_by_region, int replicas);

// A server's region among its tags (RethinkDB adds "default"; rsm adds the role); empty
// when it has none.
std::string region_of(const std::vector<std::string>& tags);

}  // namespace rsm::db
