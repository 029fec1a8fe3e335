// Removing some nodes from an environment that keeps running, for `rsm nodes rm ENV
// NODE...` and `rsm up --prune`. Everything is checked before anything changes (the names,
// the managers that stay, the database's replicas); then the database's servers on those
// nodes hand their replicas to the others and go, and the swarm lets the machines go
// (swarm/node_departure.h). No acknowledged write is lost: a server goes only once every
// table is ready without it.
#pragma once

#include <string>
#include <vector>

#include "swarm/environment.h"
#include "util/progress.h"

namespace rsm::up {

struct NodeRemoval {
  std::vector<std::string> nodes;       // the machines removed
  std::vector<std::string> db_servers;  // the database's services that went with them
};

NodeRemoval remove_nodes(swarm::Environment& env, const std::vector<std::string>& names, bool forget_unreachable,
                         Progress& progress);

}  // namespace rsm::up
