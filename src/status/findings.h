// What is not well in an environment's status, each finding one line that ends with what
// to run about it. Kept apart from the reading so that every rule is checked on made-up
// states (tests/status/findings_test.cpp) as well as on real swarms.
#pragma once

#include <string>
#include <vector>

#include "status/environment_status.h"

namespace rsm::status {

struct Managers {
  int all = 0;
  int reachable = 0;
  // Raft's majority: the swarm takes no change (and reschedules nothing) without it.
  bool quorum() const { return all > 0 && reachable > all / 2; }
};

Managers count_managers(const std::vector<swarm::NodeStatus>& nodes);

// The findings, nodes and the swarm first, then the database, the apps, the edge.
std::vector<std::string> find_problems(const EnvironmentStatus& status);

}  // namespace rsm::status
