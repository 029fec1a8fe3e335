// Making workers managers. A swarm keeps working while a majority of its managers is up,
// so 3 managers is the least that survives losing one (and with one manager, nothing is
// rescheduled while its node is down).
#pragma once

#include <string>
#include <vector>

#include "swarm/environment.h"
#include "swarm/objects.h"
#include "util/progress.h"

namespace rsm::swarm {

inline constexpr int kManagersForHighAvailability = 3;

// Promotes the named nodes, or (none named) the first ready workers until the swarm has
// kManagersForHighAvailability managers. Returns the names promoted (none when nothing was
// to do), once each of them is a reachable manager. Throws UsageError for names the
// environment does not have.
std::vector<std::string> promote(Environment& env, const std::vector<std::string>& names, Progress& progress);

// What to do when the swarm's managers do not keep it highly available (empty when they
// do, or for fewer than 3 nodes): promote more when there are too few, start those that
// are not ready when some are down, counted as the swarm knows them.
std::string managers_advice(const std::string& env, const std::vector<NodeView>& nodes);

}  // namespace rsm::swarm
