// Taking machines out of an environment that keeps running. Each leaving node is drained
// (the swarm starts its tasks on the others), a manager is demoted (the managers' Raft
// group shrinks while a majority of it answers), then it leaves the swarm, its entry goes
// from the managers' list and its driver removes the machine. The database's servers on
// those nodes hand their replicas to the others before any of this (up/node_removal.h).
#pragma once

#include <string>
#include <vector>

#include "drivers/node.h"
#include "swarm/environment.h"
#include "util/progress.h"

namespace rsm::swarm {

// The named machines, checked before anything changes: each is the environment's, some
// node stays, and the managers that stay (as the swarm has them) include one and answer
// as a majority of themselves. UsageError naming the fix otherwise.
std::vector<drivers::Node> leaving_nodes(Environment& env, const std::vector<std::string>& names);

// Drains, demotes, lets leave and removes each of the nodes (as leaving_nodes() returned
// them), one after another, then gives the mesh's remaining members their new peers.
// Re-running after an interruption finishes what was left.
void depart(Environment& env, const std::vector<drivers::Node>& leaving, bool forget_unreachable, Progress& progress);

}  // namespace rsm::swarm
